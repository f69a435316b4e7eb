"""Performance scores and the red-flag ranking on the month of conftest.py, by hand.

score = 100 × Σ weight × rate / Σ weight over the parts with data
        − min(2 × red + 0.5 × yellow, 20); weights: on time 40,
        satisfaction 30, attendance 20, handled cases without an alert 10.
"""

import pytest

from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import WindowKind
from govhall.org.roles import Role
from govhall.stats.indicators import Indicators
from govhall.stats.scores import grade_for, rank, red_flag_windows, score_compute, scores_for
from govhall.stats.tests.conftest import MARCH, TODAY, _attend
from govhall.test import PASSWORD


def by_pk(scores):
    return {score.pk: score for score in scores}


def test_department_scores(attendance):
    h = attendance.hall
    scores = by_pk(scores_for(user=h.supervisor, period=MARCH, today=TODAY, kind="department"))
    a, b = scores[h.dept_a.pk], scores[h.dept_b.pk]
    # A: on time 5 / 8 (closed c1 c2 c3 c7 c8 c11, c3 late; overdue c4 c13);
    #    satisfied 2 / 3; attendance of reviewer 22/22, approver 22/22, head
    #    20/22 → (1 + 1 + 20/22) / 3; handled 10, with an alert 2 (c3, c4) → 0.8;
    #    alerts a1 red, a2 yellow, a4 red → 2 + 0.5 + 2 = 4.5.
    #    40 × 0.625 + 30 × 2/3 + 20 × 0.969697 + 10 × 0.8 − 4.5
    #    = 25 + 20 + 19.393939 + 8 − 4.5 = 67.893939 → 67.9, 合格.
    assert [p.rate for p in a.parts] == pytest.approx([5 / 8, 2 / 3, (2 + 20 / 22) / 3, 0.8])
    assert a.penalty == 4.5 and a.total == 67.9 and a.grade == "合格"
    # B: on time 0 / 1; no rating (the part drops out); clerk_b 11/22 = 0.5;
    #    c12 had an alert → 0; a5 red → 2.
    #    100 × (40 × 0 + 20 × 0.5 + 10 × 0) / 70 − 2 = 14.285714 − 2 → 12.3, 不合格.
    assert b.parts[1].rate is None and b.weight_used == 70
    assert b.total == 12.3 and b.grade == "不合格"
    assert (a.rank, b.rank) == (1, 2)
    assert "100 × (40×0.625" in a.explanation and a.explanation.endswith("= 67.9")


def test_window_ranking_and_red_flags(attendance):
    h = attendance.hall
    ranking = red_flag_windows(user=h.supervisor, period=MARCH, today=TODAY)
    scores = by_pk(ranking)
    # 01: on time 3 / 5 (closed c1 c2 c3 c11, c3 late; overdue c13); c1 rated 5
    #     → 1; clerk 22/22; handled 6, c3 alerted → 5/6; a1 red → 2.
    #     24 + 30 + 20 + 8.333333 − 2 = 80.333333 → 80.3, 良好.
    # 02: on time 1 / 2 (c7; overdue c4); c7 rated 3 → 1; clerk2 20/22;
    #     handled 3, c4 alerted → 2/3; a2 yellow → 0.5.
    #     20 + 30 + 18.181818 + 6.666667 − 0.5 = 74.348485 → 74.3, 合格.
    # 11: as department B → 12.3.
    assert [(s.pk, s.total, s.rank) for s in ranking] == [
        (h.comprehensive.pk, 80.3, 1), (h.window2.pk, 74.3, 2), (h.window_b.pk, 12.3, 3)]
    assert scores[h.comprehensive.pk].grade == "良好"
    # Red flag: among the best three, those at 80 or above with cases handled.
    assert [s.pk for s in ranking if s.red_flag] == [h.comprehensive.pk]


def test_window_staff_scores(attendance):
    h = attendance.hall
    scores = by_pk(scores_for(user=h.supervisor, period=MARCH, today=TODAY, kind="staff"))
    # Only staff posted at a window: clerk, clerk2, clerk_b.
    assert set(scores) == {h.clerk.pk, h.clerk2.pk, h.clerk_b.pk}
    # clerk: on time 4 / 6; ratings c1 5, c8 1 → 1/2; 22/22; handled 7 (c1 c2 c3
    # c6 c8 c10 c11), c3 alerted → 6/7; a1 red → 2.
    # 26.666667 + 15 + 20 + 8.571429 − 2 = 68.238095 → 68.2.
    assert scores[h.clerk.pk].total == 68.2
    assert scores[h.clerk2.pk].total == 74.3 and scores[h.clerk2.pk].rank == 1


