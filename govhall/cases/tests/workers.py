"""Worker processes that act on the same cases at once, for the concurrency
and crash tests (test_concurrency.py, test_crash.py). Each is a real process
with its own database connection, as the processes of a production server
are: forked by ``run_forked`` (the test's database and settings inherited),
or started as ``python -m govhall.cases.tests.workers`` (``load_main``).
"""

import os
import random
import sys
import traceback
from collections.abc import Callable

# The ordinary path of the desk's item (受理 → 审查 → 决定, a certificate):
# each action, who takes it, and its inputs — the same for the services
# (``case_act``) and the API (POST /api/cases/<number>/actions/<action>/).
PATH: list[tuple[str, str, dict]] = [
    ("check_materials", "clerk", {"checks": [{"material_order": 1, "verdict": "ok", "note": ""}]}),
    ("accept", "clerk", {}),
    ("complete_step", "reviewer", {"opinion": "材料齐全，符合条件"}),
    ("approve", "approver", {"opinion": "同意"}),
    ("certify", "clerk", {"certificate_number": "JY15116020000123"}),
    ("deliver", "clerk", {"method": "window", "received_by": "张三"}),
    ("close", "clerk", {}),
]
ROLES = sorted({role for _, role, _ in PATH})
ROOT_FOLDER = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def run_forked(target: Callable, workers: int, *args, timeout: float = 120) -> list:
    """Run ``target(index, barrier, *args)`` in ``workers`` forked processes
    that meet at ``barrier`` (a multiprocessing barrier); returns what each
    returned, in the order of the index. The caller's database connections
    are closed first (a child must not share the parent's socket); a child
    that fails fails the caller with its traceback."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()

    def child(index):
        try:
            outcome = ("ok", index, target(index, barrier, *args))
        except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
            barrier.abort()
            outcome = ("error", index, traceback.format_exc())
        finally:
            connections.close_all()
        results.put(outcome)

    processes = [context.Process(target=child, args=(index,)) for index in range(workers)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=timeout)
    errors = [text for status, _, text in outcomes if status == "error"]
    assert not errors, "a worker failed:\n" + "\n".join(errors)
    return [value for _, _, value in sorted(outcomes, key=lambda outcome: outcome[1])]


def api_client(username: str):
    """A test client signed in to the API with ``username``'s token (one per worker)."""
    from django.test import Client
    from rest_framework.authtoken.models import Token

    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user__username=username).key}")


def api_tokens(*users) -> None:
    """API tokens for ``users`` (made by the test before the workers start)."""
    from rest_framework.authtoken.models import Token

    for user in users:
        Token.objects.get_or_create(user=user)


def race_path(index: int, barrier, numbers: list[str], via: str) -> list[tuple[str, str, str]]:
    """Every worker takes each action of PATH on every case of ``numbers``,
    all from the same version: each loads the cases, meets the others at the
    barrier, then acts on the cases in its own order. Returns (number,
    action, outcome) — "won", "conflict", or the unexpected answer."""
    from govhall.cases import services
    from govhall.cases.models import Case
    from govhall.core.errors import Conflict
    from govhall.org.models import User

    rng = random.Random(index)
    people = {user.username: user for user in User.objects.filter(username__in=ROLES)}
    clients = {role: api_client(role) for role in ROLES} if via == "http" else {}
    outcomes = []
    for action, role, params in PATH:
        if via == "services":
            loaded = {number: Case.objects.select_related("item_version", "department").get(number=number)
                      for number in numbers}
        else:
            loaded = {number: clients[role].get(f"/api/cases/{number}/").json()["version"] for number in numbers}
        barrier.wait(timeout=60)
        for number in rng.sample(numbers, len(numbers)):
            if via == "services":
                try:
                    services.case_act(actor=people[role], case=loaded[number], action=action, params=params)
                    outcome = "won"
                except Conflict:
                    outcome = "conflict"
            else:
                response = clients[role].post(f"/api/cases/{number}/actions/{action}/",
                                              {**params, "version": loaded[number]}, content_type="application/json")
                outcome = {200: "won", 409: "conflict"}.get(response.status_code,
                                                            f"{response.status_code} {response.content[:300]!r}")
            outcomes.append((number, action, outcome))
        barrier.wait(timeout=60)  # every worker done before the next round loads
    return outcomes


def submit_many(index: int, barrier, count: int, via: str, item_code: str) -> list[str]:
    """``count`` window receipts by the clerk, all workers at once; the case numbers given."""
    from govhall.cases import services
    from govhall.catalog.models import ItemVersion
    from govhall.org.models import Center, User

    clerk = User.objects.get(username="clerk")
    version = ItemVersion.objects.get(item__code=item_code, status="published")
    center = Center.objects.get(code="D1")
    client = api_client("clerk") if via == "http" else None
    barrier.wait(timeout=60)
    numbers = []
    for n in range(count):
        application = {"applicant_name": "张三", "applicant_id_number": "110101199003070011",
                       "applicant_phone": "13912345678"}
        if via == "services":
            numbers.append(services.case_submit(actor=clerk, item_version=version, center=center, channel="window",
                                                **application).number)
        else:
            response = client.post("/api/cases/", {"item": item_code, "center": "D1", "channel": "window", **application},
                                   content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"worker-{index}-{n}")
            assert response.status_code == 201, response.content
            numbers.append(response.json()["number"])
    return numbers


