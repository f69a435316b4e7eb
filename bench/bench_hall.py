"""The hall's queue under many clerks at once (issue 16), on SQLite and on
PostgreSQL, each next to a floor measured in the same run:

- tickets per second: CLERKS threads, each a clerk signed in at a window of
  his own, all windows calling the same two categories; each thread takes a
  number at the kiosk (``ticket_issue``), calls the next ticket of its
  window (``ticket_call_next``: the queue's row locked with SKIP LOCKED on
  PostgreSQL, IMMEDIATE transactions on SQLite), starts and ends the
  service (``ticket_start_service``, ``ticket_done``) — the whole life of a
  number, four services, each one transaction with its audit event;
- floor: the same threads doing the bare statements on the same tables, each
  in its own transaction: the ticket row ``INSERT`` (its number from the same
  counter), then three guarded ``UPDATE … WHERE id AND state`` (called,
  serving, done) of the next waiting row. Nothing else: no permission
  check, no attendance, no audit;
- display latency: from the moment a clerk presses 叫下一位 (the call's
  service starts) to the hall display's fragment (``/hall/<center>/display/
  calls/``, through the whole Django stack) showing the number, with the
  day's tickets of the throughput runs in the tables; the display polls
  every 2 s, which adds 1 s on average (not measured);
- the staffing view of a month: the demo month generator
  (``demo_hall_month_load``) at the sample hall's volume and at ten times
  it, then ``hall_stats`` + ``staffing_plan`` (Erlang C for every category
  and hour, a merge of two categories) and the page
  ``/workbench/hall/staffing/`` for that month.

The contestants run in turns, several rounds; ratios from the best rounds
and as the median of the rounds' own ratios. No assertions on speed; exits
non-zero only if something fails.

Run: python bench/bench_hall.py   (part of `make bench`)
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from harness import parent, throwaway_database  # bench/ is on sys.path

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
CLERKS = 8
CYCLES = 25  # numbers per thread and round
ROUNDS = 3
LATENCY_SAMPLES = 40


def child(label: str) -> None:
    with throwaway_database("bench_hall"):
        import time_machine
        from django.conf import settings

        # The page is measured, not the static files' manifest (no collectstatic here).
        settings.STORAGES = {**settings.STORAGES,
                             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

        with time_machine.travel(DAY + timedelta(hours=2), tick=True):
            Bench(label).run()


def together(work, count: int) -> float:
    """Run ``work(i)`` in ``count`` threads released at once; the wall time."""
    from django.db import connection

    barrier = threading.Barrier(count + 1)
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # noqa: BLE001  (re-raised below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


class Bench:
    def __init__(self, label: str):
        from govhall.core.actors import SYSTEM
        from govhall.hall import services as hall
        from govhall.org import services as org
        from govhall.org.models import WindowKind
        from govhall.test import build_hall

        self.label = label
        self.hall = build_hall()
        district = self.hall.district
        self.categories = [hall.category_create(actor=SYSTEM, center=district, code=code, name=name)
                           for code, name in (("A", "综合业务"), ("B", "社保医保"))]
        self.desks = []
        for n in range(CLERKS):
            window = org.window_create(actor=SYSTEM, center=district, number=f"{n + 20}", name="综合窗口",
                                       kind=WindowKind.COMPREHENSIVE)
            hall.window_categories_set(actor=SYSTEM, window=window, categories=self.categories)
            clerk = org.user_create(actor=SYSTEM, username=f"bench-clerk-{n}", password="x", role="clerk",
                                    center=district, window=window)
            org.attendance_check_in(staff=clerk, at=DAY - timedelta(minutes=30))
            self.desks.append((clerk, window))

    # --- the contestants ---------------------------------------------------------------

    def services_thread(self, i: int) -> None:
        from govhall.core.actors import SYSTEM
        from govhall.hall import services as hall

        clerk, window = self.desks[i]
        for n in range(CYCLES):
            at = DAY + timedelta(seconds=n)
            hall.ticket_issue(actor=SYSTEM, category=self.categories[(i + n) % 2], source="kiosk", at=at)
            ticket = None
            while ticket is None:  # on PostgreSQL the only waiting row may be locked by another clerk
                ticket = hall.ticket_call_next(actor=clerk, window=window, at=at)
            ticket = hall.ticket_start_service(actor=clerk, ticket=ticket, at=at)
            hall.ticket_done(actor=clerk, ticket=ticket, at=at)

    def floor_thread(self, i: int) -> None:
        import secrets

        from django.db import connection, transaction

        from govhall.core.counters import counter_next
        from govhall.hall.models import Ticket, TicketCounter

        clerk, window = self.desks[i]
        day = DAY.date()
        for n in range(CYCLES):
            at = DAY + timedelta(seconds=n)
            category = self.categories[(i + n) % 2]
            with transaction.atomic():
                sequence = counter_next(TicketCounter, category=category, day=day)
                Ticket.objects.create(center_id=category.center_id, category=category, day=day, sequence=sequence,
                                      number=f"{category.code}{sequence:03d}", code=secrets.token_urlsafe(9),
                                      source="kiosk", issued_at=at, queue_at=at)
            ticket_id = None
            while ticket_id is None:
                with transaction.atomic():
                    waiting = Ticket.objects.filter(center_id=category.center_id, day=day, state="waiting") \
                        .order_by("rank", "queue_at", "pk")
                    if connection.features.has_select_for_update_skip_locked:
                        waiting = waiting.select_for_update(skip_locked=True)
                    ticket_id = waiting.values_list("pk", flat=True).first()
                    if ticket_id is not None and not Ticket.objects.filter(pk=ticket_id, state="waiting").update(
                            state="called", window=window, called_at=at, announced_at=at, called_by=clerk):
                        ticket_id = None
            with transaction.atomic():
                Ticket.objects.filter(pk=ticket_id, state="called").update(state="serving", served_at=at)
            with transaction.atomic():
                Ticket.objects.filter(pk=ticket_id, state="serving").update(state="done", done_at=at)

    # --- the measures ---------------------------------------------------------------------

    def throughput(self) -> None:
        contestants = {"services": self.services_thread, "floor": self.floor_thread}
        together(self.services_thread, 2)  # warm up
        times: dict[str, list[float]] = {name: [] for name in contestants}
        for round_ in range(ROUNDS):
            order = list(contestants) if round_ % 2 == 0 else list(reversed(contestants))
            for name in order:
                times[name].append(together(contestants[name], CLERKS))
        tickets = CLERKS * CYCLES
        best = min(times["services"]) / min(times["floor"])
        median = statistics.median(s / f for s, f in zip(times["services"], times["floor"], strict=True))
        print(f"{self.label} {CLERKS} clerks at once, each number issued → called → served → done: "
              f"services {tickets / min(times['services']):.0f} tickets/s, floor {tickets / min(times['floor']):.0f}"
              f" tickets/s → services cost {best:.2f}× the floor (median of the rounds {median:.2f}×)", flush=True)

    def display_latency(self) -> None:
        from django.test import Client
        from django.urls import reverse

        from govhall.core import clock
        from govhall.core.actors import SYSTEM
        from govhall.hall import services as hall

        client = Client()
        url = reverse("hall_display_calls", args=[self.hall.district.code])
        clerk, window = self.desks[0]
        samples, render = [], []
        for n in range(LATENCY_SAMPLES):
            at = clock.now()
            hall.ticket_issue(actor=SYSTEM, category=self.categories[n % 2], source="kiosk", at=at)
            start = time.perf_counter()
            ticket = hall.ticket_call_next(actor=clerk, window=window, at=at)
            shown = time.perf_counter()
            page = client.get(url)
            end = time.perf_counter()
            assert page.status_code == 200 and ticket.number in page.content.decode()
            samples.append(end - start)
            render.append(end - shown)
            hall.ticket_done(actor=clerk, ticket=hall.ticket_start_service(actor=clerk, ticket=ticket, at=at), at=at)
        from govhall.hall.models import Ticket

        today = Ticket.objects.filter(day=clock.today()).count()
        samples.sort()
        print(f"{self.label} display latency (call → the display's fragment shows it, {today} tickets today): "
              f"median {statistics.median(samples) * 1000:.1f} ms, p95 {samples[int(len(samples) * 0.95) - 1] * 1000:.1f}"
              f" ms; the fragment alone median {statistics.median(render) * 1000:.1f} ms "
              f"(+ the display's 2 s poll: 1 s on average)", flush=True)

    def staffing_month(self) -> None:
        from django.test import Client
        from django.urls import reverse

        from govhall.core import clock
        from govhall.core.actors import SYSTEM
        from govhall.demo.hall import DAILY, DISTRICT, demo_hall_month_load
        from govhall.hall import services as hall
        from govhall.hall.models import Ticket
        from govhall.hall.staffing import staffing_plan
        from govhall.hall.stats import hall_stats
        from govhall.org import services as org
        from govhall.org.models import WindowKind

        town = self.hall.town
        categories = {}
        for code in "ABCDEFG":
            categories[code] = hall.category_create(actor=SYSTEM, center=town, code=code, name=f"类别{code}",
                                                    service_minutes=8)
        for n, codes in enumerate(["A", "A", "B", "CF", "D", "E", "F", "F", "G"]):
            window = org.window_create(actor=SYSTEM, center=town, number=f"{n + 1:02d}", name="窗口",
                                       kind=WindowKind.COMPREHENSIVE)
            hall.window_categories_set(actor=SYSTEM, window=window, categories=[categories[c] for c in codes])
        client = Client()
        client.force_login(self.hall.manager)
        for scale in (1, 10):
            daily = {(town.code, letter): n * scale for (center, letter), n in DAILY.items() if center == DISTRICT}
            Ticket.objects.filter(center=town).delete()
            from govhall.hall.models import TicketCounter

            TicketCounter.objects.filter(category__center=town).delete()
            start = time.perf_counter()
            count = demo_hall_month_load(now=clock.now(), centers=(town.code,), daily=daily)
            generated = time.perf_counter() - start
            days = Ticket.objects.filter(center=town).values("day").distinct()
            first, last = min(d["day"] for d in days), max(d["day"] for d in days)
            timings, pages = [], []
            for _ in range(3):
                start = time.perf_counter()
                stats = hall_stats(center_id=town.pk, first=first, last=last, at=clock.now())
                plan = staffing_plan(stats, target_minutes=10, pool=[categories["B"], categories["G"]])
                timings.append(time.perf_counter() - start)
                start = time.perf_counter()
                page = client.get(reverse("hall_staffing"), {"center": town.pk, "first": first, "last": last,
                                                              "pool": [categories["B"].pk, categories["G"].pk]})
                pages.append(time.perf_counter() - start)
                assert page.status_code == 200, page.status_code
            cells = sum(len(p.cells) for p in plan.plans)
            print(f"{self.label} staffing view for a month of {count} tickets ({len(days)} days, generated in "
                  f"{generated:.2f} s): statistics + Erlang C for {cells} category-hours + a merge "
                  f"{min(timings) * 1000:.0f} ms, the page {min(pages) * 1000:.0f} ms", flush=True)

    def run(self) -> None:
        self.throughput()
        self.display_latency()
        self.staffing_month()


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
        print(f"bench_hall failed: {error!r}", file=sys.stderr)
        sys.exit(1)
