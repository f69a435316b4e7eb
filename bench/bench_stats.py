"""Statistics at scale (issue 13, item 1): the figures read rollups, so they
do not grow with the history.

A city hall (a city center, two districts, two towns; 24 departments, their
windows and clerks, two items each) gets 10k, 100k and 1M cases received
over the 24 months up to yesterday (100k at most on SQLite), written in bulk
(``govhall.stats.synthetic``: the rows the services write, with their
events, pauses, ratings and alerts; open cases overdue, paused, extended
among them). At each size, measured in the same run:

- the rollups' rebuild (``govhall stats-rollup --rebuild``);
- the first dashboard page after a day of new events (the day's new cases
  and what happened to the open ones), which catches the rollups up by at
  most a page's share (``rollup.REQUEST_BATCH`` rows of each source), then
  the refresh of the rest (the worker's);
- ``indicators_for`` for the whole installation, last month;
- ``report_build`` + the .xlsx of last month (``govhall report --month``);
- the dashboard page of last month for the city's center manager (test client);
- the peer: the same month's figures computed directly from the cases
  (``stats.direct.indicators_direct``, what every figure did before).

Reported: each time (median of a few rounds) and its growth from one size
to the next; at the largest size on PostgreSQL, EXPLAIN ANALYZE of every
query a month's figures and the current lights run (captured from the code
itself, so the plans are those of the queries as they are).
Run: python bench/bench_stats.py [--sizes 10000,100000] [--databases postgresql|sqlite]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from harness import parent, throwaway_database  # bench/ is on sys.path

SIZES = [10_000, 100_000, 1_000_000]
SQLITE_MAX = 100_000
ROUNDS = 5
CHUNK = 50_000
DAYS = 730
# --databases: only this one ("postgresql" or "sqlite").
ONLY = ""


def child(label: str, sizes: list[int]) -> None:
    if ONLY and label != ONLY:
        return
    with throwaway_database("bench_stats") as vendor:
        Bench(label, vendor).run([s for s in sizes if vendor == "postgresql" or s <= SQLITE_MAX])


class Bench:
    def __init__(self, label: str, vendor: str):
        from django.conf import settings

        from govhall.core import clock

        # The page is measured, not the static files' manifest (no collectstatic here).
        settings.STORAGES = {**settings.STORAGES,
                             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

        self.label, self.vendor = label, vendor
        from govhall.calendars.selectors import work_calendar

        self.today = clock.today()
        self.first = self.today - timedelta(days=DAYS)
        # "A day of new events": the last working day up to today.
        self.day = self.today
        while not work_calendar().is_workday(self.day):
            self.day -= timedelta(days=1)
        last = self.today.replace(day=1) - timedelta(days=1)
        from govhall.stats.periods import Period

        self.month = Period.month(last.year, last.month)
        # A period longer than 31 days also reads the long lags (docs/indicators.md, "Rollups"): the last
        # whole quarter.
        first_of_quarter = date(self.today.year, 3 * ((self.today.month - 1) // 3) + 1, 1)
        before = first_of_quarter - timedelta(days=1)
        self.quarter = Period.quarter(before.year, (before.month - 1) // 3 + 1)
        self.build_org()

    def build_org(self) -> None:
        from govhall.catalog.services import item_create
        from govhall.catalog.tests.factories import complete_spec
        from govhall.core.actors import SYSTEM
        from govhall.org import services as org
        from govhall.org.models import Action, CenterLevel, WindowKind
        from govhall.org.roles import Role
        from govhall.stats.synthetic import Desk

        city = org.center_create(actor=SYSTEM, code="C1", name="基准市政务服务中心", level=CenterLevel.CITY)
        districts = [org.center_create(actor=SYSTEM, code=f"D{n}", name=f"基准{n}区政务服务中心",
                                       level=CenterLevel.DISTRICT, parent=city) for n in (1, 2)]
        towns = [org.center_create(actor=SYSTEM, code=f"T{n}", name=f"基准{n}镇便民服务中心", level=CenterLevel.TOWN,
                                   parent=districts[0]) for n in (1, 2)]
        self.manager = org.user_create(actor=SYSTEM, username="manager", password="bench-password",
                                       role=Role.CENTER_MANAGER, full_name="中心主任", center=city)
        self.desks = []
        homes = [city] * 12 + [districts[0]] * 6 + [districts[1]] * 6
        for n, center in enumerate(homes):
            code = f"{n:02d}"
            department = org.department_create(actor=SYSTEM, center=center, code=f"K{code}",
                                               name=f"基准部门{code}", short_name=f"部门{code}")
            window = org.window_create(actor=SYSTEM, center=center, number=f"{n + 1:02d}", name=f"窗口{code}",
                                       kind=WindowKind.DEDICATED, department=department)
            clerks = [org.user_create(actor=SYSTEM, username=f"clerk{code}{k}", password="bench-password",
                                      role=Role.CLERK, full_name=f"受理员{code}{k}", department=department,
                                      window=window) for k in (1, 2)]
            for clerk in clerks:
                org.authorization_grant(actor=SYSTEM, staff=clerk, department=department, action=Action.ACCEPT)
            for k, (promised, fee) in enumerate([(10, None), (0 if n % 3 == 0 else 5, "20.00" if n % 4 == 0 else None)]):
                spec = complete_spec(f"K{code}", code=f"51{n:02d}{k}000000000-D1-000-A-1-00", name=f"基准事项{code}{k}",
                                     promised_days=promised, statutory_days=20, immediate=promised == 0,
                                     status="published")
                if promised == 0:
                    spec |= {"procedure_class": "simple", "steps": [
                        {"name": "受理", "role": "clerk", "days": 0, "department": ""},
                        {"name": "决定", "role": "approver", "days": 0, "department": ""}]}
                if fee:
                    spec |= {"no_fee": False, "fees": [{"name": "工本费", "amount": fee, "basis": "《收费标准》"}]}
                version = item_create(actor=SYSTEM, spec=spec).current
                places = [center] + (towns if center == districts[0] else [])
                for place in places:
                    for clerk in clerks:
                        self.desks.append(Desk(place.pk, department.pk, window.pk, clerk.pk, version.pk, promised,
                                               Decimal(fee) if fee else None))
                self.desks.append(Desk(center.pk, department.pk, None, None, version.pk, promised,
                                       Decimal(fee) if fee else None))

    def wipe(self) -> None:
        from django.db import connection

        from govhall.cases.models import Case, CaseEvent, Pause
        from govhall.evaluation.models import Rating
        from govhall.stats.models import (
            AlertPair, AlertRollup, CaseFact, DayItemRollup, DayRollup, LightRollup, OverdueCheckpoint, OverdueSpan,
            RollupMark,
        )
        from govhall.supervision.models import Alert

        models = [Alert, Rating, Pause, CaseEvent, CaseFact, OverdueSpan, AlertPair, OverdueCheckpoint, DayRollup,
                  DayItemRollup, AlertRollup, LightRollup, RollupMark, Case]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in models) + " CASCADE")
        else:
            for model in models:
                model.objects.all().delete()

    def generate(self, size: int) -> tuple[list, datetime, datetime, float]:
        """``size`` cases as they stood at yesterday's end; the cases that move
        on today, and today's new cases, kept to be written as "a day"."""
        from django.utils import timezone

        from govhall.stats import synthetic

        zone = timezone.get_default_timezone()
        cut = datetime.combine(self.day, datetime.min.time(), tzinfo=zone)
        end = cut + timedelta(days=1)
        rng = random.Random(size)
        started, later, made = time.perf_counter(), [], 0
        daily = max(1, size // DAYS)
        while made < size - daily:
            count = min(CHUNK, size - daily - made)
            chunk = synthetic.plan(rng, desks=self.desks, start=self.first, days=DAYS, count=count,
                                   first_number=made + 1)
            synthetic.write(chunk, moment=cut)
            later += [case for case in chunk if _moves(case, cut, end)]
            made += count
        today = synthetic.plan(rng, desks=self.desks, start=self.day, days=1, count=daily, first_number=made + 1)
        self.analyze()
        return later + today, cut, end, time.perf_counter() - started

    def analyze(self) -> None:
        """What autovacuum does after a bulk load: the planner's statistics and the visibility map."""
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def timed(self, work, rounds: int = ROUNDS) -> float:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    def run(self, sizes: list[int]) -> None:
        from django.test import Client

        from govhall.stats import synthetic
        from govhall.stats.direct import indicators_direct
        from govhall.stats.indicators import indicators_for
        from govhall.stats.report import report_build
        from govhall.stats.report_xlsx import report_xlsx
        from govhall.stats.rollup import rollups_rebuild, rollups_refresh

        client = Client()
        client.force_login(self.manager)
        url = f"/workbench/stats/?period=month&month={self.month.start:%Y-%m}"
        figures: dict[int, dict[str, float]] = {}
        for size in sizes:
            self.wipe()
            day, cut, end, generated = self.generate(size)
            rebuild = rollups_rebuild().seconds
            self.analyze()
            # The page once with fresh rollups: the process's first request pays its imports and the
            # templates' compilation, which are not the refresh's cost measured next.
            _ok(client.get(url, secure=True))
            synthetic.write(day, moment=end, since=cut)
            started = time.perf_counter()
            _ok(client.get(url, secure=True))
            first_page = time.perf_counter() - started
            refresh = rollups_refresh()
            ours = {
                "indicators_for": self.timed(lambda: indicators_for(user=None, period=self.month, today=self.today)),
                "indicators_for (a quarter)": self.timed(
                    lambda: indicators_for(user=None, period=self.quarter, today=self.today)),
                "report (build + xlsx)": self.timed(lambda: report_xlsx(
                    report_build(user=None, period=self.month, today=self.today)), rounds=3),
                "dashboard page": self.timed(lambda: _ok(client.get(url, secure=True)), rounds=3),
                "direct figures (peer)": self.timed(lambda: indicators_direct(
                    user=None, period=self.month, today=self.today), rounds=3),
            }
            figures[size] = {"rebuild": rebuild, "first page after a day": first_page,
                             "refresh (the rest of the day)": refresh.seconds, **ours}
            statements = {
                "indicators_for": _statements(lambda: indicators_for(user=None, period=self.month, today=self.today)),
                "report": _statements(lambda: report_build(user=None, period=self.month, today=self.today)),
                "dashboard page": _statements(lambda: _ok(client.get(url, secure=True))),
            }
            print(f"{self.label} {size:,} cases (generated in {generated:.0f} s): " + ", ".join(
                f"{name} {_ms(value)}" for name, value in figures[size].items())
                + f"; the day's refresh: {refresh.cases} case(s), {refresh.days} day(s); statements (rows read): "
                + ", ".join(f"{name} {n} ({rows:,})" for name, (n, rows) in statements.items()), flush=True)
        if self.vendor == "postgresql" and sizes:
            self.explain(sizes[-1])
        for small, large in zip(sizes, sizes[1:], strict=False):
            print(f"{self.label} growth {small:,} → {large:,} cases (×{large // small}): " + ", ".join(
                f"{name} ×{figures[large][name] / figures[small][name]:.2f}" for name in figures[small]), flush=True)


    def explain(self, size: int) -> None:
        """EXPLAIN ANALYZE of every query a month's figures and the current
        lights run for the city's manager (docs/indicators.md), as the code
        runs them (captured), the rollups being fresh."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from govhall.stats.indicators import current_lights, indicators_for

        with CaptureQueriesContext(connection) as captured:
            indicators_for(user=self.manager, period=self.month, today=self.today)
            current_lights(user=self.manager)
        for n, query in enumerate(captured.captured_queries, start=1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"{self.label} {size:,} cases — EXPLAIN ANALYZE query {n}: {sql[:300]}…\n{plan}\n", flush=True)


def _moves(case, cut: datetime, end: datetime) -> bool:
    """Whether anything of the case happens today (after ``cut``, up to ``end``)."""
    moments = [step.at for step in case.steps] + ([case.rating[1]] if case.rating else [])
    moments += [m for alert in case.alerts for m in (alert["raised_at"], alert.get("red_at"), alert.get("closed_at"))
                if m is not None]
    return any(cut < m <= end for m in moments)


def _statements(work) -> tuple[int, int]:
    """The SQL statements ``work`` runs, and the rows they return (their cursors' row counts)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = 0

    def count(execute, sql, params, many, context):
        nonlocal rows
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        if not many and sql.lstrip().upper().startswith("SELECT") and cursor.rowcount and cursor.rowcount > 0:
            rows += cursor.rowcount
        return result

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(count):
        work()
    return len(captured.captured_queries), rows


def _ok(response) -> None:
    assert response.status_code == 200, response.status_code


def _ms(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds * 1000:.0f} ms"


def main() -> None:
    args = sys.argv[1:]
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return
    sizes = SIZES
    if "--sizes" in args:
        sizes = [int(s.replace("_", "")) for s in args[args.index("--sizes") + 1].split(",")]
    global ONLY
    if "--databases" in args:
        choice = args[args.index("--databases") + 1]
        if choice not in ("postgresql", "postgres", "sqlite"):
            sys.exit(f"--databases: postgresql or sqlite, not {choice!r}")
        ONLY = "sqlite" if choice == "sqlite" else "postgresql"
    if "--child" in args:
        child(args[args.index("--child") + 1], sizes)
        return
    sys.exit(parent(__file__, ["--sizes", ",".join(map(str, sizes)), *(["--databases", ONLY] if ONLY else [])]))


if __name__ == "__main__":
    main()

