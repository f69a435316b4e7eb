"""Performance scores and the red-flag ranking on the month of conftest.py, by hand.

score = 100 × Σ weight × rate / Σ weight over the parts with data
        − min(2 × red + 0.5 × yellow, 20); weights: on time 40,
        satisfaction 30, attendance 20, handled cases without an alert 10.
"""

import pytest

from govhall.stats.indicators import Indicators
from govhall.stats.scores import grade_for, red_flag_windows, score_compute, scores_for
from govhall.stats.tests.conftest import MARCH, TODAY


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


def test_a_window_without_cases_ranks_after_those_with_cases():
    from govhall.stats.indicators import Indicators
    from govhall.stats.scores import rank, score_compute

    idle = score_compute(kind="window", pk=1, name="01 idle", indicators=Indicators(), attendance_rate=1.0)
    busy = score_compute(kind="window", pk=2, name="02 busy", indicators=Indicators(accepted=3, handled=3, closed=3,
                                                                                   closed_on_time=2),
                         attendance_rate=0.9)
    assert idle.total == 100.0 and busy.total < 100.0
    assert [s.name for s in rank([idle, busy])] == ["02 busy", "01 idle"]
