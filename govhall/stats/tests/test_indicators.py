"""The indicators of docs/indicators.md on the month of conftest.py, by hand."""

from datetime import date
from decimal import Decimal

import pytest

from govhall.cases.models import Case
from govhall.stats.direct import decided_timing
from govhall.stats.indicators import (
    Scope, cases_behind, current_lights, cut_day, daily_volumes, indicators_by, indicators_for, rating_levels,
    rollups_read_once, visit_distribution,
)
from govhall.stats.periods import Period, PeriodError
from govhall.stats.rollup import rollups_refresh
from govhall.supervision.signals import lights_scanned
from govhall.stats.tests.conftest import MARCH, TODAY
from govhall.cases.deadlines import working_days_taken


def numbers(month, queryset) -> set[str]:
    names = {case.pk: name for name, case in month.cases.items()}
    return {names[pk] for pk in queryset.values_list("pk", flat=True)}


def test_the_whole_hall_in_march(month):
    ind = indicators_for(user=month.hall.supervisor, period=MARCH, today=TODAY)
    # Received in March: c1–c12 (c13 was received in February).
    assert ind.received == 12
    # Online: c8 → 1 / 12.
    assert ind.online == 1 and ind.online_share == pytest.approx(1 / 12)
    # Accepted in March: c1–c8, c10, c11, c12 (c9 was not accepted, c13 in February).
    assert ind.accepted == 11
    # Immediate: c7 → 1 / 11.
    assert ind.immediate == 1 and ind.immediate_share == pytest.approx(1 / 11)
    # Speed-up over the 11 accepted: ten items of (20 − 10) / 20 = 0.5 and
    # the immediate one (5 − 0) / 5 = 1 → (10 × 0.5 + 1) / 11 = 6 / 11.
    assert ind.speed_up_rate == pytest.approx(6 / 11)
    # Closed (decided in March): c1 03-06, c2 03-18, c3 03-20, c7 03-10, c8 03-12, c11 03-10.
    assert ind.closed == 6
    # On time: all but c3 (due 03-16, decided 03-20) → 5. Open and overdue on
    # 03-31: c4 (due 03-19), c12 (due 03-17), c13 (due 02-14); c5 is due in
    # April, c6 is paused, c10 was withdrawn. Rate 5 / (6 + 3).
    assert (ind.closed_on_time, ind.closed_late, ind.overdue_open) == (5, 1, 3)
    assert ind.on_time_rate == pytest.approx(5 / 9)
    # Working days to decision, pauses excluded:
    #   c1 (03-02, 03-06] = 4;  c2 (03-02, 03-18] = 12 minus its pause (03-04, 03-11] = 5 → 7;
    #   c3 (03-02, 03-20] = 14; c7 0; c8 (03-03, 03-12] = 7; c11 (03-06, 03-10] = 2 → 34 / 6.
    assert (ind.days_total, ind.days_cases) == (34, 6)
    assert ind.average_days == pytest.approx(34 / 6)
    # Decided on the day of acceptance: c7 → 1 / 6.
    assert ind.same_day_share == pytest.approx(1 / 6)
    # Visits of the closed: c1 2 (receipt and pickup at the window), c2 1,
    # c3 1, c7 1, c8 0, c11 1 → 6 / 6 = 1.0 a case; at most one: 5 / 6.
    assert ind.visits_per_case == pytest.approx(1.0)
    assert ind.one_visit_share == pytest.approx(5 / 6)
    assert (ind.rejected, ind.withdrawn, ind.terminated) == (1, 1, 0)
    # Fees: c3's 50.00 paid on 03-20.
    assert (ind.fees, ind.fees_paid) == (Decimal("50.00"), 1)
    # Ratings in March: c1 5, c7 3, c8 1 (c11's is in April) → 2 / 3; one bad.
    assert (ind.ratings, ind.satisfied, ind.bad) == (3, 2, 1)
    assert ind.satisfaction_rate == pytest.approx(2 / 3)
    # Alerts raised in March: a1, a5 (deadline, red), a2 (deadline, yellow),
    # a4 (follow-up, red, 03-31 23:30); a3 came at 04-01 00:10.
    assert ind.alerts == {("case.deadline", "red"): 2, ("case.deadline", "yellow"): 1,
                          ("review.followup_late", "red"): 1}
    assert (ind.alerts_red, ind.alerts_yellow, ind.alerts_total) == (3, 1, 4)
    # Cases handled (accepted or decided in March): the 11 accepted; with an
    # alert in March: c3, c4, c12.
    assert (ind.handled, ind.handled_with_alerts) == (11, 3)


