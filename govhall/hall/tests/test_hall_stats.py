"""The hall's statistics (govhall/hall/stats.py) on a hand-built morning
whose waits, service times and utilization are known exactly."""

import pytest

from govhall.hall import services as hall_services
from govhall.hall.stats import hall_stats
from govhall.hall.tests.conftest import MORNING, issue, later
from govhall.org import services as org
from govhall.org.models import Attendance

pytestmark = pytest.mark.django_db


def serve(clerk, ticket, *, called, start=None, done=None, no_show=None):
    """``ticket`` called by ``clerk`` at minute ``called``, then served from
    ``start`` to ``done`` or marked no-show at ``no_show``."""
    window = clerk.window
    got = hall_services.ticket_call_next(actor=clerk, window=window, at=later(called))
    assert got.pk == ticket.pk
    if no_show is not None:
        return hall_services.ticket_no_show(actor=clerk, ticket=got, at=later(no_show))
    got = hall_services.ticket_start_service(actor=clerk, ticket=got, at=later(start))
    return hall_services.ticket_done(actor=clerk, ticket=got, at=later(done))


@pytest.fixture
def morning(floor):
    """Window 01 (clerk, A and B) and window 11 (clerk_b, B), both signed in
    at 08:50; clerk_b signs out at 10:50, the clerk is still in at 11:00.

    A001 09:00 → called 09:05 (wait 5), served 09:06–09:16 (10; held 11)
    A002 09:02 → called 09:16 (wait 14), no-show 09:18 (held 2)
    B001 09:01 → called 09:04 at 11 (wait 3), served 09:04–09:10 (6; held 6)
    B002 10:30 → called 10:31 at 11 (wait 1), served 10:31–10:41 (10; held 10)
    """
    a1, b1, a2 = issue(floor.cat_a, 0), issue(floor.cat_b, 1), issue(floor.cat_a, 2)
    serve(floor.clerk_b, b1, called=4, start=4, done=10)
    serve(floor.clerk, a1, called=5, start=6, done=16)
    serve(floor.clerk, a2, called=16, no_show=18)
    b2 = issue(floor.cat_b, 90)
    serve(floor.clerk_b, b2, called=91, start=91, done=101)
    org.attendance_check_out(staff=floor.clerk_b, at=later(110))
    day = MORNING.date()
    return hall_stats(center_id=floor.district.pk, first=day, last=day, at=later(120))


def test_waits_and_service_times_per_category(floor, morning):
    rows = {row.key: row for row in morning.categories}
    a, b = rows[floor.cat_a.pk], rows[floor.cat_b.pk]
    assert (a.arrivals, a.called, a.served, a.no_shows) == (2, 2, 1, 1)
    assert a.wait_seconds == pytest.approx(9.5 * 60)  # (5 + 14) / 2
    assert a.wait_p90_minutes == 14
    assert a.service_seconds == pytest.approx(600) and a.holding_seconds == pytest.approx(660)
    assert a.no_show_rate == 0.5
    assert (b.arrivals, b.served, b.no_shows) == (2, 2, 0)
    assert b.wait_seconds == pytest.approx(120) and b.wait_p90_minutes == 3
    assert b.service_seconds == pytest.approx(480)
    assert morning.open_days == 1 and a.label == "A 综合业务"


def test_window_utilization_is_busy_time_over_signed_in_time(floor, morning):
    rows = {row.key: row for row in morning.windows}
    comprehensive, housing = rows[floor.comprehensive.pk], rows[floor.window_b.pk]
    assert comprehensive.called == 2 and comprehensive.busy_seconds == pytest.approx(13 * 60)
    # Signed in 08:50, not yet out: counted until 11:00.
    assert comprehensive.staffed_seconds == pytest.approx(130 * 60)
    assert comprehensive.utilization == pytest.approx(13 / 130) and not comprehensive.estimated
    assert housing.busy_seconds == pytest.approx(16 * 60) and housing.staffed_seconds == pytest.approx(120 * 60)
    assert housing.utilization_percent == 13


