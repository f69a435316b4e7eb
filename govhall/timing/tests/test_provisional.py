"""Provisional years: statutory rules (全国年节及纪念日放假办法, 2024 amendment)."""

from datetime import date, timedelta

import pytest
from lunardate import LunarDate

from govhall.timing import (
    Pause,
    YearData,
    build_calendar,
    compute_deadline,
    official_years,
    provisional_year,
)

D = date
CAL = build_calendar()


def test_2027_is_provisional_and_2026_is_not():
    assert CAL.official_until == D(2026, 12, 31)
    assert CAL.last == D(2027, 12, 31)
    assert CAL.is_provisional(D(2027, 1, 1))
    assert CAL.is_provisional(D(2027, 12, 31))
    assert not CAL.is_provisional(D(2026, 12, 31))
    assert [y.year for y in CAL.years() if y.provisional] == [2027]


def test_lunar_new_year_2027_per_lunardate():
    # Lunar new year 2027 is Saturday Feb 6; 除夕 is the day before, the last
    # day of the 12th month of lunar 2026.
    new_year = LunarDate(2027, 1, 1).to_solar_date()
    assert new_year == D(2027, 2, 6) and new_year.weekday() == 5
    eve = LunarDate.from_solar_date(2027, 2, 5)
    assert (eve.year, eve.month) == (2026, 12)


def test_spring_festival_2027_with_compensation():
    # Art. 2: 除夕 + 初一–初三 = Feb 5–8; art. 6: Sat Feb 6 and Sun Feb 7 are
    # compensated on the next weekdays, Feb 9 and 10.
    year = provisional_year(2027)
    off = [d for d in year.holidays if D(2027, 2, 1) <= d <= D(2027, 2, 28)]
    assert sorted(off) == [D(2027, 2, d) for d in range(5, 11)]
    assert CAL.is_workday(D(2027, 2, 4)) and CAL.is_workday(D(2027, 2, 11))
    assert not any(CAL.is_workday(D(2027, 2, d)) for d in range(5, 11))


def test_other_festivals_2027():
    year = provisional_year(2027)
    assert year.provisional and not year.workdays  # no adjusted working weekends
    expected = {
        D(2027, 1, 1),  # 元旦, Friday
        D(2027, 4, 5),  # 清明 (solar term), Monday
        D(2027, 5, 1), D(2027, 5, 2), D(2027, 5, 3), D(2027, 5, 4),  # Sat+Sun → Mon+Tue
        D(2027, 6, 9),  # 端午, lunar 5/5, Wednesday
        D(2027, 9, 15),  # 中秋, lunar 8/15, Wednesday
        D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3), D(2027, 10, 4), D(2027, 10, 5),
    }
    assert set(year.holidays) - {D(2027, 2, d) for d in range(5, 11)} == expected
    assert year.holidays[D(2027, 10, 4)] == "国庆节（补假）"


@pytest.mark.parametrize("y", [2025, 2026])
def test_rules_agree_with_official_years_under_the_2024_amendment(y):
    # The 2024 amendment applies from 2025: the statutory days off (weekdays,
    # compensation included) must be official days off, and the net number of
    # working days in the year must match (official schedules only move days
    # with adjusted weekends).
    official, rules = official_years()[y], provisional_year(y)
    weekday_off = {d for d in rules.holidays if d.weekday() < 5}
    assert weekday_off <= set(official.holidays)

    def working(data: YearData) -> int:
        days = [D(y, 1, 1) + timedelta(n) for n in range((D(y + 1, 1, 1) - D(y, 1, 1)).days)]
        return sum(
            (d.weekday() < 5 and d not in data.holidays) or d in data.workdays for d in days
        )

    assert working(rules) == working(official)


def test_results_crossing_into_2027_are_provisional():
    inside = compute_deadline(CAL, start=D(2026, 11, 2), days=20)
    assert inside.due < D(2027, 1, 1) and not inside.provisional
    crossing = compute_deadline(CAL, start=D(2026, 12, 1), days=30)
    assert crossing.due.year == 2027 and crossing.provisional
    paused = compute_deadline(CAL, start=D(2026, 12, 1), days=60, pauses=[Pause(D(2027, 1, 5))])
    assert paused.paused and paused.provisional
    # A pause back into 2026 data only, resumed later: still only 2026 consulted.
    assert not compute_deadline(
        CAL, start=D(2026, 3, 2), days=5, pauses=[Pause(D(2026, 3, 3), D(2026, 6, 1))]
    ).provisional


def test_override_makes_2027_official_and_2028_provisional():
    official_2027 = YearData(2027, {D(2027, 1, 1): "元旦"}, {D(2027, 2, 20): "春节"})
    cal = build_calendar(overrides=[official_2027])
    assert not cal.is_provisional(D(2027, 6, 1))
    assert cal.is_provisional(D(2028, 6, 1))
    assert cal.official_until == D(2027, 12, 31) and cal.last == D(2028, 12, 31)
    assert cal.is_workday(D(2027, 2, 20))  # the override's adjusted Saturday
    assert cal.is_workday(D(2027, 2, 9))  # the statutory rules no longer apply
    # An override replaces a package year too.
    cal = build_calendar(overrides=[YearData(2024, {}, {})])
    assert cal.is_workday(D(2024, 10, 8)) and cal.is_workday(D(2024, 10, 1))


def test_gap_in_overrides_is_an_error():
    with pytest.raises(ValueError, match="2027–2028 missing between 2026 and 2029"):
        build_calendar(overrides=[YearData(2029, {}, {})])


def test_number_of_provisional_years():
    assert build_calendar(provisional_years=0).last == D(2026, 12, 31)
    cal = build_calendar(provisional_years=2)
    assert cal.last == D(2028, 12, 31) and cal.is_provisional(D(2028, 1, 3))
    with pytest.raises(ValueError):
        build_calendar(provisional_years=-1)
