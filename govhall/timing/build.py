"""Assemble the calendar a center uses: official, overridden, provisional, local."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from .calendar import WorkCalendar
from .official import official_years
from .provisional import provisional_year
from .years import YearData


def build_calendar(
    *,
    overrides: Iterable[YearData] = (),
    local_days: Mapping[date, bool] = {},
    provisional_years: int = 1,
) -> WorkCalendar:
    """Build the working-day calendar from every source, in order of authority.

    1. ``official_years()`` (chinese_calendar);
    2. ``overrides`` — years entered by administrators (the State Council
       publishes the next year in autumn): an override replaces the package's
       year or adds one; the years must end up contiguous (ValueError naming
       the gap);
    3. ``provisional_year()`` for the ``provisional_years`` years after the last
       non-provisional year, unless an override already supplies that year;
    4. ``local_days`` (date → True working / False off), applied last; a local
       day in a year not covered is a ValueError.
    """
    if provisional_years < 0:
        raise ValueError("provisional_years must be >= 0")
    years = dict(official_years())
    for y in overrides:
        years[y.year] = y
    official = [y for y, data in years.items() if not data.provisional]
    if official:
        after = max(official)
        for y in range(after + 1, after + provisional_years + 1):
            years.setdefault(y, provisional_year(y))
    # WorkCalendar checks contiguity and the local days' years.
    return WorkCalendar(years.values(), local_days)
