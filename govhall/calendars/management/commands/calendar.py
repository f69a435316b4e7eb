"""``govhall calendar``: check and maintain the working-day calendar.

    govhall calendar add-workdays 2026-09-30 5
    govhall calendar deadline --start 2026-09-25 --days 20 --pause 2026-10-09:2026-10-20 --extend 10
    govhall calendar years
    govhall calendar show 2027
    govhall calendar template 2027 > 2027.json    # provisional schedule as a draft
    govhall calendar import 2027.json             # enter the official schedule
    govhall calendar local-day 2026-06-08 --holiday --name 本地节日 --reason 区政府通知

The computed date is the last line of the output, followed by the word
``provisional`` when it depends on a provisional year.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.calendars.selectors import work_calendar
from govhall.calendars.services import calendar_year_enter, calendar_year_parse, calendar_year_template, local_day_set
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.timing import CalendarRangeError, Pause, compute_deadline


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{what}: '{value}' is not a date (expected YYYY-MM-DD)") from None


def _count(value: str, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"{what}: '{value}' is not a whole number") from None
    if number < 0:
        raise CommandError(f"{what}: must not be negative (got {number})")
    return number


def _pause(value: str) -> Pause:
    start, sep, end = value.partition(":")
    if not sep:
        raise CommandError(f"--pause: '{value}' must be START:END (YYYY-MM-DD:YYYY-MM-DD)")
    return Pause(_date(start, "--pause start"), _date(end, "--pause end"))


class Command(BaseCommand):
    help = "Check and maintain the working-day calendar (add-workdays, deadline, years, show, template, import, local-day)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = sub.add_parser("add-workdays", help="the N-th working day strictly after DATE")
        add.add_argument("date")
        add.add_argument("n")
        deadline = sub.add_parser("deadline", help="deadline with pauses and extension")
        deadline.add_argument("--start", required=True, help="the day the period starts after (e.g. acceptance)")
        deadline.add_argument("--days", required=True, help="working days of the time limit")
        deadline.add_argument("--pause", action="append", default=[], metavar="P:R",
                              help="a pause from P to R (repeatable, in order)")
        deadline.add_argument("--extend", default="0", metavar="K", help="working days of extension")
        sub.add_parser("years", help="the covered years and whether each is official or provisional")
        show = sub.add_parser("show", help="the holidays and adjusted working days of a year")
        show.add_argument("year", type=int)
        template = sub.add_parser("template", help="print a year's provisional schedule as an import draft")
        template.add_argument("year", type=int)
        imp = sub.add_parser("import", help="enter an official schedule from a JSON file")
        imp.add_argument("path")
        local = sub.add_parser("local-day", help="declare a local holiday or working day")
        local.add_argument("date")
        kind = local.add_mutually_exclusive_group(required=True)
        kind.add_argument("--holiday", action="store_true")
        kind.add_argument("--workday", action="store_true")
        local.add_argument("--name", required=True)
        local.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**options)
        except CalendarRangeError as error:
            raise CommandError(str(error)) from None
        except DomainError as error:
            raise CommandError(f"{error.field or 'error'}: {error.message}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _result(self, day: date, provisional: bool) -> None:
        self.stdout.write(day.isoformat() + (" provisional" if provisional else ""))

    def do_add_workdays(self, *, date: str, n: str, **_):
        start, count = _date(date, "DATE"), _count(n, "N")
        calendar = work_calendar()
        result = calendar.add_workdays(start, count)
        self._result(result, calendar.is_provisional(start) or calendar.is_provisional(result))

    def do_deadline(self, *, start: str, days: str, pause: list[str], extend: str, **_):
        calendar = work_calendar()
        result = compute_deadline(
            calendar, start=_date(start, "--start"), days=_count(days, "--days"),
            pauses=[_pause(p) for p in pause], extension=_count(extend, "--extend"),
        )
        self._result(result.due, result.provisional)

    def do_years(self, **_):
        calendar = work_calendar()
        for year in calendar.years():
            status = "provisional" if year.provisional else "official"
            self.stdout.write(f"{year.year} {status}")

    def do_show(self, *, year: int, **_):
        calendar = work_calendar()
        if not calendar.first.year <= year <= calendar.last.year:
            raise CommandError(f"{year} is outside the calendar ({calendar.first.year}–{calendar.last.year})")
        if calendar.is_provisional(date(year, 1, 1)):
            self.stdout.write(f"{year} is PROVISIONAL (computed from the statutory holiday rules)")
        for day, name, is_workday in calendar.holidays_in(year):
            self.stdout.write(f"{day.isoformat()} {'上班' if is_workday else '放假'} {name}")

    def do_template(self, *, year: int, **_):
        self.stdout.write(json.dumps(calendar_year_template(year), ensure_ascii=False, indent=2))

    def do_import(self, *, path: str, **_):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: not a UTF-8 JSON file ({error})") from None
        parsed = calendar_year_parse(data)
        calendar_year_enter(actor=SYSTEM, **parsed)
        self.stdout.write(f"{parsed['year']}: official schedule entered ({len(parsed['holidays'])} holidays, "
                          f"{len(parsed['workdays'])} adjusted working days)")

    def do_local_day(self, *, date: str, holiday: bool, workday: bool, name: str, reason: str, **_):
        day = _date(date, "DATE")
        local_day_set(actor=SYSTEM, day=day, is_workday=workday, name=name, reason=reason)
        self.stdout.write(f"{day.isoformat()} {'上班' if workday else '放假'} {name}")
