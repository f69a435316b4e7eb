"""The working-day calendar: precomputed tables, O(1) queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from .years import YearData

_LOCAL_OFF = "本地放假"
_LOCAL_ON = "本地调整上班"


class CalendarRangeError(ValueError):
    """A date (or a result) lies outside the years the calendar knows.

    Raised instead of guessing: an unknown year may hold holidays nobody has
    published yet (DESIGN 3.3).
    """


class WorkCalendar:
    """Working days over a contiguous run of years.

    A working day is Monday–Friday, minus the year's holidays, plus its
    adjusted working weekends (调休上班日), with ``local_days`` (date → True
    working / False off) applied last.

    Built once; every query is O(1): ``_cum[i]`` is the number of working days
    in ``[first, first + i]`` and ``_work`` the sorted ordinals of the working
    days, so the N-th working day after D is ``_work[_cum[D] + N - 1]``.
    """

    def __init__(
        self, years: Iterable[YearData], local_days: Mapping[date, bool] = {}
    ) -> None:
        """Build the tables; ``years`` must be contiguous (ValueError otherwise)."""
        ordered = sorted(years, key=lambda y: y.year)
        if not ordered:
            raise ValueError("a working-day calendar needs at least one year")
        for prev, cur in zip(ordered, ordered[1:]):
            if cur.year == prev.year:
                raise ValueError(f"year {cur.year} is given twice")
            if cur.year != prev.year + 1:
                raise ValueError(
                    f"years must be contiguous: {prev.year + 1}"
                    + (f"–{cur.year - 1}" if cur.year - 1 > prev.year + 1 else "")
                    + f" missing between {prev.year} and {cur.year}"
                )
        self._years = ordered
        self._first_year = ordered[0].year
        self.first = date(ordered[0].year, 1, 1)
        self.last = date(ordered[-1].year, 12, 31)
        official = [y.year for y in ordered if not y.provisional]
        self.official_until: date | None = (
            date(official[-1], 12, 31) if official else None
        )
        self._first_ord = self.first.toordinal()
        size = self.last.toordinal() - self._first_ord + 1

        self._local = dict(local_days)
        for d in self._local:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise ValueError(f"local day {d!r} is not a date")
            if not self.first <= d <= self.last:
                raise ValueError(
                    f"local day {d} is in a year the calendar does not cover "
                    f"({self.first} … {self.last})"
                )

        # Working flag per day: the weekday default, then the year's
        # deviations, then local days (a center's own holiday wins).
        flags = bytearray(
            1 if date.fromordinal(self._first_ord + i).weekday() < 5 else 0
            for i in range(size)
        )
        for y in ordered:
            for d in y.holidays:
                flags[d.toordinal() - self._first_ord] = 0
            for d in y.workdays:
                flags[d.toordinal() - self._first_ord] = 1
        for d, working in self._local.items():
            flags[d.toordinal() - self._first_ord] = 1 if working else 0
        self._flags = bytes(flags)

        cum: list[int] = []
        work: list[int] = []
        count = 0
        for i, flag in enumerate(self._flags):
            if flag:
                count += 1
                work.append(self._first_ord + i)
            cum.append(count)
        self._cum = cum
        self._work = work
        # Provisional flag per year, and a prefix count of provisional years
        # so "does [a, b] touch a provisional year" is O(1).
        self._prov_prefix = [0]
        for y in ordered:
            self._prov_prefix.append(self._prov_prefix[-1] + (1 if y.provisional else 0))

    def __repr__(self) -> str:
        return (
            f"<WorkCalendar {self.first} … {self.last}, "
            f"official until {self.official_until}>"
        )

    # -- helpers -----------------------------------------------------------

    def _range_error(self, what: object) -> CalendarRangeError:
        return CalendarRangeError(
            f"{what} is outside the working-day calendar ({self.first} … {self.last})"
        )

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._first_ord
        if i < 0 or i >= len(self._flags):
            raise self._range_error(d)
        return i

    def touches_provisional(self, a: date, b: date) -> bool:
        """Whether any day of ``[a, b]`` lies in a provisional year (O(1))."""
        if a > b:
            raise ValueError(f"touches_provisional needs a <= b, got {a} > {b}")
        self._index(a)
        self._index(b)
        lo = a.year - self._first_year
        hi = b.year - self._first_year
        return self._prov_prefix[hi + 1] - self._prov_prefix[lo] > 0

    # -- queries -----------------------------------------------------------

    def years(self) -> list[YearData]:
        """The year data the calendar was built from, in order (local days excluded)."""
        return list(self._years)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (CalendarRangeError outside the range)."""
        return self._flags[self._index(d)] == 1

    def is_provisional(self, d: date) -> bool:
        """Whether ``d`` lies in a provisional year (statutory rules, no notice yet)."""
        self._index(d)
        y = d.year - self._first_year
        return self._prov_prefix[y + 1] - self._prov_prefix[y] > 0

    def add_workdays(self, d: date, n: int) -> date:
        """The ``n``-th working day strictly after ``d``; ``d`` itself when n == 0.

        民法典 art. 201 / 行政许可法 art. 82: the day of the event is not
        counted, the period starts the next day. ``d`` may be any day. Raises
        CalendarRangeError when ``d`` or the result is outside the calendar.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        i = self._index(d)
        if n == 0:
            return d
        k = self._cum[i] + n - 1
        if k >= len(self._work):
            raise self._range_error(f"{d} + {n} working day{'s' if n > 1 else ''}")
        return date.fromordinal(self._work[k])

    def workdays_between(self, a: date, b: date) -> int:
        """The number of working days in ``(a, b]`` (a not counted, b counted)."""
        if a > b:
            raise ValueError(f"workdays_between needs a <= b, got {a} > {b}")
        return self._cum[self._index(b)] - self._cum[self._index(a)]

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_workdays(d, 1)

    def holidays_in(self, year: int) -> list[tuple[date, str, bool]]:
        """The deviations of ``year`` for display: (date, name, is_workday), sorted.

        Holidays (weekend days of a break included), adjusted working weekends,
        and local days, which replace the national entry for their date.
        """
        if not self._first_year <= year <= self.last.year:
            raise self._range_error(year)
        y = self._years[year - self._first_year]
        rows: dict[date, tuple[str, bool]] = {}
        for d, name in y.holidays.items():
            rows[d] = (name, False)
        for d, name in y.workdays.items():
            rows[d] = (name, True)
        for d, working in self._local.items():
            if d.year == year:
                rows[d] = (_LOCAL_ON if working else _LOCAL_OFF, working)
        return [(d, name, working) for d, (name, working) in sorted(rows.items())]
