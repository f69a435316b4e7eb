"""Red/yellow lights (红黄灯) for running cases, by configurable scheme."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from .calendar import WorkCalendar
from .deadline import Deadline


class Light(StrEnum):
    """The warning state of a case's deadline."""

    GREEN = "green"
    PROMPT = "prompt"
    YELLOW = "yellow"
    RED = "red"


_KINDS = ("standard", "prompt")


@dataclass(frozen=True)
class LightScheme:
    """The thresholds of a warning scheme; the scheme is data, chosen by setting.

    ``name`` selects the rule: "standard" (yellow near the deadline, red once
    passed) or "prompt" (used by some provinces: a prompt near the deadline,
    yellow once overdue, red after ``grace_days`` more working days).
    """

    name: str
    yellow_days: int = 1
    yellow_ratio: float = 0.2
    prompt_days: int = 1
    grace_days: int = 3

    def __post_init__(self) -> None:
        if self.name not in _KINDS:
            raise ValueError(f"unknown light scheme {self.name!r}; use one of {_KINDS}")
        for field in ("yellow_days", "prompt_days", "grace_days"):
            if getattr(self, field) < 0:
                raise ValueError(f"{field} must be >= 0")
        if not 0 <= self.yellow_ratio <= 1:
            raise ValueError("yellow_ratio must be between 0 and 1")

    def yellow_threshold(self, promised_days: int) -> int:
        """max(yellow_days, ⌈yellow_ratio × promised_days⌉), computed exactly."""
        return _yellow_threshold(self.yellow_days, self.yellow_ratio, promised_days)


@functools.lru_cache(maxsize=1024)
def _yellow_threshold(yellow_days: int, yellow_ratio: float, promised_days: int) -> int:
    # Through Fraction(str(...)): 0.28 * 25 is 7.000000000000001 in
    # floating point, and its ceiling would wrongly be 8.
    share = Fraction(str(yellow_ratio)) * promised_days
    return max(yellow_days, math.ceil(share))


STANDARD = LightScheme("standard")
PROMPT_SCHEME = LightScheme("prompt")
SCHEMES: dict[str, LightScheme] = {s.name: s for s in (STANDARD, PROMPT_SCHEME)}


def remaining_workdays(cal: WorkCalendar, *, today: date, due: date) -> int:
    """Working days left: those in [today, due] (today counts when it is a working day).

    Negative once overdue: minus the working days in (due, today]. Note that
    0 is both "due today is not a working day" and "overdue only by a weekend";
    compare the dates to tell overdue apart.
    """
    if today <= due:
        return cal.workdays_between(today, due) + (1 if cal.is_workday(today) else 0)
    return -cal.workdays_between(due, today)


def light_for(
    cal: WorkCalendar,
    *,
    today: date,
    deadline: Deadline,
    promised_days: int,
    scheme: LightScheme = STANDARD,
) -> Light:
    """The light of a case on ``today``.

    A paused case (legal pause) is always GREEN: a lawful pause never shows as
    overdue (DESIGN 3.3). "standard": RED once today > due; YELLOW when the
    remaining working days are at or below ``scheme.yellow_threshold``.
    "prompt": PROMPT when remaining ≤ prompt_days, YELLOW once overdue, RED
    when more than ``grace_days`` working days overdue.
    """
    if deadline.paused or deadline.due is None:
        return Light.GREEN
    left = remaining_workdays(cal, today=today, due=deadline.due)
    if scheme.name == "prompt":
        if today > deadline.due:
            return Light.RED if -left > scheme.grace_days else Light.YELLOW
        return Light.PROMPT if left <= scheme.prompt_days else Light.GREEN
    if today > deadline.due:
        return Light.RED
    return Light.YELLOW if left <= scheme.yellow_threshold(promised_days) else Light.GREEN


_SEVERITY = {Light.GREEN: 0, Light.PROMPT: 1, Light.YELLOW: 2, Light.RED: 3}


def light_changes_on(
    cal: WorkCalendar,
    *,
    today: date,
    due: date,
    promised_days: int,
    scheme: LightScheme = STANDARD,
) -> date | None:
    """The first day after ``today`` on which the light of a running case due
    on ``due`` differs from today's; None when it can only stay (red).

    Lights only grow more severe as days pass, so the day is found by
    bisection over light_for (O(log n) O(1) calls): the supervision scan
    stores it and looks at a case again only on that day.
    """
    deadline = Deadline(due=due, remaining=0, paused=False, provisional=False)

    def severity(day: date) -> int:
        return _SEVERITY[light_for(cal, today=day, deadline=deadline, promised_days=promised_days, scheme=scheme)]

    now = severity(today)
    if now == _SEVERITY[Light.RED]:
        return None
    # Red at the latest once the grace working days after the due day are past.
    grace = scheme.grace_days if scheme.name == "prompt" else 0
    hi = max(cal.add_workdays(due, grace + 1), due) + timedelta(days=1)
    lo = today  # severity(lo) == now < severity(hi)
    while (hi - lo).days > 1:
        mid = lo + timedelta(days=(hi - lo).days // 2)
        if severity(mid) > now:
            hi = mid
        else:
            lo = mid
    return hi
