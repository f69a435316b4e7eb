"""Official schedules published by the State Council, via ``chinese_calendar``."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date

from chinese_calendar import constants

from .years import YearData


# The package names festivals in English; notices and screens use Chinese.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@functools.cache
def official_years() -> dict[int, YearData]:
    """Return the official years (2004–2026 with chinesecalendar 1.11), by year.

    Read once from the package's tables (``constants.holidays`` and
    ``constants.workdays``); its per-day functions are far too slow for
    deadline arithmetic. Cached: the returned dict must not be mutated.
    """
    holidays: dict[int, dict[date, str]] = defaultdict(dict)
    workdays: dict[int, dict[date, str]] = defaultdict(dict)
    for d, name in constants.holidays.items():
        holidays[d.year][d] = CHINESE_NAMES.get(str(name), str(name))
    for d, name in constants.workdays.items():
        workdays[d.year][d] = CHINESE_NAMES.get(str(name), str(name))
    first = min(holidays.keys() | workdays.keys())
    last = max(holidays.keys() | workdays.keys())
    # Every year in between is official even if it had no deviation at all.
    return {
        y: YearData(y, holidays.get(y, {}), workdays.get(y, {}))
        for y in range(first, last + 1)
    }
