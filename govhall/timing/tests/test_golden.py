"""Golden table: start, days, pauses, extension → due date, one row per legal case.

Every expected date was worked out by hand from the State Council holiday
notice cited on the row; ``test_notice_facts`` checks those notices against
chinese_calendar, so a wrong row fails loudly. A new legal edge case is one
new row.
"""

from datetime import date
from typing import NamedTuple

import chinese_calendar
import pytest

from govhall.timing import Pause, build_calendar, compute_deadline

D = date
CAL = build_calendar()


class Row(NamedTuple):
    start: date
    days: int
    due: date | None
    pauses: tuple[Pause, ...] = ()
    extension: int = 0
    remaining: int | None = None  # checked when given
    provisional: bool = False


ROWS = {
    # -- plain counting: 民法典 art. 201 / 行政许可法 art. 82, start day not counted
    # 2024 Spring Festival notice: Feb 10–17 off, Feb 4 (Sun) and Feb 18 (Sun) worked.
    "spring-2024-across-break": Row(D(2024, 2, 8), 5, D(2024, 2, 21)),
    # Start on a holiday (Feb 12, 2024 is inside the break): first working day is Sun Feb 18.
    "start-on-holiday": Row(D(2024, 2, 12), 1, D(2024, 2, 18)),
    # Start on an ordinary Saturday: the next day is an adjusted working Sunday (Feb 4, 2024).
    "lands-on-adjusted-sunday": Row(D(2024, 2, 3), 1, D(2024, 2, 4)),
    # Start on an adjusted working Sunday (Feb 18, 2024): that day is not counted.
    "start-on-adjusted-sunday": Row(D(2024, 2, 18), 2, D(2024, 2, 20)),
    # 0 days from a working day: due that same day.
    "zero-days": Row(D(2024, 2, 8), 0, D(2024, 2, 8)),
    # 0 days from a holiday: 民法典 art. 203, the period ends on the next working day.
    "zero-days-on-holiday": Row(D(2024, 2, 12), 0, D(2024, 2, 18)),
    # 2024 National Day notice: Oct 1–7 off, Sep 29 (Sun) and Oct 12 (Sat) worked.
    "national-2024-short": Row(D(2024, 9, 27), 3, D(2024, 10, 8)),
    # 行政许可法 art. 42: 20 working days, crossing the break and the Oct 12 Saturday.
    "national-2024-20-days": Row(D(2024, 9, 30), 20, D(2024, 11, 1)),
    # Year end: Jan 1, 2025 off; 2025 Spring Festival notice: Jan 28–Feb 4 off, Jan 26 (Sun) worked.
    "year-end-2024-into-spring-2025": Row(D(2024, 12, 31), 20, D(2025, 2, 5)),
    # 2025 Spring Festival notice: Feb 8 (Sat) worked.
    "spring-2025-saturday": Row(D(2025, 2, 4), 4, D(2025, 2, 8)),
    # 2025 National Day notice: Oct 1–8 off, Sep 28 (Sun) and Oct 11 (Sat) worked.
    "national-2025-lands-on-saturday": Row(D(2025, 9, 26), 6, D(2025, 10, 11)),
    # 2026 New Year notice: Jan 1–3 off, Jan 4 (Sun) worked; Dec 31 → January.
    "year-end-2025-into-2026": Row(D(2025, 12, 31), 1, D(2026, 1, 4)),
    # 2026 Spring Festival notice: Feb 15–23 off, Feb 14 (Sat) and Feb 28 (Sat) worked.
    "spring-2026-before-break": Row(D(2026, 2, 13), 1, D(2026, 2, 14)),
    "spring-2026-across-break": Row(D(2026, 2, 13), 2, D(2026, 2, 24)),
    "spring-2026-saturday-after": Row(D(2026, 2, 23), 5, D(2026, 2, 28)),
    # 2026 notice: Mid-Autumn Sep 25–27 off, National Day Oct 1–7 off, Oct 10 (Sat) worked.
    "mid-autumn-2026": Row(D(2026, 9, 24), 3, D(2026, 9, 30)),
    "national-2026": Row(D(2026, 9, 24), 4, D(2026, 10, 8)),
    "national-2026-saturday": Row(D(2026, 9, 30), 3, D(2026, 10, 10)),
    # Dec 31, 2026 → 2027, a provisional year (statutory rules): Jan 1, 2027 (Fri) off.
    "year-end-2026-into-provisional-2027": Row(D(2026, 12, 31), 1, D(2027, 1, 4), provisional=True),
    # -- extension (延期), 行政许可法 art. 42: 20 + 10 working days.
    "extension-10": Row(D(2024, 9, 30), 20, D(2024, 11, 15), extension=10),
    # -- pauses (行政许可法 art. 45, 补正): used = workdays(start+1 … P); due = add(R, N − used).
    # 2024 National Day: paused Fri Sep 27 (4 used) to Oct 9; 16 left from Oct 9, Oct 12 (Sat) counts.
    "pause-spanning-holiday": Row(
        D(2024, 9, 23), 20, D(2024, 10, 30), (Pause(D(2024, 9, 27), D(2024, 10, 9)),), remaining=16
    ),
    # Two pauses chain (2025 Spring Festival notice, Jan 26 worked): 2 used, then 2 more
    # (Sun Jan 26, Mon Jan 27) from the first resume, 6 left from Feb 10.
    "two-pauses": Row(
        D(2025, 1, 20), 10, D(2025, 2, 18),
        (Pause(D(2025, 1, 22), D(2025, 1, 24)), Pause(D(2025, 1, 27), D(2025, 2, 10))),
        remaining=6,
    ),
    # A pause starting on the due day leaves 0 days: due = the resume date (2024 notice).
    "pause-on-due-day": Row(
        D(2024, 2, 1), 5, D(2024, 2, 19), (Pause(D(2024, 2, 7), D(2024, 2, 19)),), remaining=0
    ),
    # A pause after the days ran out (due Feb 7, 2024) does not revive the period,
    # nor does any later pause.
    "pause-after-deadline": Row(
        D(2024, 2, 1), 5, D(2024, 2, 7),
        (Pause(D(2024, 2, 8), D(2024, 2, 20)), Pause(D(2024, 2, 21), D(2024, 3, 1))),
        remaining=5,
    ),
    # Due Fri Mar 8, 2024; a pause from Sat Mar 9 has 0 working days to "consume" but
    # still starts after the deadline: it does not move it.
    "pause-weekend-after-deadline": Row(
        D(2024, 3, 1), 5, D(2024, 3, 8), (Pause(D(2024, 3, 9), D(2024, 3, 20)),), remaining=5
    ),
    # A pause starting on a holiday (Oct 3, 2024) consumes only working days: 6 used
    # (Sep 24–27, Sun Sep 29, Sep 30); 14 left from Oct 10, Sat Oct 12 counted.
    "pause-starting-on-holiday": Row(
        D(2024, 9, 23), 20, D(2024, 10, 29), (Pause(D(2024, 10, 3), D(2024, 10, 10)),), remaining=14
    ),
    # 0 days left, resumed on a holiday (Oct 1, 2024): 民法典 art. 203 moves the
    # end to the next working day, Oct 8.
    "pause-on-due-day-resumed-on-holiday": Row(
        D(2024, 9, 20), 5, D(2024, 10, 8), (Pause(D(2024, 9, 27), D(2024, 10, 1)),), remaining=0
    ),
    # Open pause: no due date; 16 working days are kept for the resume.
    "open-pause": Row(D(2024, 9, 23), 20, None, (Pause(D(2024, 9, 27)),), remaining=16),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_golden(row: Row) -> None:
    result = compute_deadline(
        CAL, start=row.start, days=row.days, pauses=row.pauses, extension=row.extension
    )
    assert result.due == row.due
    assert result.paused == (row.due is None)
    assert result.provisional == row.provisional
    if row.remaining is not None:
        assert result.remaining == row.remaining


# The notice facts the rows rely on, checked against chinese_calendar itself.
OFF = {
    2024: [*(D(2024, 2, d) for d in range(10, 18)), *(D(2024, 10, d) for d in range(1, 8))],
    2025: [D(2025, 1, 1), *(D(2025, 1, d) for d in range(28, 32)), *(D(2025, 2, d) for d in range(1, 5)),
           *(D(2025, 10, d) for d in range(1, 9))],
    2026: [*(D(2026, 1, d) for d in range(1, 4)), *(D(2026, 2, d) for d in range(15, 24)),
           *(D(2026, 9, d) for d in range(25, 28)), *(D(2026, 10, d) for d in range(1, 8))],
}
WORKED = [
    D(2024, 2, 4), D(2024, 2, 18), D(2024, 9, 29), D(2024, 10, 12),
    D(2025, 1, 26), D(2025, 2, 8), D(2025, 9, 28), D(2025, 10, 11),
    D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 10, 10),
]


@pytest.mark.parametrize("year", OFF)
def test_notice_facts(year: int) -> None:
    for d in OFF[year]:
        assert chinese_calendar.is_holiday(d), d
        assert not CAL.is_workday(d), d
    # The day after each break is a working day again (the break is not longer).
    assert chinese_calendar.is_workday(D(2024, 2, 19)) and chinese_calendar.is_workday(D(2024, 10, 8))
    assert chinese_calendar.is_workday(D(2025, 2, 5)) and chinese_calendar.is_workday(D(2025, 10, 9))
    assert chinese_calendar.is_workday(D(2026, 2, 24)) and chinese_calendar.is_workday(D(2026, 10, 8))


def test_adjusted_weekends() -> None:
    for d in WORKED:
        assert d.weekday() >= 5, d
        assert chinese_calendar.is_workday(d), d
        assert CAL.is_workday(d), d
