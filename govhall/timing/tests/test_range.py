"""Dates outside the known years are loud errors, never a guess (DESIGN 3.3)."""

from datetime import date

import pytest

from govhall.timing import CalendarRangeError, build_calendar, compute_deadline

D = date
CAL = build_calendar()
RANGE = "(2004-01-01 … 2027-12-31)"


def test_range_error_is_a_value_error():
    assert issubclass(CalendarRangeError, ValueError)


@pytest.mark.parametrize("d", [D(2003, 12, 31), D(2028, 1, 1), D(2029, 1, 3)])
def test_dates_outside_the_range(d):
    with pytest.raises(CalendarRangeError) as error:
        CAL.is_workday(d)
    assert str(error.value) == f"{d} is outside the working-day calendar {RANGE}"
    for call in (
        lambda: CAL.add_workdays(d, 1),
        lambda: CAL.next_workday(d),
        lambda: CAL.is_provisional(d),
        lambda: CAL.workdays_between(D(2004, 1, 1), d) if d > D(2004, 1, 1) else CAL.workdays_between(d, D(2004, 1, 2)),
        lambda: compute_deadline(CAL, start=d, days=5),
    ):
        with pytest.raises(CalendarRangeError, match=str(d)):
            call()


def test_zero_days_outside_the_range_is_still_an_error():
    with pytest.raises(CalendarRangeError):
        CAL.add_workdays(D(2029, 1, 3), 0)


def test_first_and_last_days_are_covered():
    assert CAL.add_workdays(D(2004, 1, 1), 0) == D(2004, 1, 1)
    assert CAL.workdays_between(D(2004, 1, 1), D(2027, 12, 31)) > 5000
    assert CAL.add_workdays(D(2027, 12, 30), 1) == D(2027, 12, 31)  # a Friday


def test_add_workdays_crossing_the_end():
    with pytest.raises(CalendarRangeError) as error:
        CAL.add_workdays(D(2027, 12, 20), 30)
    assert "2027-12-20" in str(error.value) and RANGE in str(error.value)
    with pytest.raises(CalendarRangeError, match="2027-12-31"):
        CAL.next_workday(D(2027, 12, 31))
    with pytest.raises(CalendarRangeError, match="2027-06-01"):
        compute_deadline(CAL, start=D(2027, 6, 1), days=250)


def test_provisional_horizon_moves_the_end():
    with pytest.raises(CalendarRangeError, match=r"^2026-12-31 \+ 1 working day is outside .*… 2026-12-31\)$"):
        build_calendar(provisional_years=0).add_workdays(D(2026, 12, 31), 1)


def test_holidays_in_an_uncovered_year():
    with pytest.raises(CalendarRangeError, match="2030"):
        CAL.holidays_in(2030)