def test_while_the_period_runs_the_end_is_an_earlier_day(month):
    # March 1–10: closed c1 (03-06), c7 and c11 (03-10), all on time. Open on
    # 03-10 and overdue: only c13. c3 (due 03-16) and c12 (due 03-17) are not
    # late yet; c2 was paused (03-04 → 03-11) on that day.
    early = Period(date(2026, 3, 1), date(2026, 3, 10))
    ind = indicators_for(user=month.hall.supervisor, period=early, today=TODAY)
    assert (ind.closed, ind.closed_on_time, ind.overdue_open) == (3, 3, 1)
    assert ind.on_time_rate == pytest.approx(3 / 4)
    # While March runs, "at its end" is today: the figures never predict.
    assert cut_day(MARCH, date(2026, 3, 18)) == date(2026, 3, 18)
    assert cut_day(MARCH, TODAY) == date(2026, 3, 31)


def test_a_window(month):
    h = month.hall
    # Window 02 received c4, c5, c7: closed c7 on time; c4 open and overdue → 1 / 2.
    ind = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(window=h.window2), today=TODAY)
    assert (ind.received, ind.accepted, ind.closed, ind.overdue_open) == (3, 3, 1, 1)
    assert ind.on_time_rate == pytest.approx(1 / 2)
    # c7's rating (3) → 1 / 1; a2 (yellow).
    assert (ind.ratings, ind.satisfied, ind.alerts_yellow, ind.alerts_red) == (1, 1, 1, 0)


def test_a_clerk(month):
    h = month.hall
    # Accepted by clerk in March: c1, c2, c3, c6, c8, c10, c11 = 7. Closed: c1,
    # c2, c3, c8, c11, on time all but c3 → 4; open overdue: c13 → 4 / 6.
    ind = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(staff=h.clerk), today=TODAY)
    assert (ind.accepted, ind.closed, ind.closed_on_time, ind.overdue_open) == (7, 5, 4, 1)
    assert ind.on_time_rate == pytest.approx(4 / 6)
    # Ratings of cases clerk accepted: c1 (5), c8 (1) → 1 / 2.
    assert ind.satisfaction_rate == pytest.approx(1 / 2)


def test_a_center_includes_its_sub_centers(month):
    h = month.hall
    town = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(center=h.town), today=TODAY)
    # Only c11 was received at the town center: accepted 03-06, decided on time 03-10 in 2 working days.
    assert (town.received, town.accepted, town.closed, town.closed_on_time, town.days_total) == (1, 1, 1, 1, 2)
    district = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(center=h.district), today=TODAY)
    # The district with the town below it: all 12 received, c11 included.
    assert district.received == 12 and district.closed == 6
    # The town's manager sees only the town, whatever the filter says.
    mine = indicators_for(user=h.town_manager, period=MARCH, scope=Scope(center=h.district), today=TODAY)
    assert (mine.received, mine.closed) == (1, 1)


def test_an_item_and_a_base_code(month):
    h = month.hall
    fee = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(item=h.fee_item.item), today=TODAY)
    assert (fee.accepted, fee.closed, fee.closed_on_time, fee.fees) == (1, 1, 0, Decimal("50.00"))
    by_code = indicators_for(user=h.supervisor, period=MARCH, scope=Scope(base_code=h.immediate.item.base_code),
                             today=TODAY)
    assert (by_code.accepted, by_code.immediate, by_code.same_day) == (1, 1, 1)


def test_a_department_user_sees_only_its_department(month):
    h = month.hall
    # clerk_b (department B) sees c12 only: accepted, open, overdue → 0 / 1.
    mine = indicators_for(user=h.clerk_b, period=MARCH, today=TODAY)
    assert (mine.received, mine.accepted, mine.closed, mine.overdue_open) == (1, 1, 0, 1)
    assert mine.on_time_rate == 0.0
    assert (mine.ratings, mine.alerts) == (0, {("case.deadline", "red"): 1})
    # Asking for department A gives nothing, not A's figures.
    other = indicators_for(user=h.clerk_b, period=MARCH, scope=Scope(department=h.dept_a), today=TODAY)
    assert (other.received, other.accepted, other.closed, other.ratings, other.alerts_total) == (0, 0, 0, 0, 0)
    assert other.on_time_rate is None
    assert not cases_behind(user=h.clerk_b, period=MARCH, scope=Scope(department=h.dept_a), today=TODAY,
                            key="accepted").exists()
    # And department A's reviewer never sees B's c12.
    a = indicators_for(user=h.reviewer, period=MARCH, today=TODAY)
    assert (a.received, a.accepted, a.overdue_open) == (11, 10, 2)


