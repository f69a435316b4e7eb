"""One year of working-day data: the deviations from a plain Monday–Friday week."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType


@dataclass(frozen=True)
class YearData:
    """The days of one calendar year that deviate from Monday–Friday.

    ``holidays`` are dates off work (any weekday; the weekend days of a break
    may be listed too, for display), ``workdays`` are weekend dates that are
    working days (调休上班日). Names are free text, Chinese or English.
    ``provisional`` marks a year computed from the statutory rules instead
    of the State Council's published schedule.
    """

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    provisional: bool = False

    def __post_init__(self) -> None:
        # Copy into read-only mappings: a calendar built from this year must
        # not change behind its back when the caller mutates its dict.
        holidays = MappingProxyType(dict(self.holidays))
        workdays = MappingProxyType(dict(self.workdays))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        for kind, days in (("holiday", holidays), ("workday", workdays)):
            for d in days:
                # datetime is a subclass of date; a datetime key would never
                # match a date lookup, so refuse it instead of ignoring it.
                if not isinstance(d, date) or isinstance(d, datetime):
                    raise ValueError(f"{kind} {d!r} of {self.year} is not a date")
                if d.year != self.year:
                    raise ValueError(f"{kind} {d} is not in year {self.year}")
        for d in workdays:
            if d.weekday() < 5:
                raise ValueError(
                    f"workday {d} of {self.year} is a weekday; only weekend days "
                    "can be adjusted working days"
                )
        both = sorted(set(holidays) & set(workdays))
        if both:
            raise ValueError(
                f"{both[0]} is both a holiday and a working day in {self.year}"
            )
