"""Statistical periods: any run of dates, a month (YYYY-MM) or a quarter (YYYY-Qn).

A period is inclusive at both ends and speaks in the center's calendar
dates; ``bounds`` turns it into the aware moments that datetime columns
(fee paid, rated, alert raised, event at) are compared with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

# A longer period makes the daily series unreadable and the working-day
# arithmetic leave the calendar's years; a year is what reports need.
MAX_DAYS = 366

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


class PeriodError(ValueError):
    """A period that cannot be read or is not allowed; the message is for a person."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    kind: str = "range"  # "range", "month" or "quarter"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise PeriodError(_("开始日期不能晚于结束日期。"))
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise PeriodError(_("统计区间不能超过 %(days)s 天。") % {"days": MAX_DAYS})

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError(_("月份应为 1 至 12。"))
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError(_("季度应为 1 至 4。"))
        first = date(year, 3 * quarter - 2, 1)
        last = cls.month(year, 3 * quarter).end
        return cls(first, last, "quarter")

    @classmethod
    def parse_month(cls, text: str) -> Period:
        """``YYYY-MM`` → that month; PeriodError otherwise."""
        match = _MONTH.match((text or "").strip())
        if not match:
            raise PeriodError(_("月份格式应为 YYYY-MM，例如 2026-03。"))
        return cls.month(int(match[1]), int(match[2]))

    @classmethod
    def parse_quarter(cls, text: str) -> Period:
        """``YYYY-Qn`` (or ``YYYYQn``) → that quarter; PeriodError otherwise."""
        match = _QUARTER.match((text or "").strip())
        if not match:
            raise PeriodError(_("季度格式应为 YYYY-Qn，例如 2026-Q1。"))
        return cls.quarter(int(match[1]), int(match[2]))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """A person's name for the period: 2026年3月, 2026年第1季度, 2026-03-02 至 2026-03-20."""
        if self.kind == "month":
            return _("%(year)s年%(month)s月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return _("%(year)s年第%(quarter)s季度") % {"year": self.start.year, "quarter": (self.start.month + 2) // 3}
        return _("%(start)s 至 %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def code(self) -> str:
        """The period as the report command and the download links write it."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month + 2) // 3}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[first moment, first moment after) in the center's time zone."""
        zone = timezone.get_default_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]
