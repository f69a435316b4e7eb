"""Changes to the working calendar: entering an official year (replacing the
provisional one) and local days. Only system administrators and center
managers change the calendar; every change bumps the revision so that every
process rebuilds its calendar."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from govhall.calendars.models import CalendarDay, CalendarRevision, CalendarYear, DayKind, LocalDay
from govhall.calendars.selectors import calendar_build_from_database, calendar_forget
from govhall.calendars.signals import calendar_changed
from govhall.core import clock
from govhall.core.actors import Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.org.roles import Role


def _require_calendar_admin(actor: Actor) -> None:
    if is_system(actor) or actor.is_superuser or actor.role in {Role.SYSTEM_ADMIN, Role.CENTER_MANAGER}:
        return
    raise NotPermitted(_("只有系统管理员或中心管理人员可以修改工作日历。"))


def _bump_revision() -> None:
    CalendarRevision.objects.get_or_create(pk=1)
    CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    calendar_forget()
    # After commit: a rolled-back change must not move any deadline.
    transaction.on_commit(lambda: calendar_changed.send(sender=CalendarRevision))


def _check_buildable() -> None:
    # Build the calendar from what this transaction wrote; a gap between
    # years or a local day outside the range rolls the change back.
    try:
        calendar_build_from_database()
    except ValueError as error:
        raise DomainError(str(error), field="year") from error


def _parse_day_map(raw: Any, *, year: int, field: str) -> dict[date, str]:
    if not isinstance(raw, dict):
        raise DomainError(_("%(field)s 应为“日期: 名称”的对象。") % {"field": field}, field=field)
    days: dict[date, str] = {}
    for key, name in raw.items():
        try:
            day = date.fromisoformat(str(key))
        except ValueError:
            raise DomainError(_("%(field)s 中的日期 %(value)s 无效（应为 YYYY-MM-DD）。") % {"field": field, "value": key}, field=field) from None
        if day.year != year:
            raise DomainError(_("%(field)s 中的日期 %(value)s 不在 %(year)s 年内。") % {"field": field, "value": key, "year": year}, field=field)
        if not isinstance(name, str) or not name.strip():
            raise DomainError(_("%(field)s 中 %(value)s 缺少节日名称。") % {"field": field, "value": key}, field=field)
        days[day] = name.strip()
    return days


def calendar_year_parse(data: Any) -> dict[str, Any]:
    """Check an official schedule given as
    ``{"year": 2027, "source": "…", "holidays": {"2027-01-01": "元旦", …},
    "workdays": {"2027-02-14": "春节", …}}`` and return its parts.

    ``holidays`` lists every day off (weekend days of a break may be listed
    too); ``workdays`` the weekend days that are working days (调休上班).
    """
    if not isinstance(data, dict):
        raise DomainError(_("文件内容应为一个对象。"), field="file")
    year = data.get("year")
    if not isinstance(year, int) or not 1900 < year < 2200:
        raise DomainError(_("year 应为四位年份。"), field="year")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise DomainError(_("source 必须写明放假安排的依据（通知文号或标题）。"), field="source")
    holidays = _parse_day_map(data.get("holidays", {}), year=year, field="holidays")
    workdays = _parse_day_map(data.get("workdays", {}), year=year, field="workdays")
    if not holidays:
        raise DomainError(_("holidays 不能为空。"), field="holidays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise DomainError(_("%(value)s 不能既放假又上班。") % {"value": both[0]}, field="workdays")
    weekday_workdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekday_workdays:
        raise DomainError(
            _("%(value)s 是周一至周五，本来就是工作日，不能登记为调休上班日。") % {"value": weekday_workdays[0]},
            field="workdays",
        )
    return {"year": year, "source": source.strip(), "holidays": holidays, "workdays": workdays}


@transaction.atomic
def calendar_year_enter(
    *, actor: Actor, year: int, source: str, holidays: dict[date, str], workdays: dict[date, str]
) -> CalendarYear:
    """Enter (or replace) the official schedule of ``year``. The year stops
    being provisional; every deadline computed from now on uses it."""
    _require_calendar_admin(actor)
    parsed = calendar_year_parse(
        {"year": year, "source": source,
         "holidays": {d.isoformat(): n for d, n in holidays.items()},
         "workdays": {d.isoformat(): n for d, n in workdays.items()}}
    )
    entry, created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": parsed["source"], "entered_by": person(actor), "entered_at": clock.now()}
    )
    entry.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar_year=entry, date=d, kind=DayKind.HOLIDAY, name=n) for d, n in sorted(parsed["holidays"].items())]
        + [CalendarDay(calendar_year=entry, date=d, kind=DayKind.WORKDAY, name=n) for d, n in sorted(parsed["workdays"].items())]
    )
    _check_buildable()
    _bump_revision()
    audit_record(
        actor=actor, action="calendar_year_enter", target=entry,
        data={"year": year, "source": parsed["source"], "replaced": not created,
              "holidays": len(parsed["holidays"]), "workdays": len(parsed["workdays"])},
    )
    return entry


@transaction.atomic
def calendar_year_remove(*, actor: Actor, year: int) -> None:
    """Remove an entered year: the package's data or the provisional
    calendar applies again."""
    _require_calendar_admin(actor)
    entry = CalendarYear.objects.filter(year=year).first()
    if entry is None:
        raise DomainError(_("%(year)s 年没有录入的放假安排。") % {"year": year}, field="year")
    audit_record(actor=actor, action="calendar_year_remove", target=entry, data={"year": year})
    entry.delete()
    _check_buildable()
    _bump_revision()


@transaction.atomic
def local_day_set(*, actor: Actor, day: date, is_workday: bool, name: str, reason: str) -> LocalDay:
    """Declare a local holiday or working day (applied after official data)."""
    _require_calendar_admin(actor)
    if not name.strip():
        raise DomainError(_("请填写名称。"), field="name")
    if not reason.strip():
        raise DomainError(_("请填写依据。"), field="reason")
    local, _created = LocalDay.objects.update_or_create(
        date=day, defaults={"is_workday": is_workday, "name": name.strip(), "reason": reason.strip()}
    )
    _check_buildable()
    _bump_revision()
    audit_record(actor=actor, action="local_day_set", target=local,
                 data={"date": day.isoformat(), "is_workday": is_workday, "name": name})
    return local


@transaction.atomic
def local_day_remove(*, actor: Actor, day: date) -> None:
    """Withdraw a local day: the official calendar applies again on it."""
    _require_calendar_admin(actor)
    local = LocalDay.objects.filter(date=day).first()
    if local is None:
        raise DomainError(_("%(value)s 没有本地调整。") % {"value": day}, field="date")
    audit_record(actor=actor, action="local_day_remove", target=local, data={"date": day.isoformat()})
    local.delete()
    _bump_revision()


def calendar_year_template(year: int) -> dict[str, Any]:
    """The provisional schedule of ``year`` in the import format: a starting
    point that an administrator corrects against the State Council notice."""
    from govhall.timing import provisional_year

    data = provisional_year(year)
    return {
        "year": year,
        "source": "",
        "holidays": {d.isoformat(): n for d, n in sorted(data.holidays.items())},
        "workdays": {d.isoformat(): n for d, n in sorted(data.workdays.items())},
    }