def test_split_by_department_window_and_staff(month):
    h = month.hall
    by = indicators_by(user=h.supervisor, period=MARCH, today=TODAY, by="department")
    assert (by[h.dept_a.pk].accepted, by[h.dept_b.pk].accepted) == (10, 1)
    assert (by[h.dept_a.pk].overdue_open, by[h.dept_b.pk].overdue_open) == (2, 1)
    # a4 (no case) belongs to department A through the alert itself.
    assert by[h.dept_a.pk].alerts_red == 2 and by[h.dept_b.pk].alerts_red == 1
    windows = indicators_by(user=h.supervisor, period=MARCH, today=TODAY, by="window")
    # Window 01: c1, c2, c3, c6, c9, c10, c11 received; c8 came online (no window).
    assert windows[h.comprehensive.pk].received == 7 and windows[None].received == 1
    assert windows[h.window2.pk].on_time_rate == pytest.approx(1 / 2)
    staff = indicators_by(user=h.supervisor, period=MARCH, today=TODAY, by="staff")
    assert (staff[h.clerk.pk].accepted, staff[h.clerk2.pk].accepted, staff[h.clerk_b.pk].accepted) == (7, 3, 1)


def test_every_figure_lists_its_cases(month):
    h = month.hall

    def behind(key, **kw):
        return numbers(month, cases_behind(user=h.supervisor, period=MARCH, today=TODAY, key=key, **kw))

    assert behind("closed") == {"c1", "c2", "c3", "c7", "c8", "c11"}
    assert behind("closed_late") == {"c3"}
    assert behind("closed_on_time") == {"c1", "c2", "c7", "c8", "c11"}
    assert behind("overdue_open") == {"c4", "c12", "c13"}
    assert behind("rejected") == {"c9"} and behind("withdrawn") == {"c10"}
    assert behind("online") == {"c8"} and behind("immediate") == {"c7"} and behind("same_day") == {"c7"}
    assert behind("more_visits") == {"c1"}
    assert behind("bad") == {"c8"} and behind("rated", level=3) == {"c7"}
    assert behind("alerts", rule="case.deadline") == {"c3", "c4", "c12"}
    assert behind("alerts", severity="yellow") == {"c4"}
    assert behind("accepted", day=date(2026, 3, 2)) == {"c1", "c2", "c3", "c6"}
    assert behind("fees") == {"c3"}
    with pytest.raises(ValueError):
        behind("everything")


def test_series_and_current_lights(month):
    h = month.hall
    series = {day: (accepted, decided) for day, accepted, decided in
              daily_volumes(user=h.supervisor, period=MARCH)}
    assert len(series) == 31
    assert series[date(2026, 3, 2)] == (4, 0)  # c1, c2, c3, c6
    assert series[date(2026, 3, 10)] == (1, 2)  # c7 accepted; c7, c11 decided
    assert sum(a for a, _d in series.values()) == 11 and sum(d for _a, d in series.values()) == 6
    assert rating_levels(user=h.supervisor, period=MARCH) == {5: 1, 4: 0, 3: 1, 2: 0, 1: 1}
    assert visit_distribution(user=h.supervisor, period=MARCH) == {"0": 1, "1": 4, "2": 1, "3+": 0}
    # Lights as supervision left them; set here so the count is known. Open
    # cases: c2, c3, c4, c5, c6, c7 (delivered), c8 (delivered), c11, c12, c13.
    Case.objects.filter(pk=month.cases["c4"].pk).update(light="yellow")
    Case.objects.filter(pk__in=[month.cases["c12"].pk, month.cases["c13"].pk]).update(light="red")
    Case.objects.filter(pk=month.cases["c5"].pk).update(light="")
    lights_scanned.send(sender=Case, case_ids=[month.cases[n].pk for n in ("c4", "c5", "c12", "c13")])  # as the scan
    assert current_lights(user=h.supervisor) == {"green": 7, "prompt": 0, "yellow": 1, "red": 2}
    assert current_lights(user=h.clerk_b) == {"green": 0, "prompt": 0, "yellow": 0, "red": 1}
    assert numbers(month, cases_behind(user=h.supervisor, period=MARCH, today=TODAY, key="light_red")) == {"c12", "c13"}
    assert len(numbers(month, cases_behind(user=h.supervisor, period=MARCH, today=TODAY, key="light_green"))) == 7


