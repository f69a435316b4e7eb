"""Receipt outside office hours or on a non-working day (DESIGN 3.3)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from govhall.timing import build_calendar, receipt_date

D = date
CAL = build_calendar()


@pytest.mark.parametrize(
    "received_at, expected",
    [
        (datetime(2024, 10, 8, 10, 0), D(2024, 10, 8)),  # in office hours
        (datetime(2024, 10, 8, 16, 59, 59), D(2024, 10, 8)),  # last second
        (datetime(2024, 10, 8, 17, 0), D(2024, 10, 9)),  # closing time: next day
        (datetime(2024, 10, 8, 21, 30), D(2024, 10, 9)),  # after hours
        (datetime(2024, 10, 8, 7, 0), D(2024, 10, 8)),  # before opening: same day
        (datetime(2024, 10, 19, 10, 0), D(2024, 10, 21)),  # a Saturday → Monday
        (datetime(2024, 10, 12, 10, 0), D(2024, 10, 12)),  # adjusted working Saturday (2024 notice)
        (datetime(2024, 9, 29, 18, 0), D(2024, 9, 30)),  # adjusted Sunday, after hours
        (datetime(2024, 9, 30, 17, 30), D(2024, 10, 8)),  # eve of National Day 2024
        (datetime(2024, 10, 3, 10, 0), D(2024, 10, 8)),  # during the holiday
    ],
)
def test_receipt_date(received_at, expected):
    assert receipt_date(CAL, received_at) == expected


def test_aware_datetimes_use_their_wall_clock_time():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert receipt_date(CAL, datetime(2024, 9, 30, 16, 0, tzinfo=shanghai)) == D(2024, 9, 30)
    assert receipt_date(CAL, datetime(2024, 9, 30, 18, 0, tzinfo=shanghai)) == D(2024, 10, 8)


def test_office_hours_are_configurable():
    late = datetime(2024, 10, 8, 17, 30)
    assert receipt_date(CAL, late, office_end=time(18, 0)) == D(2024, 10, 8)
    with pytest.raises(ValueError):
        receipt_date(CAL, late, office_start=time(18, 0), office_end=time(9, 0))
