"""WorkCalendar construction, validation and local days."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from govhall.timing import (
    Pause,
    WorkCalendar,
    YearData,
    build_calendar,
    compute_deadline,
    official_years,
    provisional_year,
)

D = date
CAL = build_calendar()


def test_official_years_cover_2004_to_2026_and_are_cached():
    years = official_years()
    assert list(years) == list(range(2004, 2027))
    assert official_years() is years
    assert not any(y.provisional for y in years.values())


def test_every_official_day_matches_chinese_calendar():
    d = D(2004, 1, 1)
    while d <= D(2026, 12, 31):
        assert CAL.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_holidays_in_for_display():
    rows = CAL.holidays_in(2024)
    assert rows == sorted(rows)
    assert (D(2024, 2, 4), "春节", True) in rows
    assert (D(2024, 10, 7), "国庆节", False) in rows
    assert all(d.year == 2024 for d, _, _ in rows)


def test_local_holiday_moves_a_deadline_by_one_day():
    # Mon Mar 4, 2024 + 5 working days = Mon Mar 11; a local day off on Wed Mar 6
    # (e.g. a regional festival) makes it Tue Mar 12.
    local = build_calendar(local_days={D(2024, 3, 6): False})
    assert compute_deadline(CAL, start=D(2024, 3, 4), days=5).due == D(2024, 3, 11)
    assert compute_deadline(local, start=D(2024, 3, 4), days=5).due == D(2024, 3, 12)
    assert (D(2024, 3, 6), "本地放假", False) in local.holidays_in(2024)


def test_local_working_day_wins_over_a_national_holiday():
    local = build_calendar(local_days={D(2024, 10, 7): True, D(2024, 3, 9): True})
    assert local.is_workday(D(2024, 10, 7)) and local.is_workday(D(2024, 3, 9))
    assert local.add_workdays(D(2024, 9, 30), 1) == D(2024, 10, 7)
    assert (D(2024, 10, 7), "本地调整上班", True) in local.holidays_in(2024)


def test_local_day_outside_the_years_is_an_error():
    with pytest.raises(ValueError, match="2030-05-06"):
        build_calendar(local_days={D(2030, 5, 6): False})


def test_year_data_validation():
    with pytest.raises(ValueError, match="not in year 2025"):
        YearData(2025, {D(2024, 12, 31): "x"}, {})
    with pytest.raises(ValueError, match="both"):
        YearData(2025, {D(2025, 2, 8): "x"}, {D(2025, 2, 8): "x"})
    with pytest.raises(ValueError, match="weekday"):
        YearData(2025, {}, {D(2025, 2, 7): "x"})
    with pytest.raises(ValueError, match="not a date"):
        YearData(2025, {datetime(2025, 1, 1): "x"}, {})
    source = {D(2025, 1, 1): "元旦"}
    year = YearData(2025, source, {})
    source[D(2025, 1, 2)] = "later"
    assert D(2025, 1, 2) not in year.holidays  # copied, read-only


def test_work_calendar_years_must_be_contiguous():
    with pytest.raises(ValueError, match="2025 missing between 2024 and 2026"):
        WorkCalendar([official_years()[2024], official_years()[2026]])
    with pytest.raises(ValueError, match="twice"):
        WorkCalendar([official_years()[2024], official_years()[2024]])
    with pytest.raises(ValueError):
        WorkCalendar([])
    cal = WorkCalendar([provisional_year(2030)])
    assert cal.official_until is None and cal.first == D(2030, 1, 1)


def test_query_argument_errors():
    with pytest.raises(ValueError, match="n must be >= 0"):
        CAL.add_workdays(D(2024, 1, 2), -1)
    with pytest.raises(ValueError):
        CAL.workdays_between(D(2024, 1, 3), D(2024, 1, 2))
    assert CAL.next_workday(D(2024, 9, 30)) == D(2024, 10, 8)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"days": -1}, "days must be >= 0"),
        ({"days": 5, "extension": -1}, "extension must be >= 0"),
        ({"days": 5, "pauses": [Pause(D(2024, 2, 29))]}, "before the start"),
        ({"days": 5, "pauses": [Pause(D(2024, 3, 4), D(2024, 3, 1))]}, "before it starts"),
        (
            {"days": 5, "pauses": [Pause(D(2024, 3, 4), D(2024, 3, 8)), Pause(D(2024, 3, 6), D(2024, 3, 9))]},
            "before the previous resume",
        ),
        ({"days": 5, "pauses": [Pause(D(2024, 3, 4)), Pause(D(2024, 3, 6), D(2024, 3, 9))]}, "still open"),
    ],
)
def test_compute_deadline_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compute_deadline(CAL, start=D(2024, 3, 1), **kwargs)
