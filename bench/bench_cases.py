"""Case lifecycles per second, through the services and through the HTTP API,
on SQLite and on PostgreSQL, each next to a floor and a peer measured in the
same run; and the server time of a window acceptance with its notice PDF.

Run: python bench/bench_cases.py   (part of `make bench`; needs the `bench`
extra for SpiffWorkflow and the `dev` extra for time-machine)
     python bench/bench_cases.py --profile   (also: statements and cProfile of
     the services and of the HTTP lifecycle)

A lifecycle is submit → check_materials → accept → complete_step → approve →
certify → deliver → close: eight transitions by the clerk, the reviewer and
the approver of the item's department, at times inside the working hours of
2026-03-02.

- floor: the same eight steps on the same tables, each a guarded
  ``UPDATE … WHERE id AND version`` of the case and one event ``INSERT`` in
  its own transaction (the case row created minimally in the first one);
  nothing else. Target: govhall costs at most 2× the floor.
- HTTP floor: the floor step behind the same HTTP stack (a bench-only DRF
  endpoint, session authentication): the reference of the HTTP lifecycle.
  Target: the HTTP lifecycle costs at most 2× the HTTP floor.
- peer: SpiffWorkflow's BPMN engine running bench/case_lifecycle.bpmn (the
  same eight steps as user tasks, each in the lane of the role that takes
  it) and doing per step, in one transaction, the legal duties govhall does:
  the guarded case update carrying the actor's authorization (the same
  ``AND EXISTS (SELECT 1 FROM org_authorization …)`` condition), one
  hash-chained event (``cases.events.event_build``), the deadline
  (``cases.deadlines``, through govhall.timing); and the workflow's state,
  serialized by ``BpmnWorkflowSerializer``, written to a bench-only table.
  Target: govhall is at least as fast. The bare engine (the same process
  run and serialized, no database) is reported as context.

Each database runs in its own subprocess on a throwaway database: SQLite in a
temporary folder (GOVHALL_VAR_DIR), PostgreSQL (GOVHALL_TEST_POSTGRES_URL, or
the local default when scripts/pg_probe.py finds it) as a test database of
its own, destroyed afterwards. Production settings (GOVHALL_DEBUG=0: no query
log). The contestants run in turns, several rounds; each ratio is given from
the best rounds and as the median of the rounds' own ratios (steadier on a
shared machine). No assertions on speed; exits non-zero only if something fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from harness import desk_build, parent, throwaway_database  # bench/ is on sys.path

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_START = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday, a working day of the official 2026 calendar
STEPS = ["submit", "check_materials", "accept", "complete_step", "approve", "certify", "deliver", "close"]
STATES = ["draft", "submitted", "submitted", "accepted", "in_review", "approved", "approved", "delivered", "closed"]
ACTORS = ["clerk", "clerk", "clerk", "reviewer", "approver", "clerk", "clerk", "clerk"]  # the persona of each step
BPMN = Path(__file__).resolve().parent / "case_lifecycle.bpmn"

WARMUP = 5          # lifecycles of each contestant before timing
ROUNDS = 15          # rounds of turns of every contestant
SERVICE_BATCH = 12  # lifecycles per contestant and round
HTTP_BATCH = 4
PDF_SAMPLES = 200


def at(step: int) -> datetime:
    """One minute per step, all inside the hall's office hours."""
    return DAY_START + timedelta(minutes=step)


# --- the child: one database ----------------------------------------------------------

def child(label: str, profile: bool) -> None:
    with throwaway_database("bench"):
        import time_machine

        # HTTP actions take the time from the clock: the whole run happens
        # on 2026-03-02 from 10:00, the clock ticking.
        with time_machine.travel(DAY_START, tick=True):
            Bench(label).run(profile)