def test_a_department_user_scores_only_its_own(attendance):
    h = attendance.hall
    assert [s.pk for s in scores_for(user=h.clerk_b, period=MARCH, today=TODAY, kind="department")] == [h.dept_b.pk]
    windows = scores_for(user=h.clerk_b, period=MARCH, today=TODAY, kind="window")
    assert [s.pk for s in windows] == [h.window_b.pk] and windows[0].total == 12.3


def test_attendance_counts_only_the_days_that_are_over(attendance):
    h = attendance.hall
    # On 03-04 only 03-02 and 03-03 are over: clerk_b was present on both.
    scores = by_pk(scores_for(user=h.supervisor, period=MARCH, today=MARCH.start.replace(day=4), kind="staff"))
    assert scores[h.clerk_b.pk].attendance_rate == 1.0
    # Before the period starts, nobody has an attendance rate.
    scores = by_pk(scores_for(user=h.supervisor, period=MARCH, today=MARCH.start, kind="staff"))
    assert scores[h.clerk.pk].attendance_rate is None


def test_without_any_attendance_record_the_part_drops_out(month):
    h = month.hall
    # No attendance kept at all (the fixture without ``attendance``): clerk's
    # score is on time 4/6, satisfied 1/2, clean 6/7, red 2 over the weights 80:
    # 100 × (26.666667 + 15 + 8.571429) / 80 − 2 = 62.797619 − 2 → 60.8.
    clerk = by_pk(scores_for(user=h.supervisor, period=MARCH, today=TODAY, kind="staff"))[h.clerk.pk]
    assert clerk.attendance_rate is None and clerk.weight_used == 80 and clerk.total == 60.8


def test_penalties_are_capped_and_scores_never_negative():
    ind = Indicators(closed=1, closed_on_time=0, alerts={("case.deadline", "red"): 30})
    score = score_compute(kind="window", pk=1, name="x", indicators=ind, attendance_rate=None)
    # Only the on-time part has data (0); penalty min(60, 20) = 20; max(0 − 20, 0) = 0.
    assert (score.penalty, score.total, score.grade) == (20.0, 0.0, "不合格")
    empty = score_compute(kind="window", pk=1, name="x", indicators=Indicators(), attendance_rate=None)
    assert empty.total is None and empty.grade == "" and empty.explanation == "无数据"


@pytest.mark.parametrize("score, grade", [(100, "优秀"), (90, "优秀"), (89.9, "良好"), (80, "良好"),
                                          (79.9, "合格"), (60, "合格"), (59.9, "不合格"), (0, "不合格")])
def test_grades(score, grade):
    assert grade_for(score) == grade


@pytest.fixture
def idle(attendance):
    """Beside the month: window 03 of the district and its clerk, present on
    every working day of March, and department C with a reviewer present
    every day; none of them has a case, a rating or an alert in March."""
    h = attendance.hall
    h.window3 = org.window_create(actor=SYSTEM, center=h.district, number="03", name="综合窗口三",
                                  kind=WindowKind.COMPREHENSIVE)
    h.clerk3 = org.user_create(actor=SYSTEM, username="clerk3", password=PASSWORD, role=Role.CLERK,
                               full_name="clerk3", center=h.district, window=h.window3)
    h.dept_c = org.department_create(actor=SYSTEM, center=h.district, code="C", name="示例区民政局", short_name="民政局")
    h.reviewer_c = org.user_create(actor=SYSTEM, username="reviewer_c", password=PASSWORD, role=Role.REVIEWER,
                                   full_name="reviewer_c", department=h.dept_c)
    _attend(h.clerk3, MARCH)
    _attend(h.reviewer_c, MARCH)
    return attendance


def test_a_window_without_cases_shows_no_data_and_is_not_ranked(idle):
    h = idle.hall
    ranking = red_flag_windows(user=h.supervisor, period=MARCH, today=TODAY)
    # Attendance alone (22/22) used to make 100 and 优秀: now no score at all.
    assert [(s.pk, s.rank) for s in ranking] == [
        (h.comprehensive.pk, 1), (h.window2.pk, 2), (h.window_b.pk, 3), (h.window3.pk, None)]
    window3 = ranking[-1]
    assert window3.attendance_rate == 1.0  # the part is still shown
    assert (window3.total, window3.total_text, window3.grade, window3.red_flag) == (None, "无数据", "", False)
    assert window3.explanation == "无数据"


