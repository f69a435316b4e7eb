"""Work-order intake and handling through the hotline's services against the
cases floor of bench/bench_cases.py, on SQLite and on PostgreSQL (issue 15,
"Done means"; docs/performance.md).

Run: python bench/bench_hotline.py   (part of `make bench`)

- intake: ``workorder_create`` (a phone call registered: the number, the
  hash-chained event, the repeat-caller count) — per order;
- handling: create → dispatch → sign → reply → close (回访办结, rated),
  five transitions by the operator and the unit's handler — per transition;
- floor: bench_cases' floor lifecycle (eight steps, each a guarded
  ``UPDATE … WHERE id AND version`` and one event ``INSERT`` in its own
  transaction) — per step. The ratio says what a hotline transition costs
  next to the least a chained state change can cost on the same tables.

Each database in its own subprocess on a throwaway database (bench/harness);
the contestants run in turns, several rounds; no assertions on speed.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta

from bench_cases import DAY_START, STEPS, Bench  # bench/ is on sys.path
from harness import desk_build, parent, throwaway_database

WARMUP = 3
ROUNDS = 9
BATCH = 10
TRANSITIONS = 5


def child(label: str) -> None:
    with throwaway_database("bench"):
        HotlineBench(label).run()


class HotlineBench:
    def __init__(self, label: str):
        from govhall.core.actors import SYSTEM
        from govhall.hotline import services as hotline
        from govhall.hotline.models import UnitKind
        from govhall.org import services as org
        from govhall.org.roles import Role

        self.label = label
        self.desk = desk_build()
        d = self.desk
        # The cases floor of bench_cases, on the same desk (no SpiffWorkflow, no HTTP set-up).
        self.floor = Bench.__new__(Bench)
        self.floor.desk, self.floor.serial = d, 0
        self.handler = org.user_create(actor=SYSTEM, username="bench_unit", password="bench-only-1", full_name="办理人",
                                       role=Role.MEMBER_UNIT_HANDLER, department=d.dept_a)
        self.unit = hotline.member_unit_create(actor=SYSTEM, hotline_center=d.district, code="B-A", name="甲局",
                                               kind=UnitKind.DEPARTMENT, department=d.dept_a)
        top = hotline.category_create(actor=SYSTEM, code="01", name="城乡建设")
        self.category = hotline.category_create(actor=SYSTEM, code="0101", name="供水", parent=top)
        self.serial = 0

    def at(self, minute: int) -> datetime:
        return DAY_START + timedelta(minutes=minute)

    def intake(self):
        from govhall.hotline import services as hotline

        self.serial += 1
        return hotline.workorder_create(
            actor=self.desk.hotline, type="complaint", channel="phone", content="小区停水两天了，没有任何通知。",
            caller_phone=f"139{self.serial % 10_000_000:08d}", caller_name="王先生", category=self.category,
            at=self.at(0))

    def handling(self):
        from govhall.hotline import services as hotline

        order = self.intake()
        order = hotline.workorder_dispatch(actor=self.desk.hotline, order=order, main_unit=self.unit, at=self.at(1))
        order = hotline.workorder_sign(actor=self.handler, order=order, at=self.at(2))
        order = hotline.workorder_reply(actor=self.handler, order=order, reply="管网抢修已完成，供水已恢复。", at=self.at(3))
        order = hotline.workorder_close(actor=self.desk.hotline, order=order, solved=True, rating=5, at=self.at(4))
        if order.state != "closed":
            raise AssertionError(f"hotline lifecycle ended in {order.state}")

    @staticmethod
    def per_second(fn, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - start)

    def run(self) -> None:
        import time_machine
        from django.db import connection

        contestants = {"intake": (self.intake, 1), "handling": (self.handling, TRANSITIONS),
                       "floor": (self.floor.floor_lifecycle, len(STEPS))}
        with time_machine.travel(DAY_START, tick=True):
            for fn, _per in contestants.values():
                for _ in range(WARMUP):
                    fn()
            # Transitions (or orders) per second, in turns so that all see the same load.
            rates: dict[str, list[float]] = {name: [] for name in contestants}
            for _ in range(ROUNDS):
                for name, (fn, per) in contestants.items():
                    rates[name].append(self.per_second(fn, BATCH) * per)
        print(f"[{self.label}] {connection.vendor}, {ROUNDS} rounds of {BATCH}")
        for name in contestants:
            print(f"  {name:9} {max(rates[name]):8.0f} /s best  {statistics.median(rates[name]):8.0f} /s median"
                  f"  ({'orders' if name == 'intake' else 'transitions' if name == 'handling' else 'floor steps'})")
        for name in ("intake", "handling"):
            best = max(rates["floor"]) / max(rates[name])
            median = statistics.median(f / s for f, s in zip(rates["floor"], rates[name], strict=True))
            print(f"  {name} vs the cases floor: {best:.2f}× a floor step (median of the rounds {median:.2f}×)")


def main() -> None:
    args = sys.argv[1:]
    if "--child" in args:
        child(args[args.index("--child") + 1])
        return
    sys.exit(parent(__file__, []))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001  (report and fail; timings themselves never fail)
        import traceback

        traceback.print_exc()
        print(f"bench_hotline failed: {error!r}", file=sys.stderr)
        sys.exit(1)