def submit_same_key(index: int, barrier, item_code: str, key: str) -> tuple[int, str]:
    """One retry of the same application with the same Idempotency-Key, all
    workers at once: the status and the case number (or the error) answered."""
    client = api_client("clerk")
    body = {"item": item_code, "center": "D1", "channel": "window", "applicant_name": "张三",
            "applicant_id_number": "110101199003070011", "applicant_phone": "13912345678"}
    client.get("/api/cases/")  # warmed up (URLs, serializers): the posts leave the barrier together
    barrier.wait(timeout=60)
    response = client.post("/api/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    answer = response.json()
    return response.status_code, answer.get("number") or answer.get("detail", "")


# --- a load run that can be killed and restarted (test_crash.py) ----------------------

def child_environment(**extra) -> dict[str, str]:
    """The environment of a ``python -m govhall.cases.tests.workers`` child
    working on the calling test's database and media folder."""
    from django.conf import settings
    from django.db import connection

    return {**os.environ, "DJANGO_SETTINGS_MODULE": "govhall.cases.tests.child_settings",
            "GOVHALL_CHILD_DATABASE": str(connection.settings_dict["NAME"]),
            "GOVHALL_CHILD_MEDIA_ROOT": str(settings.MEDIA_ROOT), **extra}


def load_plan(count: int) -> list[str]:
    """The kind of each planned application of the load run, by its index."""
    kinds = ["online", "window", "correction", "reject"]
    return [kinds[i % len(kinds)] for i in range(count)]


def _drive(index: int, kind: str, people: dict, version, center, say) -> None:
    """Bring planned application ``index`` to its end from wherever it
    stands: the case is found by its Idempotency-Key, so a restarted run
    finishes what a killed one began and starts nothing twice."""
    from govhall.cases import services
    from govhall.cases.models import Case
    from govhall.cases.selectors import case_materials
    from govhall.test import sample_pdf

    applicant, clerk = people["applicant"], people["clerk"]
    online = kind in {"online", "correction"}
    actor = applicant if online else clerk
    case, _ = services.case_submit_once(
        actor=actor, idempotency_key=f"load-{index}", draft=online, item_version=version, center=center,
        applicant_name=applicant.full_name, applicant_id_number=applicant.id_number, applicant_phone=applicant.phone,
        **({} if online else {"channel": "window"}))
    while True:
        case = Case.objects.select_related("item_version", "department").get(pk=case.pk)
        actions = list(case.events.values_list("action", flat=True))
        state = case.state

        def act(action, who, case=case, **params):
            say(f"{index} {case.number} {action}")
            return services.case_act(actor=people[who], case=case, action=action, params=params)

        required = [m.order for m in case_materials(case) if m.handed_in_required]
        if state == "draft":
            handed_in = set(case.materials.values_list("material_order", flat=True))
            missing = [order for order in required if order not in handed_in]
            if missing:
                act("attach_material", "applicant", material_order=missing[0], filename=f"{index}-{missing[0]}.pdf",
                    content=sample_pdf(case.number))
            else:
                act("submit", "applicant")
        elif state == "correction":
            # The corrected scans, replacing the first ones, then the resubmission.
            replaced = actions[_last(actions, {"request_correction"}):].count("attach_material")
            if replaced < len(required):
                act("attach_material", "applicant", material_order=required[replaced],
                    filename=f"{index}-{required[replaced]}-2.pdf", content=sample_pdf(f"{case.number} 补正"))
            else:
                act("resubmit", "applicant")
        elif state == "submitted" and kind == "correction" and "request_correction" not in actions:
            act("request_correction", "clerk", items=[{"material": "食品经营许可申请书", "problem": "缺少签名"}])
        elif state == "submitted" and kind == "reject":
            act("reject", "clerk", reason="不属于本机关职权范围", refer_to="市场监督管理局")
        elif state == "submitted" and "check_materials" not in actions[_last(actions, {"submit", "resubmit"}):]:
            act("check_materials", "clerk", checks=services.checks_all_required_ok(case))
        elif state in {"submitted", "accepted", "in_review", "approved", "delivered"}:
            action, who, params = next((a, w, p) for a, w, p in PATH[1:] if _leads_from(a, state, case))
            act(action, who, **params)
        else:
            return  # closed or rejected: the plan's end


def _last(actions: list[str], names: set[str]) -> int:
    return max(i for i, action in enumerate(actions) if action in names)


def _leads_from(action: str, state: str, case) -> bool:
    from govhall.cases.states import target_state

    if target_state(action, state) is None:
        return False
    if action == "certify":
        return not case.certificate_number
    return action != "complete_step" or case.step < 2


def load_main(count: int) -> None:
    """Run the load plan of ``count`` applications to its end, printing each
    act before taking it (the parent kills this process at a random moment)."""
    import django

    django.setup()
    from govhall.catalog.models import ItemVersion
    from govhall.org.models import Center, User

    people = {user.username: user for user in User.objects.filter(username__in=["applicant", *ROLES])}
    version = ItemVersion.objects.get(status="published")
    center = Center.objects.get(code="D1")

    def say(line):
        print(line, flush=True)

    for index, kind in enumerate(load_plan(count)):
        _drive(index, kind, people, version, center, say)
    say("done")


def _die_after_first_file() -> None:
    """Kill this process the moment the first uploaded file is written, before
    its transaction commits (the crash window of an upload)."""
    import signal

    from django.core.files.storage import FileSystemStorage

    save = FileSystemStorage._save

    def save_then_die(self, name, content):
        saved = save(self, name, content)
        os.kill(os.getpid(), signal.SIGKILL)
        return saved

    FileSystemStorage._save = save_then_die


if __name__ == "__main__":
    if os.environ.get("GOVHALL_CHILD_DIE_AFTER_FILE"):
        _die_after_first_file()
    load_main(int(sys.argv[1]))