def test_hours_are_local_and_cover_the_opening_hours(floor, morning):
    hours = {row.key: row for row in morning.hours}
    assert hours[9].arrivals == 3 and hours[10].arrivals == 1
    assert hours[9].wait_seconds == pytest.approx((5 + 3 + 14) / 3 * 60)
    assert hours[14].arrivals == 0 and hours[14].label == "14:00"
    cells = morning.category_hours
    assert cells[(floor.cat_a.pk, 9)].arrivals == 2 and cells[(floor.cat_b.pk, 10)].arrivals == 1
    # Windows that called the category in the hour, counted per day: A at 01 only, B at 11 at 09 and 10.
    assert cells[(floor.cat_a.pk, 9)].extra["window_days"] == 1
    assert cells[(floor.cat_b.pk, 10)].extra["window_days"] == 1


def test_a_day_without_attendance_counts_as_a_standard_day(floor):
    serve(floor.clerk_b, issue(floor.cat_b, 0), called=5, start=5, done=17)
    day = MORNING.date()
    Attendance.objects.filter(staff=floor.clerk_b).delete()
    stats = hall_stats(center_id=floor.district.pk, first=day, last=day, at=later(120))
    housing = {row.key: row for row in stats.windows}[floor.window_b.pk]
    assert housing.estimated and housing.staffed_seconds == 8 * 3600
    assert housing.utilization == pytest.approx(12 * 60 / (8 * 3600))


def test_another_period_or_center_is_empty(floor, morning):
    day = MORNING.date()
    before = hall_stats(center_id=floor.district.pk, first=day.replace(day=1), last=day.replace(day=1),
                        at=later(120))
    assert before.categories == [] and before.open_days == 0
    town = hall_stats(center_id=floor.town.pk, first=day, last=day, at=later(120))
    assert town.categories == [] and town.windows == []


def test_the_demo_month_has_the_daily_and_hourly_patterns(hall):
    from collections import Counter

    from govhall.core.actors import SYSTEM
    from govhall.demo.hall import DISTRICT, demo_hall_load, demo_hall_month_load
    from govhall.hall.models import Ticket, TicketState
    from govhall.hall.staffing import staffing_plan
    from govhall.org.models import CenterLevel, WindowKind

    district = org.center_create(actor=SYSTEM, code=DISTRICT, name="广安区政务服务中心", level=CenterLevel.DISTRICT,
                                 parent=hall.city)
    org.user_create(actor=SYSTEM, username="demo-manager", password="x", role="manager", center=district)
    for number in ("01", "04", "13", "15"):
        window = org.window_create(actor=SYSTEM, center=district, number=number, name="窗口",
                                   kind=WindowKind.COMPREHENSIVE)
        org.user_create(actor=SYSTEM, username=f"demo-clerk-{number}", password="x", role="clerk",
                        center=district, window=window)
    now = later(150)  # Monday 2026-03-02 11:30
    demo_hall_load(now=now)
    count = demo_hall_month_load(now=now)
    again = Ticket.objects.filter(center=district, day__lt=now.date())
    assert again.count() == count > 1000
    assert not again.filter(state=TicketState.WAITING).exists()
    assert again.values("category", "day", "number").distinct().count() == count
    per_day = Counter(again.values_list("day", flat=True))
    mondays = [n for d, n in per_day.items() if d.weekday() == 0]
    others = [n for d, n in per_day.items() if d.weekday() in (1, 2, 3)]
    assert sum(mondays) / len(mondays) > 1.15 * sum(others) / len(others)
    first, last = min(per_day), max(per_day)
    stats = hall_stats(center_id=district.pk, first=first, last=last, at=now)
    hours = {row.key: row.arrivals for row in stats.hours}
    assert hours[10] > hours[15] > hours[12] and hours[9] + hours[10] > hours[14] + hours[15]
    quiet = {row.label: row.extra["per_day"] for row in stats.categories}
    assert quiet["G 住房城乡建设"] < 3 < quiet["F 社保医保"]
    plan = staffing_plan(stats, target_minutes=10)
    assert any(w.idle for w in plan.windows)  # window 15 with one or two visitors a day
    assert all(w.utilization is not None for w in plan.windows)
