"""Red/yellow lights (红黄灯) under both schemes, at the boundaries."""

from datetime import date

import pytest

from govhall.timing import (
    PROMPT_SCHEME,
    SCHEMES,
    STANDARD,
    Deadline,
    Light,
    LightScheme,
    Pause,
    build_calendar,
    compute_deadline,
    light_for,
    remaining_workdays,
)

D = date
CAL = build_calendar()
# 20 working days from Mon Sep 30, 2024 → Fri Nov 1, 2024 (2024 National Day notice).
DUE = compute_deadline(CAL, start=D(2024, 9, 30), days=20)
PAUSED = compute_deadline(CAL, start=D(2024, 9, 30), days=20, pauses=[Pause(D(2024, 10, 8))])


def test_the_fixture_deadline():
    assert DUE.due == D(2024, 11, 1) and PAUSED.paused


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2024, 10, 3), 20),  # during the holiday: all 20 days still ahead
        (D(2024, 10, 8), 20),  # first working day: today counts
        (D(2024, 10, 9), 19),
        (D(2024, 10, 31), 2),  # the day before: Oct 31 and Nov 1
        (D(2024, 11, 1), 1),  # on the due day, it still counts
        (D(2024, 11, 2), 0),  # Saturday after: overdue by no working day yet
        (D(2024, 11, 4), -1),  # Monday after: one working day overdue
        (D(2024, 11, 8), -5),
    ],
)
def test_remaining_workdays(today, expected):
    assert remaining_workdays(CAL, today=today, due=DUE.due) == expected


@pytest.mark.parametrize(
    "promised, today, light",
    [
        # threshold max(1, ⌈0.2 × 5⌉) = 1
        (5, D(2024, 10, 31), Light.GREEN),  # the day before: 2 left
        (5, D(2024, 11, 1), Light.YELLOW),  # the due day: 1 left
        (5, D(2024, 11, 2), Light.RED),  # the day after, a Saturday
        # threshold max(1, ⌈0.2 × 20⌉) = 4
        (20, D(2024, 10, 28), Light.GREEN),  # 5 left
        (20, D(2024, 10, 29), Light.YELLOW),  # 4 left
        # threshold max(1, ⌈0.2 × 15⌉) = 3
        (15, D(2024, 10, 29), Light.GREEN),  # 4 left
        (15, D(2024, 10, 30), Light.YELLOW),  # 3 left
        # yellow_days wins for short promises: ⌈0.2 × 1⌉ = 1
        (1, D(2024, 10, 31), Light.GREEN),
    ],
)
def test_standard_scheme(promised, today, light):
    assert light_for(CAL, today=today, deadline=DUE, promised_days=promised) == light


@pytest.mark.parametrize(
    "today, light",
    [
        (D(2024, 10, 31), Light.GREEN),  # the day before: 2 left > prompt_days 1
        (D(2024, 11, 1), Light.PROMPT),  # the due day
        (D(2024, 11, 2), Light.YELLOW),  # the day after: overdue
        (D(2024, 11, 6), Light.YELLOW),  # 3 working days overdue = grace_days
        (D(2024, 11, 7), Light.RED),  # 4 working days overdue
    ],
)
def test_prompt_scheme(today, light):
    assert (
        light_for(CAL, today=today, deadline=DUE, promised_days=20, scheme=PROMPT_SCHEME)
        == light
    )


@pytest.mark.parametrize("scheme", [STANDARD, PROMPT_SCHEME])
@pytest.mark.parametrize("today", [D(2024, 10, 31), D(2024, 11, 1), D(2024, 11, 2), D(2025, 3, 3)])
def test_a_paused_case_is_never_flagged(scheme, today):
    # DESIGN 3.3: a legal pause never shows as overdue.
    assert light_for(CAL, today=today, deadline=PAUSED, promised_days=20, scheme=scheme) == Light.GREEN


