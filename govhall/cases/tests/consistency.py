"""One checker of everything that must hold of the stored cases, whatever
ran before: concurrent workers, a process killed in the middle, a database
restarted. ``hall_problems()`` lists what is wrong (empty: all holds).

It checks, for every case: its hash chain (``chains_verify``); each event
following the one before (from_state = previous to_state: a transition
recorded twice breaks it); the state and chain head equal to the last
event's; every notice an event names stored, every notice named by one
event; the deadline and provisional flag equal to a fresh computation; the
light, step deadline and watch day equal to a fresh computation while the
watch day has not come; the pauses agreeing with the state; one stored file
per material upload event, with the recorded size and SHA-256. And, across
cases: the case and notice numbers of each counter consecutive from 1 to the
counter's value (none lost, none given twice); no file in the media storage
that no row names, no row naming a missing file.
"""

import hashlib
import re
from collections import defaultdict
from datetime import timedelta

from django.core.files.storage import default_storage

from govhall.cases import events as case_events
from govhall.cases.deadlines import case_next_due, case_watch
from govhall.cases.models import Case, CaseCounter, Notice, NoticeCounter
from govhall.cases.selectors import case_steps
from govhall.cases.states import CLOCK_RUNNING, State
from govhall.core import clock
from govhall.core.media import media_missing, media_orphans

NOTICE_SEQUENCE = re.compile(r"〔(\d{4})〕(\d+)号$")


def case_problems(case: Case, *, today) -> list[str]:
    """What is inconsistent in one case (its chain is checked by ``chains_verify``)."""
    problems = []
    name = case.number
    events = list(case.events.order_by("seq"))
    if not events:
        return [f"{name}: no event"]
    # A draft starts the chain (create_draft), or a receipt does from the draft row it made.
    previous = {"create_draft": "", "submit": "draft"}.get(events[0].action, "")
    for event in events:
        if event.from_state != previous:
            problems.append(f"{name} #{event.seq} {event.action}: from {event.from_state!r}, "
                            f"but the previous event left it {previous!r}")
        previous = event.to_state
    last = events[-1]
    if case.state != last.to_state:
        problems.append(f"{name}: state {case.state!r}, last event #{last.seq} says {last.to_state!r}")
    if (case.event_seq, case.event_hash) != (last.seq, last.hash):
        problems.append(f"{name}: chain head #{case.event_seq} is not the last event #{last.seq}")

    notices = {notice.number: notice for notice in case.notices.all()}
    named = [event.data["notice"] for event in events if event.data.get("notice")]
    for number in named:
        if number not in notices:
            problems.append(f"{name}: an event names notice {number}, which is not stored")
    for number in notices:
        if named.count(number) != 1:
            problems.append(f"{name}: notice {number} is named by {named.count(number)} events")
    decisions = [n.number for n in notices.values() if n.kind in {"approval", "denial"}]
    if decisions != ([case.decision_number] if case.decision_number else []):
        problems.append(f"{name}: decision number {case.decision_number!r}, decision notices {decisions}")

    if (case.due_date, case.deadline_provisional) != case_next_due(case):
        problems.append(f"{name}: due {case.due_date} (provisional {case.deadline_provisional}), "
                        f"computed {case_next_due(case)}")
    if case.watch_on is None or case.watch_on > today:
        # Nothing can have changed the light since it was set: it must be what it would be now.
        watch = case_watch(case, today=today, steps=case_steps(case) if case.state in CLOCK_RUNNING else None)
        stored = (case.light, case.step_due_date, case.watch_on)
        if stored != (watch.light, watch.step_due_date, watch.watch_on):
            problems.append(f"{name}: light/step due/watch day {stored}, computed "
                            f"{(watch.light, watch.step_due_date, watch.watch_on)}")
    if case.request_action and case.state not in CLOCK_RUNNING:
        problems.append(f"{name}: a request for the head ({case.request_action}) in state {case.state}")

    pauses = list(case.pauses.all())
    open_pauses = [p for p in pauses if p.ended_on is None]
    if len(open_pauses) != (1 if case.state == State.SUSPENDED else 0):
        problems.append(f"{name}: {len(open_pauses)} open pause(s) in state {case.state}")
    if case.pause_count != len(pauses):
        problems.append(f"{name}: pause count {case.pause_count}, {len(pauses)} pause(s) stored")

    uploads = [event for event in events if event.action == "attach_material"]
    materials = list(case.materials.all())
    if len(materials) != len(uploads):
        problems.append(f"{name}: {len(uploads)} upload event(s), {len(materials)} stored file(s)")
    for material in materials:
        if not default_storage.exists(material.file.name):
            continue  # reported by media_missing
        with default_storage.open(material.file.name, "rb") as stored:
            content = stored.read()
        if (len(content), hashlib.sha256(content).hexdigest()) != (material.size, material.sha256):
            problems.append(f"{name}: file {material.file.name} differs from its recorded size and SHA-256")
    return problems


def numbering_problems() -> list[str]:
    """Case and notice numbers: each counter's numbers 1 … last, each once."""
    problems = []
    cases = defaultdict(list)
    for center, number in Case.objects.values_list("center__code", "number"):
        prefix, _, sequence = number.rpartition("-")
        cases[(center, prefix.rpartition("-")[2])].append(int(sequence))
    for counter in CaseCounter.objects.select_related("center"):
        key = (counter.center.code, f"{counter.day:%Y%m%d}")
        found = sorted(cases.pop(key, []))
        if found != list(range(1, counter.last + 1)):
            problems.append(f"case numbers of {key}: counter at {counter.last}, numbers {found}")
    problems.extend(f"case numbers of {key} have no counter: {numbers}" for key, numbers in cases.items())

    notices = defaultdict(list)
    for department, kind, number in Notice.objects.values_list("case__department_id", "kind", "number"):
        match = NOTICE_SEQUENCE.search(number)
        if match is None:
            problems.append(f"notice number {number!r} has no 〔year〕sequence号")
            continue
        notices[(department, int(match[1]), kind)].append(int(match[2]))
    for counter in NoticeCounter.objects.all():
        key = (counter.department_id, counter.year, counter.kind)
        found = sorted(notices.pop(key, []))
        if found != list(range(1, counter.last + 1)):
            problems.append(f"notice numbers of {key}: counter at {counter.last}, numbers {found}")
    problems.extend(f"notice numbers of {key} have no counter: {numbers}" for key, numbers in notices.items())
    return problems


def hall_problems(*, today=None) -> list[str]:
    """Everything wrong with the stored cases, their numbers and files (empty: all holds)."""
    today = today or clock.today()
    problems = [f"{b.case_number} #{b.seq}: {b.reason}" for b in case_events.chains_verify()]
    for case in Case.objects.select_related("item_version", "department", "center").order_by("pk"):
        problems.extend(case_problems(case, today=today))
    problems.extend(numbering_problems())
    problems.extend(f"orphan file (no row names it): {name}" for name in media_orphans(min_age=timedelta(0)))
    problems.extend(f"missing file (a row names it): {name}" for name in media_missing())
    return problems
