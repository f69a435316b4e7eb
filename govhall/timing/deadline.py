"""Statutory deadlines in working days, with pauses and extensions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .calendar import WorkCalendar


@dataclass(frozen=True)
class Pause:
    """A period during which the time limit does not run.

    特别程序 (行政许可法 art. 45: hearing, testing, expert review …) or a
    correction request (补齐补正). ``end`` is the resume date, None while open.
    """

    start: date
    end: date | None = None


@dataclass(frozen=True)
class Deadline:
    """The result of :func:`compute_deadline`.

    ``due`` is the last day of the period (None while paused); ``remaining``
    the working days left at the last resume (or at the start) — for a paused
    case, the days left when it paused; ``provisional`` is True when any date
    consulted lies in a provisional year.
    """

    due: date | None
    remaining: int
    paused: bool
    provisional: bool


def compute_deadline(
    cal: WorkCalendar,
    *,
    start: date,
    days: int,
    pauses: Sequence[Pause] = (),
    extension: int = 0,
) -> Deadline:
    """The due date of a period of ``days`` (+ ``extension``) working days from ``start``.

    民法典 art. 201 and 行政许可法 art. 82: ``start`` is not counted; the
    deadline is the N-th working day after it. 行政许可法 art. 42: an extension
    (延期) adds working days to N. Art. 45 and 补正: a pause starting on P
    consumes the working days in (start, P]; the rest run again from its
    resume date R, R not counted: ``due = add_workdays(R, N - used)``.
    Pauses chain, each counted from the previous resume.

    A pause that starts after the current due date comes too late: the period
    had already run out, so the due date stays and that pause, and every later
    one, is ignored here (supervision flags such pauses). A pause starting on
    the due date itself leaves 0 days, so the new due date is its resume date;
    民法典 art. 203: when that last day is a holiday, the period ends on the
    next working day (so does a period of 0 days starting on a holiday).
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if extension < 0:
        raise ValueError(f"extension must be >= 0, got {extension}")
    _check_pauses(start, pauses)

    anchor = start
    remaining = days + extension
    due = cal.add_workdays(anchor, remaining)
    for pause in pauses:
        if pause.start > due:
            # Days ran out before this pause; it cannot revive the period.
            break
        left = remaining - cal.workdays_between(anchor, pause.start)
        if pause.end is None:
            return Deadline(
                due=None,
                remaining=left,
                paused=True,
                provisional=cal.touches_provisional(start, pause.start),
            )
        anchor, remaining = pause.end, left
        due = cal.add_workdays(anchor, remaining)
    if not cal.is_workday(due):  # only possible with 0 days left (art. 203)
        due = cal.next_workday(due)
    return Deadline(
        due=due,
        remaining=remaining,
        paused=False,
        provisional=cal.touches_provisional(start, due),
    )


def _check_pauses(start: date, pauses: Sequence[Pause]) -> None:
    # Validate every pause, even those ignored because they came too late:
    # a malformed history is a bug in the caller, whatever its effect.
    resume = start
    for i, pause in enumerate(pauses):
        if resume is None:
            raise ValueError(f"pause #{i + 1} follows a pause that is still open")
        if pause.start < resume:
            raise ValueError(
                f"pause #{i + 1} starts on {pause.start}, before "
                + (f"the start {start}" if i == 0 else f"the previous resume {resume}")
            )
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(
                f"pause #{i + 1} ends on {pause.end}, before it starts ({pause.start})"
            )
        resume = pause.end
