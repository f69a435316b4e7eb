"""Property tests against a naive day-by-day reference (official years only).

The reference walks the calendar one day at a time with
chinese_calendar.is_workday — slow and obvious, the way a clerk counts.
"""

import functools
from datetime import date, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from govhall.timing import Pause, build_calendar, compute_deadline

CAL = build_calendar()
DAY = timedelta(days=1)
# Keep the walks inside the official years (chinese_calendar raises after 2026).
starts = st.dates(date(2004, 1, 1), date(2025, 6, 30))
anydates = st.dates(date(2004, 1, 1), date(2026, 12, 31))
spans = st.integers(0, 250)
# No timing deadline: the naive reference is slow on purpose.
props = settings(deadline=None, max_examples=200)


@functools.cache
def is_workday(d: date) -> bool:
    # Cached only for speed; the answer is chinese_calendar's own.
    return chinese_calendar.is_workday(d)


def naive_add(d: date, n: int) -> date:
    while n:
        d += DAY
        if is_workday(d):
            n -= 1
    return d


def naive_between(a: date, b: date) -> int:
    count = 0
    while a < b:
        a += DAY
        count += is_workday(a)
    return count


def naive_deadline(start: date, n: int, pauses: list[Pause]):
    """Simulate the clock day by day: it stops on a pause day and restarts on resume."""
    day, left, remaining, queue = start, n, n, list(pauses)
    while True:
        if queue and queue[0].start == day:
            pause = queue.pop(0)
            if pause.end is None:
                return None, left, True
            day, remaining = pause.end, left  # (P, R] does not run; R not counted
            continue
        if left == 0:
            while not is_workday(day):  # 民法典 art. 203: a period never ends on a holiday
                day += DAY
            return day, remaining, False
        day += DAY
        left -= is_workday(day)


@props
@given(starts, spans)
def test_add_workdays_matches_naive(d, n):
    assert CAL.add_workdays(d, n) == naive_add(d, n)


@props
@given(anydates, anydates)
def test_workdays_between_matches_naive(a, b):
    a, b = min(a, b), max(a, b)
    if (b - a).days > 800:
        b = a + timedelta(days=800)
    assert CAL.workdays_between(a, b) == naive_between(a, b)


@props
@given(starts, spans)
def test_between_inverts_add(d, n):
    assert CAL.workdays_between(d, CAL.add_workdays(d, n)) == n


@props
@given(starts, st.integers(0, 249))
def test_add_is_strictly_increasing_in_n(d, n):
    later = CAL.add_workdays(d, n + 1)
    assert later > CAL.add_workdays(d, n)
    assert CAL.is_workday(later)


@props
@given(starts, starts, spans)
def test_add_is_monotone_in_start(a, b, n):
    a, b = min(a, b), max(a, b)
    assert CAL.add_workdays(a, n) <= CAL.add_workdays(b, n)


@props
@given(anydates, anydates, anydates)
def test_between_is_monotone_and_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.workdays_between(a, c) == CAL.workdays_between(a, b) + CAL.workdays_between(b, c)
    assert CAL.workdays_between(a, b) <= CAL.workdays_between(a, c)


@st.composite
def histories(draw):
    start = draw(st.dates(date(2004, 1, 1), date(2024, 12, 31)))
    days = draw(st.integers(0, 120))
    extension = draw(st.integers(0, 30))
    pauses, at = [], start
    for i in range(draw(st.integers(0, 3))):
        begin = at + timedelta(days=draw(st.integers(0, 90)))
        if draw(st.booleans()) and draw(st.booleans()):  # an open pause, last
            pauses.append(Pause(begin))
            break
        at = begin + timedelta(days=draw(st.integers(0, 60)))
        pauses.append(Pause(begin, at))
    return start, days, extension, pauses


@props
@given(histories())
def test_compute_deadline_matches_naive(history):
    start, days, extension, pauses = history
    result = compute_deadline(CAL, start=start, days=days, pauses=pauses, extension=extension)
    due, remaining, paused = naive_deadline(start, days + extension, pauses)
    assert (result.due, result.remaining, result.paused) == (due, remaining, paused)
    assert not result.provisional


@props
@given(histories())
def test_pauses_never_shorten_the_period(history):
    start, days, extension, pauses = history
    result = compute_deadline(CAL, start=start, days=days, pauses=pauses, extension=extension)
    plain = compute_deadline(CAL, start=start, days=days, extension=extension)
    if not result.paused:
        assert result.due >= plain.due