class Bench:
    def __init__(self, label: str):
        from django.db import connection

        self.label = label
        self.vendor = connection.vendor
        self.serial = 0
        self.desk = desk_build()
        self.peer_setup()
        self.http_setup()
        self.http_floor_setup()

    # --- set-up, as govhall/cases/tests/conftest.py builds its desk ---

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    # --- govhall through the services ---

    def govhall_lifecycle(self):
        from govhall.cases import services as cases

        d = self.desk
        case = cases.case_submit(actor=d.clerk, item_version=d.version, center=d.district, channel="window",
                                 applicant_name="张三", applicant_id_number="110101199003070011",
                                 applicant_phone="13912345678", at=at(0))
        case = cases.case_check_materials(actor=d.clerk, case=case, checks=cases.checks_all_required_ok(case), at=at(1))
        case = cases.case_accept(actor=d.clerk, case=case, at=at(2))
        case = cases.case_complete_step(actor=d.reviewer, case=case, opinion="材料齐全，符合条件", at=at(3))
        case = cases.case_approve(actor=d.approver, case=case, opinion="同意", at=at(4))
        case = cases.case_certify(actor=d.clerk, case=case, certificate_number=f"JY{self.next_serial():014d}", at=at(5))
        case = cases.case_deliver(actor=d.clerk, case=case, method="window", received_by="张三", at=at(6))
        case = cases.case_close(actor=d.clerk, case=case, at=at(7))
        if case.state != "closed":
            raise AssertionError(f"govhall lifecycle ended in {case.state}")
        return case

    # --- the floor: a guarded update and one event insert per step ---

    def floor_step(self, pk: int | None, index: int, actor) -> int:
        """Step ``index`` of the floor lifecycle in its own transaction (the
        case row created minimally by the first); the case's id."""
        from django.db import transaction

        from govhall.cases.models import Case, CaseEvent

        d, when = self.desk, at(index)
        with transaction.atomic():
            if pk is None:
                pk = Case.objects.create(
                    number=f"FLOOR-{self.next_serial():08d}", query_code="FLOOR000", item_version_id=d.version.pk,
                    department_id=d.dept_a.pk, center_id=d.district.pk, applicant_kind="person",
                    applicant_name="张三", applicant_id_number="110101199003070011", applicant_phone="13912345678",
                    channel="window", state="draft", promised_days=10, created_at=when, updated_at=when).pk
            frm, to = STATES[index], STATES[index + 1]
            if Case.objects.filter(pk=pk, version=index).update(state=to, version=index + 1) != 1:
                raise AssertionError("floor: guarded update lost")
            CaseEvent.objects.create(case_id=pk, seq=index + 1, at=when, actor_id=actor.pk, actor_role=actor.role,
                                     action=STEPS[index], from_state=frm, to_state=to, data={}, hash_alg="sha256",
                                     prev_hash="f" * 64 if index else "", hash="f" * 64)
        return pk

    def floor_lifecycle(self):
        pk = None
        for index, persona in enumerate(ACTORS):
            pk = self.floor_step(pk, index, getattr(self.desk, persona))
        return pk

    # --- the peer: SpiffWorkflow's BPMN engine doing the same legal duties ---

    def peer_setup(self):
        from django.db import connection
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        from govhall.org.models import Action as Grant

        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.peer_spec = parser.get_spec("case_lifecycle")
        self.peer_serializer = BpmnWorkflowSerializer()
        lanes = [self.peer_spec.task_specs[name].lane for name in STEPS]
        if lanes != ACTORS:
            raise AssertionError(f"{BPMN.name}: the lanes {lanes} are not the roles of the steps {ACTORS}")
        # The authorization each step needs (cases.policy.POLICY for this
        # item: every step in department A, the review step a reviewer's).
        self.peer_grants = [Grant.ACCEPT, Grant.ACCEPT, Grant.ACCEPT, Grant.REVIEW, Grant.APPROVE, Grant.CERTIFY,
                            Grant.DELIVER, Grant.DELIVER]
        with connection.cursor() as cursor:  # bench-only, in the throwaway database
            cursor.execute("CREATE TABLE bench_bpmn_workflow (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, "
                           "state TEXT NOT NULL)")

    def peer_case(self, when):
        """The case row the peer's first step creates (as govhall's receipt
        and the floor's: the row in the state before the first transition)."""
        from govhall.cases.models import Case
        from govhall.core import statements

        d = self.desk
        case = Case(number=f"BPMN-{self.next_serial():08d}", query_code="BPMN0000", item_version=d.version,
                    department=d.dept_a, center=d.district, applicant_kind="person", applicant_name="张三",
                    applicant_id_number="110101199003070011", applicant_phone="13912345678", channel="window",
                    state="draft", promised_days=d.version.promised_days, created_at=when, updated_at=when)
        return statements.insert(case)

    def peer_step(self, workflow, case, index: int, key: int):
        """Step ``index``: the engine completes the user task, then, in one
        transaction, the legal duties and the workflow's serialized state."""
        from django.db import connection, transaction
        from SpiffWorkflow.util.task import TaskState

        from govhall.cases.deadlines import case_next_due, received_on
        from govhall.cases.events import event_build
        from govhall.cases.models import Case
        from govhall.core import statements
        from govhall.org.selectors import authorization_condition

        name, when = STEPS[index], at(index)
        actor = getattr(self.desk, ACTORS[index])
        with transaction.atomic():
            if case is None:
                case = self.peer_case(when)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if len(ready) != 1 or ready[0].task_spec.name != name or ready[0].task_spec.lane != actor.role:
                raise AssertionError(f"peer: expected {name} by {actor.role}, the engine has {ready}")
            ready[0].run()
            workflow.do_engine_steps()
            # The duties: the state and the columns the deadline rests on,
            # the deadline, one chained event, the guarded update with the grant.
            from_state, to_state, day = STATES[index], STATES[index + 1], received_on(when)
            changes = {"state": to_state, "updated_at": when}
            if name == "submit":
                changes |= {"submitted_at": when, "received_on": day}
            elif name == "accept":
                changes |= {"accepted_on": day, "step": 1}
            elif name == "complete_step":
                changes |= {"step": 2}
            elif name == "approve":
                changes |= {"decided_on": day}
            for field, value in changes.items():
                setattr(case, field, value)
            due, provisional = case_next_due(case, pauses=[])
            case.due_date, case.deadline_provisional = due, provisional
            event = event_build(case=case, actor=actor, action=name, from_state=from_state, to_state=to_state,
                                data={"due_date": due.isoformat() if due else None}, at=when)
            grant = authorization_condition(actor, department=case.department_id, action=self.peer_grants[index],
                                            item_code=self.desk.item.base_code, on=day)
            updated = statements.update(Case, where={"id": case.pk, "version": case.version}, increment="version",
                                        values={**changes, "due_date": due, "deadline_provisional": provisional,
                                                "event_seq": event.seq, "event_hash": event.hash},
                                        condition=grant)
            if updated != 1:
                raise AssertionError(f"peer {name}: the guarded update changed {updated} rows")
            case.version += 1
            statements.insert(event)
            case.event_seq, case.event_hash = event.seq, event.hash
            state = self.peer_serializer.serialize_json(workflow)
            with connection.cursor() as cursor:
                if index == 0:
                    cursor.execute("INSERT INTO bench_bpmn_workflow (id, case_id, state) VALUES (%s, %s, %s)",
                                   [key, case.pk, state])
                else:
                    cursor.execute("UPDATE bench_bpmn_workflow SET state = %s WHERE id = %s", [state, key])
        return case

    def peer_lifecycle(self):
        from SpiffWorkflow.bpmn import BpmnWorkflow

        workflow = BpmnWorkflow(self.peer_spec)
        workflow.do_engine_steps()  # the start event
        key, case = self.next_serial(), None
        for index in range(len(STEPS)):
            case = self.peer_step(workflow, case, index, key)
        if not workflow.is_completed():
            raise AssertionError("peer: workflow not completed")
        return key

    def peer_check(self, key: int) -> None:
        """The stored state restores a completed workflow; its case is closed
        with an intact chain and the deadline govhall computes."""
        from django.db import connection

        from govhall.cases.events import chain_verify
        from govhall.cases.models import Case

        with connection.cursor() as cursor:
            cursor.execute("SELECT case_id, state FROM bench_bpmn_workflow WHERE id = %s", [key])
            case_id, state = cursor.fetchone()
        if not self.peer_serializer.deserialize_json(state).is_completed():
            raise AssertionError("peer: the stored state does not restore a completed workflow")
        case = Case.objects.get(pk=case_id)
        if case.state != "closed" or case.version != len(STEPS) or chain_verify(case) is not None:
            raise AssertionError(f"peer: case {case.number} ended {case.state} v{case.version}, {chain_verify(case)}")

    def bare_engine_lifecycle(self):
        """The BPMN engine alone: the same process run and serialized after
        each step, no database (context)."""
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        workflow = BpmnWorkflow(self.peer_spec)
        workflow.do_engine_steps()
        for name in STEPS:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if len(ready) != 1 or ready[0].task_spec.name != name:
                raise AssertionError(f"bare engine: expected {name}, got {ready}")
            ready[0].run()
            workflow.do_engine_steps()
            self.peer_serializer.serialize_json(workflow)
        if not workflow.is_completed():
            raise AssertionError("bare engine: workflow not completed")

    # --- govhall through the HTTP API (django.test.Client, in-process WSGI) ---

    def http_setup(self):
        from django.test import Client

        self.http_checked = [m for m in self.desk.version.materials.all() if m.handed_in_required]
        self.clients = {}
        for persona in ("clerk", "reviewer", "approver"):
            client = Client()
            client.force_login(getattr(self.desk, persona))
            self.clients[persona] = client

    def http_floor_setup(self):
        """The floor behind the same HTTP stack: a bench-only DRF endpoint
        (session authentication, as the API) that runs one floor step and
        answers the case's id and state."""
        from types import ModuleType

        from django.conf import settings
        from django.urls import clear_url_caches, include, path
        from rest_framework.permissions import IsAuthenticated
        from rest_framework.response import Response
        from rest_framework.views import APIView

        bench = self

        class FloorStep(APIView):
            permission_classes = [IsAuthenticated]

            def post(self, request, index: int):
                pk = bench.floor_step(request.data.get("case"), index, request.user)
                return Response({"case": pk, "state": STATES[index + 1]})

        urls = ModuleType("bench_floor_urls")
        urls.urlpatterns = [path("bench-floor/<int:index>/", FloorStep.as_view()), path("", include("govhall.urls"))]
        settings.ROOT_URLCONF = urls
        clear_url_caches()

    def http_floor_lifecycle(self):
        pk = None
        for index, persona in enumerate(ACTORS):
            answer = self.clients[persona].post(f"/bench-floor/{index}/", {"case": pk}, content_type="application/json")
            if answer.status_code != 200:
                raise AssertionError(f"http floor {STEPS[index]}: {answer.status_code} {answer.content[:300]!r}")
            pk = answer.json()["case"]
        return pk

    def http_lifecycle(self, after_request=None):
        clerk, reviewer, approver = self.clients["clerk"], self.clients["reviewer"], self.clients["approver"]
        serial = self.next_serial()
        body = {"item": self.desk.item.code, "center": self.desk.district.code, "channel": "window",
                "applicant_name": "张三", "applicant_id_number": "110101199003070011", "applicant_phone": "13912345678"}
        answer = clerk.post("/api/cases/", body, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"bench-{serial}")
        if answer.status_code != 201:
            raise AssertionError(f"http submit: {answer.status_code} {answer.content[:300]!r}")
        if after_request:
            after_request()
        number = answer.json()["number"]
        checks = [{"material_order": m.order, "verdict": "ok"} for m in self.http_checked]
        notices = 0
        for client, action, data in (
            (clerk, "check_materials", {"checks": checks}),
            (clerk, "accept", {}),
            (reviewer, "complete_step", {"opinion": "材料齐全，符合条件"}),
            (approver, "approve", {"opinion": "同意"}),
            (clerk, "certify", {"certificate_number": f"JYH{serial:013d}"}),
            (clerk, "deliver", {"method": "window", "received_by": "张三"}),
            (clerk, "close", {}),
        ):
            answer = client.post(f"/api/cases/{number}/actions/{action}/", data, content_type="application/json")
            if answer.status_code != 200:
                raise AssertionError(f"http {action}: {answer.status_code} {answer.content[:300]!r}")
            notices += answer.json()["notice"] is not None
            if after_request:
                after_request()
        if answer.json()["state"] != "closed" or notices != 3:  # acceptance, approval, delivery
            raise AssertionError(f"http lifecycle ended in {answer.json()['state']} with {notices} notices")
        return number

    # --- window acceptance with its notice PDF ---

    def acceptance_with_pdf(self) -> tuple[float, float]:
        """Seconds for submit + accept + the PDF, and for the PDF alone."""
        from govhall.cases import services as cases
        from govhall.cases.models import NoticeKind
        from govhall.cases.notices import notice_data
        from govhall.documents import notice_pdf

        d = self.desk
        start = time.perf_counter()
        case = cases.case_submit(actor=d.clerk, item_version=d.version, center=d.district, channel="window",
                                 applicant_name="张三", applicant_id_number="110101199003070011",
                                 applicant_phone="13912345678", at=at(0))
        case = cases.case_check_materials(actor=d.clerk, case=case, checks=cases.checks_all_required_ok(case), at=at(1))
        case = cases.case_accept(actor=d.clerk, case=case, at=at(1))
        rendering = time.perf_counter()
        pdf = notice_pdf(notice_data(case.notices.get(kind=NoticeKind.ACCEPTANCE)))
        end = time.perf_counter()
        if not pdf.startswith(b"%PDF"):
            raise AssertionError("acceptance notice: not a PDF")
        return end - start, end - rendering

    # --- measuring ---

    @staticmethod
    def rate(fn, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - start)

    def turns(self, contestants: dict) -> dict[str, list[float]]:
        """Lifecycles/s of each contestant (name: (function, batch)) in each
        of ROUNDS rounds taken in turns, so that all see the same machine load."""
        for fn, _batch in contestants.values():
            for _ in range(WARMUP):
                fn()
        rates = {name: [] for name in contestants}
        for _ in range(ROUNDS):
            for name, (fn, batch) in contestants.items():
                rates[name].append(self.rate(fn, batch))
        return rates

    @staticmethod
    def paired(rates: dict[str, list[float]], slow: str, fast: str) -> str:
        """How many times ``slow`` takes ``fast``'s time: the ratio of the best
        rounds, and the median of the rounds' own ratios (each round's two
        batches ran back to back, under the same load: the steadier figure
        on a machine others are using)."""
        best = max(rates[fast]) / max(rates[slow])
        median = statistics.median(f / s for f, s in zip(rates[fast], rates[slow], strict=True))
        return f"{best:.2f}× (median of the rounds {median:.2f}×)"

    def queries(self, fn) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    def run(self, profile: bool) -> None:
        from govhall.cases.events import chain_verify

        label = self.label
        # Everything works before anything is timed.
        chain = chain_verify(self.govhall_lifecycle())
        if chain is not None:
            raise AssertionError(f"hash chain broken: {chain}")
        self.peer_check(self.peer_lifecycle())
        self.bare_engine_lifecycle()
        self.floor_lifecycle()
        self.http_lifecycle()
        self.http_floor_lifecycle()

        rates = self.turns({"govhall": (self.govhall_lifecycle, SERVICE_BATCH),
                            "floor": (self.floor_lifecycle, SERVICE_BATCH),
                            "peer": (self.peer_lifecycle, SERVICE_BATCH),
                            "bare engine": (self.bare_engine_lifecycle, SERVICE_BATCH),
                            "http": (self.http_lifecycle, HTTP_BATCH),
                            "http floor": (self.http_floor_lifecycle, HTTP_BATCH)})
        best = {name: max(values) for name, values in rates.items()}
        print(f"{label} services: {best['govhall']:.1f} lifecycles/s; floor {best['floor']:.1f}/s → govhall costs "
              f"{self.paired(rates, 'govhall', 'floor')} the floor (target ≤ 2×)", flush=True)
        print(f"{label} http: {best['http']:.1f} lifecycles/s; HTTP floor {best['http floor']:.1f}/s → govhall costs "
              f"{self.paired(rates, 'http', 'http floor')} the HTTP floor (target ≤ 2×); against the services floor "
              f"{self.paired(rates, 'http', 'floor')}, the HTTP floor itself {self.paired(rates, 'http floor', 'floor')}"
              f" the floor", flush=True)
        print(f"{label} peer: BPMN engine with the same duties {best['peer']:.1f}/s → it costs "
              f"{self.paired(rates, 'peer', 'govhall')} govhall's services (target ≥ 1×: govhall at least as fast); "
              f"the bare engine (no database) {best['bare engine']:.1f}/s; the peer costs "
              f"{self.paired(rates, 'peer', 'floor')} the floor", flush=True)
        counts = {name: self.queries(fn) for name, fn in (("govhall", self.govhall_lifecycle),
                                                          ("floor", self.floor_lifecycle),
                                                          ("peer", self.peer_lifecycle),
                                                          ("http", self.http_lifecycle),
                                                          ("http floor", self.http_floor_lifecycle))}
        print(f"{label} SQL statements per lifecycle (with transaction control): govhall services {counts['govhall']}, "
              f"http {counts['http']}, floor {counts['floor']}, http floor {counts['http floor']}, "
              f"BPMN peer {counts['peer']}")

        for _ in range(WARMUP):
            self.acceptance_with_pdf()
        samples = [self.acceptance_with_pdf() for _ in range(PDF_SAMPLES)]
        whole, rendering = sorted(s[0] for s in samples), sorted(s[1] for s in samples)
        p99 = int(len(samples) * 0.99) - 1
        print(f"{label} window acceptance + notice PDF: p50 {statistics.median(whole) * 1000:.0f} ms, "
              f"p99 {whole[p99] * 1000:.0f} ms ({PDF_SAMPLES} samples; the PDF alone: p50 "
              f"{statistics.median(rendering) * 1000:.0f} ms, p99 {rendering[p99] * 1000:.0f} ms)", flush=True)
        if profile:
            self.profile()

    def profile(self) -> None:
        """The statements of each transition and of each HTTP request, the
        time spent executing statements, and cProfiles of the services, the
        HTTP and the peer's lifecycles."""
        import cProfile
        import pstats

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from govhall.cases import services as cases

        per_step = {}
        original = {name: getattr(cases, f"case_{name}") for name in STEPS}

        def counting(name, fn):
            def wrapper(*args, **kwargs):
                with CaptureQueriesContext(connection) as captured:
                    result = fn(*args, **kwargs)
                per_step[name] = [q["sql"] for q in captured.captured_queries]
                return result
            return wrapper

        for name, fn in original.items():
            setattr(cases, f"case_{name}", counting(name, fn))
        try:
            self.govhall_lifecycle()
        finally:
            for name, fn in original.items():
                setattr(cases, f"case_{name}", fn)
        print(f"{self.label} queries per transition: " + ", ".join(f"{n} {len(q)}" for n, q in per_step.items()))
        for name, sqls in per_step.items():
            print(f"-- {name}")
            for sql in sqls:
                print("   ", sql[:160])
        # Time inside the database driver (execute and fetch), against the whole lifecycle.
        for name, fn in (("govhall", self.govhall_lifecycle), ("floor", self.floor_lifecycle),
                         ("BPMN peer", self.peer_lifecycle), ("http", self.http_lifecycle),
                         ("http floor", self.http_floor_lifecycle)):
            spent = [0.0]

            def timed(execute, sql, params, many, context):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[0] += time.perf_counter() - start

            with connection.execute_wrapper(timed):
                start = time.perf_counter()
                for _ in range(10):
                    fn()
                total = time.perf_counter() - start
            print(f"{self.label} {name}: {total / 10 * 1000:.1f} ms per lifecycle, of which "
                  f"{spent[0] / 10 * 1000:.1f} ms ({spent[0] / total:.0%}) executing statements")
        # The HTTP requests of one lifecycle: statements per request.
        executed, counts = [0], []

        def counting_wrapper(execute, sql, params, many, context):
            executed[0] += 1
            return execute(sql, params, many, context)

        def after_request():
            counts.append(executed[0])
            executed[0] = 0

        with connection.execute_wrapper(counting_wrapper):
            self.http_lifecycle(after_request)
        print(f"{self.label} http statements per request: "
              + ", ".join(f"{name} {count}" for name, count in zip(STEPS, counts, strict=True)))
        for name, fn, n in (("services", self.govhall_lifecycle, 20), ("http", self.http_lifecycle, 10),
                            ("BPMN peer", self.peer_lifecycle, 20)):
            print(f"== {self.label} cProfile of {n} {name} lifecycles")
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                fn()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    args = sys.argv[1:]
    profile = "--profile" in args
    if "--child" in args:
        child(args[args.index("--child") + 1], profile)
        return
    sys.exit(parent(__file__, ["--profile"] if profile else []))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # report and fail; timings themselves never fail
        import traceback

        traceback.print_exc()
        print(f"bench_cases failed: {error!r}", file=sys.stderr)
        sys.exit(1)