def test_a_department_or_clerk_without_cases_shows_no_data(idle):
    h = idle.hall
    departments = scores_for(user=h.supervisor, period=MARCH, today=TODAY, kind="department")
    assert [(s.pk, s.rank, s.total_text, s.grade) for s in departments][-1] == (h.dept_c.pk, None, "无数据", "")
    assert [s.pk for s in departments if s.rank] == [h.dept_a.pk, h.dept_b.pk]
    staff = scores_for(user=h.supervisor, period=MARCH, today=TODAY, kind="staff")
    assert [(s.pk, s.rank, s.grade) for s in staff][-1] == (h.clerk3.pk, None, "")


def test_a_window_with_only_overdue_cases_left_from_before_is_scored():
    # No case accepted or decided in the period, one still open and overdue
    # at its end: the backlog is a case of the period (on time 0 / 1).
    backlog = score_compute(kind="window", pk=1, name="01", indicators=Indicators(overdue_open=1),
                            attendance_rate=1.0)
    assert backlog.total == pytest.approx(33.3) and backlog.grade == "不合格"
    # Ratings of older cases and attendance without a case of the period make no score.
    rated = score_compute(kind="window", pk=2, name="02", indicators=Indicators(ratings=1, satisfied=1),
                          attendance_rate=1.0)
    assert rated.total is None and rated.parts[1].rate == 1.0


def _window(pk, order, attendance_rate=1.0, **figures):
    return score_compute(kind="window", pk=pk, name=f"{pk:02d}", indicators=Indicators(**figures),
                         attendance_rate=attendance_rate, order=order)


def test_the_ranking_follows_the_score():
    # 1: a backlog only, 100 × (40×0 + 20×1) / 60 = 33.3; 2: one case handled,
    # closed late and alerted, no attendance: 0. The higher score ranks first,
    # whether or not the unit handled a case in the period.
    backlog = score_compute(kind="window", pk=1, name="01", indicators=Indicators(overdue_open=1), attendance_rate=1.0)
    late = score_compute(kind="window", pk=2, name="02", attendance_rate=None,
                         indicators=Indicators(handled=1, handled_with_alerts=1, closed=1))
    assert (backlog.total, late.total) == (33.3, 0.0)
    assert [(s.pk, s.rank) for s in rank([late, backlog])] == [(1, 1), (2, 2)]


def test_equal_scores_are_ranked_by_on_time_rate_then_cases_then_the_list():
    # No attendance: 100 × (40 × on time + 30 × satisfied + 10 × clean) / 80.
    #   top: on time 1/1, satisfied 2/3, 1 handled → (40 + 20 + 10) / 80 = 87.5
    #   d:   on time 1/1, satisfied 1/3, 1 handled → (40 + 10 + 10) / 80 = 75.0
    #   b, c: on time 2/4, satisfied 1/1, 4 handled → (20 + 30 + 10) / 80 = 75.0
    #   a:   on time 1/2, satisfied 1/1, 2 handled → 75.0
    # Ties: the higher on-time rate (d), then more cases (b, c before a),
    # then the place in the list (c is listed before b, whatever the names).
    top = _window(5, 4, attendance_rate=None, handled=1, closed=1, closed_on_time=1, ratings=3, satisfied=2)
    d = _window(4, 3, attendance_rate=None, handled=1, closed=1, closed_on_time=1, ratings=3, satisfied=1)
    b = _window(2, 2, attendance_rate=None, handled=4, closed=4, closed_on_time=2, ratings=1, satisfied=1)
    c = _window(3, 1, attendance_rate=None, handled=4, closed=4, closed_on_time=2, ratings=1, satisfied=1)
    a = _window(1, 0, attendance_rate=None, handled=2, closed=2, closed_on_time=1, ratings=1, satisfied=1)
    assert top.total == 87.5 and {s.total for s in (a, b, c, d)} == {75.0}
    ranked = rank([a, b, c, d, top])
    assert [(s.pk, s.rank) for s in ranked] == [(5, 1), (4, 2), (3, 3), (2, 4), (1, 5)]
    assert [s.pk for s in rank([top, c, d, b, a])] == [5, 4, 3, 2, 1]