def test_ratio_threshold_is_exact():
    # 0.28 × 25 is 7.000000000000001 in floating point; the threshold is 7.
    scheme = LightScheme("standard", yellow_ratio=0.28)
    assert scheme.yellow_threshold(25) == 7
    assert light_for(CAL, today=D(2024, 10, 23), deadline=DUE, promised_days=25, scheme=scheme) == Light.GREEN
    assert light_for(CAL, today=D(2024, 10, 24), deadline=DUE, promised_days=25, scheme=scheme) == Light.YELLOW


def test_schemes_are_data():
    assert SCHEMES == {"standard": STANDARD, "prompt": PROMPT_SCHEME}
    assert Light.RED == "red"
    strict = LightScheme("standard", yellow_days=3)
    assert light_for(CAL, today=D(2024, 10, 30), deadline=DUE, promised_days=5, scheme=strict) == Light.YELLOW
    patient = LightScheme("prompt", prompt_days=2, grace_days=5)
    assert light_for(CAL, today=D(2024, 10, 31), deadline=DUE, promised_days=5, scheme=patient) == Light.PROMPT
    assert light_for(CAL, today=D(2024, 11, 7), deadline=DUE, promised_days=5, scheme=patient) == Light.YELLOW
    with pytest.raises(ValueError, match="unknown light scheme"):
        LightScheme("zhejiang")
    with pytest.raises(ValueError):
        LightScheme("standard", yellow_ratio=1.5)


def test_due_on_a_non_working_day():
    # A resume on a Saturday with 0 days left: the Saturday is the due date.
    deadline = Deadline(due=D(2024, 11, 2), remaining=0, paused=False, provisional=False)
    assert remaining_workdays(CAL, today=D(2024, 11, 2), due=deadline.due) == 0
    assert light_for(CAL, today=D(2024, 11, 2), deadline=deadline, promised_days=5) == Light.YELLOW
    assert light_for(CAL, today=D(2024, 11, 3), deadline=deadline, promised_days=5) == Light.RED


# --- the day the light changes next (what the supervision scan waits for) ---

from datetime import timedelta  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from govhall.timing import light_changes_on  # noqa: E402


def _by_walking(today, due, promised, scheme):
    """The reference: step one day at a time until the light differs."""
    deadline = Deadline(due=due, remaining=0, paused=False, provisional=False)
    light = lambda day: light_for(CAL, today=day, deadline=deadline, promised_days=promised, scheme=scheme)  # noqa: E731
    if light(today) == Light.RED:
        return None
    day = today + timedelta(days=1)
    while light(day) == light(today):
        day += timedelta(days=1)
    return day


def test_the_light_changes_on_the_yellow_day_then_the_day_after_the_deadline():
    # Due Fri 2024-11-01, 20 promised days: yellow threshold max(1, 4) = 4
    # working days left → yellow from Tue 10-29 (10-29, 30, 31, 11-01).
    assert light_changes_on(CAL, today=D(2024, 10, 8), due=DUE.due, promised_days=20) == D(2024, 10, 29)
    assert light_changes_on(CAL, today=D(2024, 10, 29), due=DUE.due, promised_days=20) == D(2024, 11, 2)
    assert light_changes_on(CAL, today=D(2024, 11, 2), due=DUE.due, promised_days=20) is None


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2025, 12, 1)),
    span=st.integers(min_value=0, max_value=40),
    offset=st.integers(min_value=-10, max_value=60),
    promised=st.integers(min_value=0, max_value=40),
    scheme=st.sampled_from([STANDARD, PROMPT_SCHEME, LightScheme("prompt", grace_days=0),
                            LightScheme("standard", yellow_days=3, yellow_ratio=0.5)]),
)
def test_the_change_day_agrees_with_walking_day_by_day(start, span, offset, promised, scheme):
    due = CAL.add_workdays(start, span)
    today = start + timedelta(days=offset)
    assert light_changes_on(CAL, today=today, due=due, promised_days=promised, scheme=scheme) == \
        _by_walking(today, due, promised, scheme)
