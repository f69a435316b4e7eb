"""The supervision scan costs in proportion to the cases whose light changes,
not to the open cases (issue 6).

Open cases (in review, due over the next weeks) are written in bulk: 2,000
then 20,000 of them; in both, the same 50 cases have reached their watch day.
Measured in the same run:

- govhall: ``supervise_scan`` (reads ``watch_on <= today`` through its
  index, recomputes those cases' light and next watch day, raises alerts);
- peer: the obvious scan, a Python loop over every open case computing its
  light on the day (``case_light``), as a system storing no watch day must.

Reported: the scan time at both sizes (their ratio should stay near 1 while
the open cases grow tenfold) and the peer's time against govhall's.

Run: python bench/bench_supervision.py   (part of `make bench`)
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from harness import desk_build, parent, throwaway_database  # bench/ is on sys.path

TODAY = date(2026, 3, 16)
AT = datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SIZES = [2_000, 20_000]
CHANGING = 50
ROUNDS = 5


def child(label: str) -> None:
    with throwaway_database("bench_supervision"):
        Bench(label).run()


class Bench:
    def __init__(self, label: str):
        self.label = label
        self.desk = desk_build()
        self.made = 0

    def grow_to(self, size: int) -> None:
        """Open cases accepted 2026-03-02 and later, watched on days after
        TODAY, except the first CHANGING, whose watch day is TODAY."""
        from govhall.cases.models import Case

        d, batch = self.desk, []
        for n in range(self.made, size):
            accepted = date(2026, 3, 2) + timedelta(days=n % 10)
            batch.append(Case(
                number=f"B-{n:06d}", query_code="BENCH", item_version=d.version, department=d.dept_a,
                center=d.district, applicant_kind="person", applicant_name="测试", applicant_id_number="x",
                applicant_phone="x", channel="window", state="in_review", step=1, received_on=accepted,
                accepted_on=accepted, promised_days=10, due_date=accepted + timedelta(days=20), light="green",
                watch_on=TODAY + timedelta(days=1 + n % 20), created_at=AT, updated_at=AT))
        Case.objects.bulk_create(batch, batch_size=2000)
        self.made = size

    def reset_changing(self) -> None:
        from govhall.cases.models import Case
        from govhall.supervision.models import Alert

        Alert.objects.all().delete()
        first = Case.objects.order_by("pk").values_list("pk", flat=True)[:CHANGING]
        Case.objects.filter(pk__in=list(first)).update(watch_on=TODAY, light="green")

    def govhall(self) -> float:
        from govhall.supervision.engine import supervise_scan

        self.reset_changing()
        start = time.perf_counter()
        result = supervise_scan(at=AT)
        spent = time.perf_counter() - start
        assert result.cases == CHANGING, result
        return spent

    def peer(self) -> float:
        from govhall.cases.deadlines import case_light
        from govhall.cases.models import Case

        start = time.perf_counter()
        lights = [case_light(case, today=TODAY) for case in Case.objects.filter(state="in_review").iterator(2000)]
        spent = time.perf_counter() - start
        assert len(lights) == self.made
        return spent

    def run(self) -> None:
        from govhall.supervision.engine import supervise_scan

        supervise_scan(at=AT)  # warm up: the calendar, the event mark
        figures = {}
        for size in SIZES:
            self.grow_to(size)
            ours = [self.govhall() for _ in range(ROUNDS)]
            theirs = [self.peer() for _ in range(ROUNDS)]
            figures[size] = (statistics.median(ours), statistics.median(theirs))
            print(f"{self.label} {size} open cases, {CHANGING} changing: govhall scan "
                  f"{figures[size][0] * 1000:.0f} ms, the loop over every open case {figures[size][1] * 1000:.0f} ms "
                  f"({figures[size][1] / figures[size][0]:.1f}×)", flush=True)
        small, large = SIZES
        print(f"{self.label} growth for {large // small}× the open cases: govhall "
              f"{figures[large][0] / figures[small][0]:.2f}×, the loop {figures[large][1] / figures[small][1]:.2f}×",
              flush=True)


def main() -> None:
    args = sys.argv[1:]
    if "--child" in args:
        child(args[args.index("--child") + 1])
        return
    sys.exit(parent(__file__, []))


if __name__ == "__main__":
    main()
