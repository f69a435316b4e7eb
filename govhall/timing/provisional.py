"""A provisional year computed from the statutory holiday rules.

全国年节及纪念日放假办法 (as amended 2024-11-10, in force 2025) fixes the
holidays every citizen gets; the State Council then publishes each year's
schedule with adjusted working weekends. Until that notice exists we apply
the rules alone: the festivals of art. 2, the weekend compensation (补假) of
art. 6, and no adjusted working weekends (those are decided case by case).
"""

from __future__ import annotations

from datetime import date, timedelta

from chinese_calendar import get_solar_terms
from lunardate import LunarDate

from .years import YearData

_DAY = timedelta(days=1)


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    # 清明 is the day of the solar term, between April 4 and 6.
    for d, name in get_solar_terms(date(year, 4, 1), date(year, 4, 30)):
        if name == "清明":
            return d
    raise ValueError(f"no Qingming solar term found in {year}")  # pragma: no cover


def _festivals(year: int) -> list[tuple[str, list[date]]]:
    """The festival blocks of art. 2, in calendar order."""
    new_year = _lunar(year, 1, 1)
    return [
        ("元旦", [date(year, 1, 1)]),
        # 除夕 is the last day of the 12th lunar month (29th or 30th):
        # the day before the lunar new year.
        ("春节", [new_year - _DAY + timedelta(days=i) for i in range(4)]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
        ("端午节", [_lunar(year, 5, 5)]),
        ("中秋节", [_lunar(year, 8, 15)]),
        ("国庆节", [date(year, 10, 1) + timedelta(days=i) for i in range(3)]),
    ]


def provisional_year(year: int) -> YearData:
    """Return ``year`` computed from the statutory rules, marked provisional.

    全国年节及纪念日放假办法 art. 2: 元旦 1 day, 春节 4 days (除夕 to 正月初三),
    清明 1 day, 劳动节 May 1–2, 端午 1 day, 中秋 1 day, 国庆 Oct 1–3.
    Art. 6: a holiday falling on Saturday or Sunday is compensated on a working
    day — for each festival, one day off per weekend day, on the next
    Monday–Friday after the festival block that is not already a holiday.
    No adjusted working weekends are invented.
    """
    festivals = _festivals(year)
    holidays: dict[date, str] = {}
    # Lay down every festival first, so a compensation day never lands on a
    # later festival (e.g. 中秋 on the Saturday before 国庆).
    for name, days in festivals:
        for d in days:
            # Two festivals on one date (中秋 on Oct 1–3, as in 2028): art. 6
            # only compensates weekends, so the date stays a single holiday.
            holidays.setdefault(d, name)
    for name, days in festivals:
        owed = sum(1 for d in days if d.weekday() >= 5)
        d = max(days)
        while owed:
            d += _DAY
            if d.weekday() < 5 and d not in holidays:
                holidays[d] = f"{name}（补假）"
                owed -= 1
    return YearData(year, holidays, {}, provisional=True)
