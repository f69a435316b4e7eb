"""The staffing view (govhall/hall/staffing.py): windows needed for a
hand-built load, idle and overloaded windows, the merge simulation, and the
pages' permissions and form errors."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from govhall.hall import erlang
from govhall.hall.staffing import staffing_plan, windows_before_merge
from govhall.hall.stats import HallStats, Row
from govhall.hall.tests.conftest import MORNING, later

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def load(floor, *, a_per_hour, b_per_hour, a_minutes=10.0, b_minutes=10.0, days=1, windows=()):
    """Statistics of ``days`` open days with the given arrivals per hour at 09:00 and holding times."""
    cat_a, cat_b = floor.cat_a.pk, floor.cat_b.pk
    return HallStats(
        center_id=floor.district.pk, first=DAY, last=DAY, open_days=days,
        categories=[Row(key=cat_a, arrivals=a_per_hour * days, holding_seconds=a_minutes * 60),
                    Row(key=cat_b, arrivals=b_per_hour * days, holding_seconds=b_minutes * 60)],
        windows=list(windows), hours=[],
        category_hours={(cat_a, 9): Row(key=(cat_a, 9), arrivals=a_per_hour * days, extra={"window_days": days}),
                        (cat_b, 9): Row(key=(cat_b, 9), arrivals=b_per_hour * days,
                                        extra={"window_days": 2 * days})})


def test_windows_needed_for_a_target_wait(floor):
    # A: 12 an hour × 10 minutes = 2 erlangs. Erlang C: 3 windows wait 4/9 × 10 = 4.4 min, 4 windows 0.87 min.
    plan = staffing_plan(load(floor, a_per_hour=12, b_per_hour=1.5), target_minutes=5)
    a = next(p for p in plan.plans if p.category == floor.cat_a)
    cell = a.cells[9]
    assert cell.arrivals_per_hour == 12 and cell.traffic == pytest.approx(2)
    assert cell.needed == 3 and cell.serving == 1 and cell.short
    assert cell.overloaded  # one window for 2 erlangs: the queue grows all hour
    assert staffing_plan(load(floor, a_per_hour=12, b_per_hour=1.5), target_minutes=1).plans[0].cells[9].needed == 4
    b = next(p for p in plan.plans if p.category == floor.cat_b).cells[9]
    # B: 1.5 an hour × 10 minutes = 0.25 erlangs on 2 windows: one is enough (M/M/1: 0.25/0.75 × 10 = 3.3 min).
    assert b.needed == 1 and b.serving == 2 and b.spare and not b.short
    assert b.wait_minutes == pytest.approx(erlang.mean_wait(2, 0.25, 10))
    assert a.cells[14].needed == 0 and a.windows == 1  # no arrivals in the afternoon; A is mapped to window 01
    assert plan.chart()["series"][1]["data"][plan.hours.index(9)] == 4


def test_rates_are_per_open_day(floor):
    plan = staffing_plan(load(floor, a_per_hour=12, b_per_hour=3, days=20), target_minutes=5)
    assert plan.plans[0].cells[9].arrivals_per_hour == 12 and plan.plans[0].arrivals_per_day == 12


def test_idle_and_overloaded_windows(floor):
    windows = [Row(key=1, label="01", called=2, busy_seconds=600, staffed_seconds=8 * 3600),
               Row(key=2, label="11", called=60, busy_seconds=7.5 * 3600, staffed_seconds=8 * 3600),
               Row(key=3, label="12", called=30, busy_seconds=4 * 3600, staffed_seconds=8 * 3600)]
    loads = {w.label: w for w in staffing_plan(load(floor, a_per_hour=1, b_per_hour=1, windows=windows),
                                               target_minutes=10).windows}
    assert loads["01"].idle and not loads["01"].overloaded
    assert loads["11"].overloaded and loads["11"].utilization_percent == 94
    assert not loads["12"].idle and not loads["12"].overloaded


def test_the_windows_before_a_merge_add_up_to_the_pooled_windows(floor):
    # Window 01 calls A and B, window 11 only B: B keeps 11, A gets 01.
    allocation = windows_before_merge([floor.cat_a, floor.cat_b], load(floor, a_per_hour=1, b_per_hour=1))
    assert allocation == {floor.cat_a.pk: 1, floor.cat_b.pk: 1}


@pytest.mark.parametrize("a_rate, b_rate, a_minutes, b_minutes", [
    (5, 1, 10, 10),   # one busy window beside a nearly idle one
    (4, 4, 10, 10),
    (1, 1, 6, 20),    # the street center: one or two visitors, different service times
    (5.5, 0.5, 10, 8),
])
def test_pooling_never_lengthens_the_mean_wait_on_the_same_windows(floor, a_rate, b_rate, a_minutes, b_minutes):
    stats = load(floor, a_per_hour=a_rate, b_per_hour=b_rate, a_minutes=a_minutes, b_minutes=b_minutes)
    merge = staffing_plan(stats, target_minutes=10, pool=[floor.cat_a, floor.cat_b]).merge
    assert merge.windows == 2 and [h.hour for h in merge.hours] == [9]
    assert merge.after_minutes <= merge.before_minutes
    assert merge.before_minutes == pytest.approx(
        (a_rate * erlang.mean_wait(1, a_rate * a_minutes / 60, a_minutes)
         + b_rate * erlang.mean_wait(1, b_rate * b_minutes / 60, b_minutes)) / (a_rate + b_rate))


def test_an_overloaded_window_becomes_finite_when_pooled(floor):
    # A alone: 7 an hour × 10 minutes on one window (1.17 erlangs): overloaded. Pooled with a quiet B on 2 windows: not.
    merge = staffing_plan(load(floor, a_per_hour=7, b_per_hour=0.5), target_minutes=10,
                          pool=[floor.cat_a, floor.cat_b]).merge
    assert merge.before_minutes == float("inf") and merge.after_minutes < 30


# --- pages ------------------------------------------------------------------------------

@pytest.fixture
def at_noon():
    with time_machine.travel(later(180), tick=False):
        yield


def test_clerks_and_applicants_are_refused(client, floor, at_noon):
    for user in (floor.clerk, floor.applicant):
        client.force_login(user)
        assert client.get(reverse("hall_stats")).status_code == 403
        assert client.get(reverse("hall_staffing")).status_code == 403


def test_a_manager_sees_the_statistics_and_the_staffing_view(client, floor, at_noon):
    from govhall.hall.tests.conftest import issue
    from govhall.hall.tests.test_hall_stats import serve

    serve(floor.clerk, issue(floor.cat_a, 0), called=5, start=6, done=16)
    client.force_login(floor.manager)
    page = client.get(reverse("hall_stats"))
    assert page.status_code == 200 and "A 综合业务" in page.text and 'data-testid="by-window"' in page.text
    page = client.get(reverse("hall_staffing"), {"center": floor.district.pk, "first": "2026-03-01",
                                                  "last": "2026-03-02", "target": "8",
                                                  "pool": [floor.cat_a.pk, floor.cat_b.pk]})
    assert page.status_code == 200
    assert 'data-testid="cell-A-9"' in page.text and 'id="chart-staffing"' in page.text
    assert "合并由 2 个窗口共同叫号" in page.text and "echarts.min.js" in page.text
    home = client.get(reverse("home")).text
    assert reverse("hall_stats") in home and reverse("hall_staffing") in home


@pytest.mark.parametrize("query, message", [
    ({"first": "2026-03-05", "last": "2026-03-01"}, "结束日期不能早于开始日期"),
    ({"first": "yesterday"}, "有效的日期"),
    ({"target": "abc"}, "输入一个数字"),
    ({"target": "0"}, "大于或等于1"),
    ({"idle": "150"}, "小于或等于99"),
    ({"pool": ["ID"]}, "合并模拟须至少选择两个类别"),
    ({"first": "2024-01-01", "last": "2026-03-02"}, "统计期间最长一年"),
])
def test_bad_form_input_names_the_field(client, floor, at_noon, query, message):
    client.force_login(floor.manager)
    if query.get("pool") == ["ID"]:
        query["pool"] = [floor.cat_a.pk]
    page = client.get(reverse("hall_staffing"), query)
    assert page.status_code == 400 and message in page.text
    assert 'class="field invalid"' in page.text


def test_a_town_manager_cannot_see_the_district(client, floor, at_noon):
    client.force_login(floor.town_manager)
    page = client.get(reverse("hall_stats"), {"center": floor.district.pk})
    assert page.status_code == 400 and "选择一个有效的选项" in page.text
    assert client.get(reverse("hall_stats")).status_code == 200  # his own center by default
    assert MORNING.date() == DAY
