"""Joint approval is a thin layer over case handling (issue 14): a
construction project of 4 stages and 12 items through the services, against
the same 12 items as 12 separate cases, in the same run, on SQLite and on
PostgreSQL.

- joint: ``joint_submit`` at the comprehensive window (the first stage's
  three sub-cases received), then stage by stage each sub-case accepted with
  its materials checked, its review step completed, granted and its
  certificate made (each decision that ends a stage starts the next), then
  ``joint_deliver`` (统一出件: the twelve results served together);
- separate: the same twelve items, each ``case_submit`` by the same clerk
  with the same answers on the day its stage would start (an applicant
  applies for the next permits once he holds the previous ones), the same
  acts on each, and ``case_deliver`` one by one.

On both sides each department's acts start from the case as a request
loads it (``case_load_for_act``) and a receipt reads the item's published
version as the window does (``version_published_kept``).

The same case acts on both sides: what the joint side adds is the combined
form's check, the links, the stages and the whole's deadline. Target: the
joint project costs at most 1.3× the separate cases. Also reported: the
statements of each side, and that the scan of the whole's lights reads the
joint case rows only (``joint_watch_refresh``: its statements for one joint
case and for many, the sub-cases never read).

The contestants run in turns, several rounds; the ratio is given from the
best rounds and as the median of the rounds' own ratios. No assertions on
speed; exits non-zero only if something fails.

Run: python bench/bench_joint.py   (part of `make bench`; needs the `dev`
extra for time-machine)
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from harness import parent, throwaway_database  # bench/ is on sys.path

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
STAGE_DAYS = ["2026-03-04", "2026-03-09", "2026-03-13", "2026-03-19"]  # each stage decided on its day
DELIVERED = datetime(2026, 3, 23, 10, 0, tzinfo=SHANGHAI)
WARMUP = 1
ROUNDS = 5


def child(label: str) -> None:
    with throwaway_database("bench_joint"):
        Bench(label).run()


class Bench:
    def __init__(self, label: str):
        from govhall.joint.tests.builders import joint_hall_build
        from govhall.test import build_hall

        self.label = label
        self.hall = joint_hall_build(build_hall())
        self.theme = self.hall.construction
        # The items in stage order, as the joint side meets them.
        self.codes = [si.item.code for stage in self.theme.stages.order_by("order")
                      for si in stage.items.select_related("item")]

    def joint_project(self) -> None:
        from govhall.cases.selectors import case_load_for_act
        from govhall.joint import services as joint
        from govhall.joint.models import JointState, SubCase
        from govhall.joint.tests.builders import at, decide, receive_construction

        jc = receive_construction(self.hall, when=RECEIVED)
        for stage, day in zip(self.theme.stages.order_by("order"), STAGE_DAYS, strict=True):
            numbers = SubCase.objects.filter(joint_case=jc, joint_stage__stage=stage).values_list("case__number", flat=True)
            for number in list(numbers):
                decide(case_load_for_act(number=number), at=at(f"{day} 10:00"))
        jc = joint.joint_deliver(actor=self.hall.clerk, joint_case=jc, method="window", received_by="王经理",
                                 at=DELIVERED)
        assert jc.state == JointState.DELIVERED

    def separate_cases(self) -> None:
        from govhall.cases import services as cases
        from govhall.cases.selectors import case_load_for_act, version_published_kept
        from govhall.joint.tests.builders import at, decide

        answers = {"project_name": "示例花园一期", "land_area": 12000}
        for index, code in enumerate(self.codes):
            version = version_published_kept(code=code)  # as the window receipt reads it
            own = {f["key"] for f in version.form_fields}
            case = cases.case_submit(actor=self.hall.clerk, item_version=version, center=self.hall.district,
                                     channel="window", applicant_name="示例置业有限公司", applicant_kind="organization",
                                     applicant_id_number="91510100MA6123456W", applicant_phone="13800001111",
                                     form_data={k: v for k, v in answers.items() if k in own},
                                     at=RECEIVED if index < 3 else at(f"{STAGE_DAYS[index // 3 - 1]} 10:00"))
            case = decide(case_load_for_act(number=case.number), at=at(f"{STAGE_DAYS[index // 3]} 10:00"))
            cases.case_deliver(actor=self.hall.clerk, case=case, method="window", received_by="王经理", at=DELIVERED)

    @staticmethod
    def seconds(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    @staticmethod
    def queries(fn) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    def scan_statements(self) -> tuple[int, int, int]:
        """Statements of one scan of the whole's lights with every joint case
        due for a look: (joint cases, statements, statements reading cases)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from govhall.joint.models import JointCase
        from govhall.joint.services import joint_watch_refresh
        from govhall.joint.tests.builders import receive_construction

        receive_construction(self.hall, when=RECEIVED)  # one still running
        JointCase.objects.update(watch_on=RECEIVED.date())
        with CaptureQueriesContext(connection) as captured:
            read = joint_watch_refresh(today=RECEIVED.date())
        cases_read = sum('"cases_case"' in q["sql"] or "cases_case" in q["sql"] for q in captured.captured_queries)
        return read, len(captured.captured_queries), cases_read

    def run(self) -> None:
        contestants = {"joint": self.joint_project, "separate": self.separate_cases}
        for fn in contestants.values():
            for _ in range(WARMUP):
                fn()
        times: dict[str, list[float]] = {name: [] for name in contestants}
        for round_ in range(ROUNDS):
            order = list(contestants) if round_ % 2 == 0 else list(reversed(contestants))
            for name in order:
                times[name].append(self.seconds(contestants[name]))
        best = min(times["joint"]) / min(times["separate"])
        median = statistics.median(j / s for j, s in zip(times["joint"], times["separate"], strict=True))
        statements = {name: self.queries(fn) for name, fn in contestants.items()}
        read, scan, cases_read = self.scan_statements()
        label = self.label
        print(f"{label} 4 stages × 3 items: joint {min(times['joint']) * 1000:.0f} ms, 12 separate cases "
              f"{min(times['separate']) * 1000:.0f} ms → joint costs {best:.2f}× (median of the rounds {median:.2f}×; "
              f"target ≤ 1.3×)", flush=True)
        print(f"{label} statements: joint {statements['joint']}, separate {statements['separate']} "
              f"(+{statements['joint'] - statements['separate']} for the joint layer)", flush=True)
        print(f"{label} whole-deadline scan: {read} joint cases looked at in {scan} statements, "
              f"{cases_read} of them reading cases", flush=True)


def main() -> None:
    args = sys.argv[1:]
    if "--child" in args:
        child(args[args.index("--child") + 1])
        return
    sys.exit(parent(__file__, []))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # report and fail; timings themselves never fail
        import traceback

        traceback.print_exc()
        print(f"bench_joint failed: {error!r}", file=sys.stderr)
        sys.exit(1)