def test_net_working_days_leave_out_the_paused_days(db):
    # (03-02, 03-18] has 12 working days; the pause (03-04, 03-11] holds 5 of them.
    assert working_days_taken(accepted_on=date(2026, 3, 2), decided_on=date(2026, 3, 18),
                              pauses=[(date(2026, 3, 4), date(2026, 3, 11))]) == 7
    assert working_days_taken(accepted_on=date(2026, 3, 2), decided_on=date(2026, 3, 2)) == 0


def test_lateness_agrees_with_the_deadline_each_case_was_given(month):
    """One deadline computation: the cases the statistics count as decided
    late are those decided after the deadline the case services stored
    (in the event before the decision) — pauses and extensions included."""
    _timing, late = decided_timing(Case.objects.all(), MARCH, None)
    stored = set()
    for case in Case.objects.filter(decided_on__range=(MARCH.start, MARCH.end)):
        events = list(case.events.order_by("seq"))
        decision = next(i for i, e in enumerate(events) if e.action in {"approve", "deny"})
        due = events[decision - 1].data.get("due_date")
        if due is None or case.decided_on > date.fromisoformat(due):
            stored.add(case.pk)
    assert late == stored and late  # some cases were late, and the same ones
    # The rollups' facts say the same.
    listed = cases_behind(user=None, period=MARCH, today=TODAY, key="closed_late")
    assert set(listed.values_list("pk", flat=True)) == stored


class TestPeriods:
    def test_months_and_quarters(self):
        assert Period.parse_month("2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28), "month")
        assert Period.parse_month("2024-12").end == date(2024, 12, 31)
        assert Period.parse_quarter("2026-Q1") == Period(date(2026, 1, 1), date(2026, 3, 31), "quarter")
        assert Period.parse_quarter("2026Q4").label == "2026年第4季度"
        assert Period.month(2026, 3).label == "2026年3月" and Period.month(2026, 3).code == "2026-03"

    @pytest.mark.parametrize("text", ["2026-13", "2026/03", "", "March", "2026-00"])
    def test_bad_months_say_so(self, text):
        with pytest.raises(PeriodError):
            Period.parse_month(text)

    def test_no_backwards_or_endless_periods(self):
        with pytest.raises(PeriodError):
            Period(date(2026, 3, 2), date(2026, 3, 1))
        with pytest.raises(PeriodError):
            Period(date(2025, 1, 1), date(2026, 3, 1))

    def test_bounds_are_local_midnights(self):
        start, end = Period.month(2026, 3).bounds()
        assert (start.isoformat(), end.isoformat()) == ("2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00")


def test_the_figures_take_a_fixed_number_of_queries(month, django_assert_max_num_queries):
    rollups_refresh()  # the first refresh builds the rollups
    # The refresh finding nothing new: the marks (1), and one question for
    # the sources' new ids, the watched yellow alerts and the calendar's
    # revision (1); then the checkpoints' mark (1), the day cells (1: every
    # sum, handled, handled with an alert and the overdue spans begun and
    # ended since the last month end included), the decisions dated before
    # their acceptance (1), the overdue checkpoint (1) and the alert cells
    # (1): however many cases there are.
    with django_assert_max_num_queries(7):
        indicators_for(user=month.hall.supervisor, period=MARCH, today=TODAY)
    with django_assert_max_num_queries(7):
        indicators_by(user=month.hall.supervisor, period=MARCH, today=TODAY, by="window")


def test_a_page_reads_the_figures_once_for_all_its_splits(month, django_assert_max_num_queries):
    """In one read (a page, a report) the whole scope and its splits by
    department, window and staff add up the same parts: one set of queries."""
    rollups_refresh()
    user = month.hall.supervisor
    with django_assert_max_num_queries(7), rollups_read_once():
        total = indicators_for(user=user, period=MARCH, today=TODAY)
        splits = {by: indicators_by(user=user, period=MARCH, today=TODAY, by=by)
                  for by in ("department", "window", "staff")}
    for by, figures in splits.items():
        assert sum(v.closed for v in figures.values()) == total.closed
        assert sum(v.overdue_open for v in figures.values()) == total.overdue_open
        assert sum(v.handled_with_alerts for v in figures.values()) == total.handled_with_alerts
        assert figures == indicators_by(user=user, period=MARCH, today=TODAY, by=by)
