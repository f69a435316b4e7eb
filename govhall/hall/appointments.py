"""Appointments (预约, docs/hall.md "Appointments"): a category's weekly
slot pattern set by the hall manager, an applicant's booking and
cancellation on the portal, the check-in at the kiosk that issues a ticket
of appointment priority, and the scheduled sweep that marks no-shows and
sends the SMS reminders.

A slot of a day is a ``Slot`` row from its first booking on; its ``booked``
counter moves only by a guarded ``UPDATE … SET booked = booked + 1 WHERE
booked < capacity``, so two people booking the last place at the same
moment never both get it, on SQLite and PostgreSQL alike (a check
constraint backs it). Each change runs in one transaction, checks the
actor and writes one audit event; the moment is passed in as ``at``."""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from govhall.calendars.selectors import work_calendar
from govhall.core import clock, identity
from govhall.core.actors import SYSTEM, Actor
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotFound, NotPermitted
from govhall.hall.models import (
    ACTIVE_APPOINTMENTS,
    Appointment,
    AppointmentState,
    ServiceCategory,
    Slot,
    SlotPattern,
    TicketPriority,
    TicketSource,
)
from govhall.hall.services import _require_hall_manager, ticket_issue
from govhall.timing.calendar import CalendarRangeError

# The booking code's letters: no 0/O, 1/I/L (read aloud, typed on a kiosk).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
WEEKDAYS = range(7)
# The hour-before reminder goes out this long before the slot starts.
REMIND_BEFORE = timedelta(hours=1)
MAX_CAPACITY = 200


# --- reading the slots ------------------------------------------------------------------

@dataclass(frozen=True)
class OpenSlot:
    """A slot one may look at: from the pattern, or its row once booked."""

    category_id: int
    day: date
    start: datetime
    end: datetime
    capacity: int
    booked: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


def _local(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def is_open_day(day: date) -> bool:
    """A working day of the hall (govhall/timing's calendar); days beyond the
    calendar's years are not open."""
    try:
        return work_calendar().is_workday(day)
    except CalendarRangeError:
        return False


def booking_days(*, at: datetime) -> list[date]:
    """The working days one may book on: today and the next
    GOVHALL_APPOINTMENT_DAYS - 1 calendar days."""
    today = clock.to_local_date(at)
    days = (today + timedelta(days=n) for n in range(settings.GOVHALL_APPOINTMENT_DAYS))
    return [day for day in days if is_open_day(day)]


def day_slots(category: ServiceCategory, day: date) -> list[OpenSlot]:
    """The slots of ``category`` on ``day``: the rows already booked, and the
    pattern's slots not yet booked (a pattern changed later leaves booked
    rows as they are)."""
    rows = {slot.start: OpenSlot(category.pk, day, slot.start, slot.end, slot.capacity, slot.booked)
            for slot in Slot.objects.filter(category=category, day=day)}
    if is_open_day(day):
        for pattern in SlotPattern.objects.filter(category=category, weekday=day.weekday()):
            start = _local(day, pattern.start)
            rows.setdefault(start, OpenSlot(category.pk, day, start, _local(day, pattern.end), pattern.capacity, 0))
    return sorted(rows.values(), key=lambda s: s.start)


def bookable_slots(category: ServiceCategory, *, at: datetime) -> list[tuple[date, list[OpenSlot]]]:
    """Per open day of the booking window, the slots still to start (with
    their remaining places; full ones included, shown as full)."""
    if not category.active:
        return []
    out = []
    for day in booking_days(at=at):
        slots = [s for s in day_slots(category, day) if s.start > at]
        if slots:
            out.append((day, slots))
    return out


def bookable_categories(*, center_id: int | None = None):
    """Active categories with a slot pattern (the portal's first step)."""
    categories = ServiceCategory.objects.filter(active=True, slot_patterns__isnull=False).distinct()
    if center_id is not None:
        categories = categories.filter(center_id=center_id)
    return categories.select_related("center").order_by("center__path", "code")


# --- the no-show rule ---------------------------------------------------------------------

def blocked_until(applicant, *, at: datetime) -> datetime | None:
    """When the applicant may book again, if the no-show rule blocks him now:
    GOVHALL_APPOINTMENT_NO_SHOW_LIMIT no-shows whose slots lie within
    GOVHALL_APPOINTMENT_NO_SHOW_DAYS days of each other block booking for
    GOVHALL_APPOINTMENT_BLOCK_DAYS days after the slot of the last of them."""
    limit = settings.GOVHALL_APPOINTMENT_NO_SHOW_LIMIT
    span = timedelta(days=settings.GOVHALL_APPOINTMENT_NO_SHOW_DAYS)
    block = timedelta(days=settings.GOVHALL_APPOINTMENT_BLOCK_DAYS)
    starts = list(Appointment.objects.filter(
        applicant=applicant, state=AppointmentState.NO_SHOW, slot__start__gte=at - span - block,
        slot__start__lte=at).order_by("slot__start").values_list("slot__start", flat=True))
    until = None
    for first, last in zip(starts, starts[limit - 1:]):
        if last - first <= span and at < last + block:
            until = last + block
    return until


def no_show_count(applicant, *, at: datetime) -> int:
    """The applicant's no-shows of the last GOVHALL_APPOINTMENT_NO_SHOW_DAYS days."""
    return Appointment.objects.filter(
        applicant=applicant, state=AppointmentState.NO_SHOW,
        slot__start__gte=at - timedelta(days=settings.GOVHALL_APPOINTMENT_NO_SHOW_DAYS), slot__start__lte=at).count()


# --- the pattern (hall managers) ------------------------------------------------------

@dataclass(frozen=True)
class PatternRow:
    weekday: int
    start: time
    end: time
    capacity: int


def pattern_rows(*, weekdays, periods: str, minutes: int, capacity: int) -> list[PatternRow]:
    """The slots of a pattern from what a manager types: weekdays (0–6),
    periods like "09:00-12:00, 14:00-17:00" cut into slots of ``minutes``,
    ``capacity`` people each."""
    weekdays = sorted({int(d) for d in weekdays})
    if not weekdays or any(d not in WEEKDAYS for d in weekdays):
        raise DomainError(_("请选择开放预约的星期。"), field="weekdays")
    if not 10 <= int(minutes) <= 240:
        raise DomainError(_("每个时段的分钟数须在 10 到 240 之间。"), field="minutes")
    if not 1 <= int(capacity) <= MAX_CAPACITY:
        raise DomainError(_("每个时段可预约人数须在 1 到 {n} 之间。").format(n=MAX_CAPACITY), field="capacity")
    cuts: list[tuple[time, time]] = []
    for part in (p.strip() for p in (periods or "").replace("，", ",").split(",")):
        if not part:
            continue
        try:
            first, last = (time.fromisoformat(t.strip()) for t in part.replace("—", "-").split("-"))
        except ValueError:
            raise DomainError(_("时间段格式应为 09:00-12:00，多个用逗号分隔。"), field="periods") from None
        if last <= first:
            raise DomainError(_("时间段的结束须晚于开始：{part}").format(part=part), field="periods")
        moment = datetime.combine(date.min, first)
        while moment + timedelta(minutes=minutes) <= datetime.combine(date.min, last):
            cuts.append((moment.time(), (moment + timedelta(minutes=minutes)).time()))
            moment += timedelta(minutes=minutes)
    if not cuts:
        raise DomainError(_("请填写至少容纳一个时段的时间段，如 09:00-12:00。"), field="periods")
    starts = [c[0] for c in cuts]
    if len(set(starts)) != len(starts) or any(a[1] > b[0] for a, b in zip(sorted(cuts), sorted(cuts)[1:])):
        raise DomainError(_("时间段不能重叠。"), field="periods")
    return [PatternRow(day, first, last, int(capacity)) for day in weekdays for first, last in cuts]


@transaction.atomic
def slot_pattern_set(*, actor: Actor, category: ServiceCategory, rows: list[PatternRow],
                     at: datetime | None = None) -> int:
    """Replace the weekly slot pattern of ``category`` (an empty list stops
    booking). Days already booked keep their slots and bookings; their
    capacity follows the new pattern where it still has the slot, never
    below the places already booked."""
    at = at or clock.now()
    _require_hall_manager(actor, category.center)
    SlotPattern.objects.filter(category=category).delete()
    SlotPattern.objects.bulk_create([SlotPattern(category=category, weekday=r.weekday, start=r.start, end=r.end,
                                                 capacity=r.capacity) for r in rows])
    by_slot = {(r.weekday, r.start): r.capacity for r in rows}
    for slot in Slot.objects.filter(category=category, start__gt=at):
        local = timezone.localtime(slot.start)
        capacity = by_slot.get((local.weekday(), local.time()))
        if capacity is not None and capacity != slot.capacity:
            Slot.objects.filter(pk=slot.pk).update(capacity=max(capacity, slot.booked))
    audit_record(actor=actor, action="hall_slot_pattern_set", target=category, at=at, data={
        "code": category.code, "slots": len(rows),
        "weekdays": "".join(str(d + 1) for d in sorted({r.weekday for r in rows}))})
    return len(rows)


# --- booking and cancelling (applicants) ----------------------------------------------------

def _require_applicant(actor: Actor) -> None:
    if actor is SYSTEM or not getattr(actor, "is_authenticated", False) or not actor.is_applicant:
        raise NotPermitted(_("请以办事人身份登录后预约。"))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))


@transaction.atomic
def appointment_book(*, actor: Actor, category: ServiceCategory, start: datetime, phone: str = "",
                     at: datetime | None = None, client_address: str | None = None) -> Appointment:
    """Book the slot of ``category`` starting at ``start`` for the logged-in
    applicant: a slot of the booking window still to start with a place
    left; one active booking per applicant, category and day; not while the
    no-show rule blocks him. ``phone`` (for the reminders) defaults to his
    account's."""
    at = at or clock.now()
    _require_applicant(actor)
    if not category.active:
        raise DomainError(_("该类别暂不接受预约。"), field="category")
    if start is None or timezone.is_naive(start):
        raise DomainError(_("请选择预约时段。"), field="start")
    day = clock.to_local_date(start)
    offered = next((s for s in day_slots(category, day) if s.start == start), None)
    if offered is None or day not in booking_days(at=at):
        raise DomainError(_("该时段不在可预约范围内。"), field="start")
    if start <= at:
        raise DomainError(_("该时段已开始，不能预约。"), field="start")
    phone = identity.phone(phone or actor.phone or "", field="phone")
    until = blocked_until(actor, at=at)
    if until is not None:
        raise NotPermitted(_("您近期多次预约未到，{until} 前不能网上预约，请到大厅现场取号。").format(
            until=timezone.localtime(until).strftime("%Y-%m-%d")), field="start")
    if Appointment.objects.filter(applicant=actor, category=category, day=day, state__in=ACTIVE_APPOINTMENTS).exists():
        raise Conflict(_("您当天已预约该类别，如需改期请先取消。"), field="start")
    slot, _created = Slot.objects.get_or_create(category=category, start=start, defaults={
        "day": day, "end": offered.end, "capacity": offered.capacity})
    if Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1) != 1:
        raise Conflict(_("该时段已约满，请选择其他时段。"), field="start")
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                applicant=actor, category=category, slot=slot, day=day, code=_new_code(), phone=phone,
                booked_at=at)
    except IntegrityError:  # the same applicant booking the same day twice at once
        raise Conflict(_("您当天已预约该类别，如需改期请先取消。"), field="start") from None
    audit_record(actor=actor, action="appointment_book", target=appointment, at=at,
                 client_address=client_address, data=_audit_data(appointment))
    return appointment


def _audit_data(appointment: Appointment) -> dict:
    return {"code": appointment.code, "category": appointment.category.code,
            "slot": timezone.localtime(appointment.slot.start).strftime("%Y-%m-%d %H:%M")}


def _move(appointment: Appointment, values: dict, *, expected: str = AppointmentState.BOOKED) -> None:
    """Change a booking still in ``expected`` state (one of two racing changes wins)."""
    if Appointment.objects.filter(pk=appointment.pk, state=expected).update(**values) != 1:
        appointment.refresh_from_db()
        raise Conflict(_("该预约当前为“{state}”，不能进行此操作。").format(state=appointment.get_state_display()),
                       field="appointment")
    for key, value in values.items():
        setattr(appointment, key, value)


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Appointment, at: datetime | None = None,
                       client_address: str | None = None) -> Appointment:
    """The applicant cancels his booking before the slot starts; the place is free again."""
    at = at or clock.now()
    if actor is SYSTEM or getattr(actor, "pk", None) != appointment.applicant_id:
        raise NotPermitted(_("只能取消本人的预约。"), field="appointment")
    if appointment.slot.start <= at:
        raise DomainError(_("预约时段已开始，不能再取消。"), field="appointment")
    _move(appointment, {"state": AppointmentState.CANCELLED, "cancelled_at": at})
    Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    audit_record(actor=actor, action="appointment_cancel", target=appointment, at=at,
                 client_address=client_address, data=_audit_data(appointment))
    return appointment


# --- check-in at the hall ---------------------------------------------------------------------

def checkin_window(appointment: Appointment) -> tuple[datetime, datetime]:
    """From GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES before the slot's start
    to GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES after it."""
    start = appointment.slot.start
    return (start - timedelta(minutes=settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES),
            start + timedelta(minutes=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES))


def month_day(moment: datetime | date) -> str:
    """A day without the year in the reader's language: 12月7日, December 7
    (the format is translated, msgctxt "date format")."""
    return formats.date_format(moment, pgettext("date format", "n月j日"))


def _when(moment: datetime, *, at: datetime) -> str:
    """A moment for a person: "09:30" today, "12月7日 09:30" another day."""
    local = timezone.localtime(moment)
    day = "" if local.date() == clock.to_local_date(at) else f"{month_day(local)} "
    return f"{day}{local:%H:%M}"


def appointment_find(*, center, code: str, phone: str = "") -> Appointment:
    """The booking a kiosk of ``center`` is shown: by its code, and when a
    phone is typed too, only if it is the booking's."""
    code = (code or "").strip().upper().replace(" ", "")
    if not code:
        raise DomainError(_("请输入预约码。"), field="code")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise DomainError(_("预约码为 8 位字母和数字。"), field="code")
    appointment = (Appointment.objects.filter(code=code).select_related("slot", "category", "category__center")
                   .first())
    if appointment is None:
        raise NotFound(_("没有预约码为 {code} 的预约，请核对预约码（见“我的预约”或预约短信）。").format(code=code),
                       field="code")
    if appointment.category.center_id != center.pk:
        raise NotFound(_("预约码 {code} 是{center}的预约，请到该中心签到。").format(
            code=code, center=appointment.category.center.name), field="code")
    phone = re.sub(r"\s+", "", phone or "")
    if phone and phone != appointment.phone:
        raise NotFound(_("手机号码与该预约登记的号码不一致；请核对，或不填手机号码只凭预约码签到。"), field="phone")
    return appointment


@transaction.atomic
def appointment_check_in(*, actor: Actor, appointment: Appointment, at: datetime | None = None,
                         client_address: str | None = None):
    """Check in at the hall (预约签到) within the check-in window: the
    booking becomes a ticket of appointment priority (source
    ``appointment``), called after green channel and care, before everyone
    else."""
    at = at or clock.now()
    slot = _when(appointment.slot.start, at=at)
    if appointment.state == AppointmentState.CHECKED_IN:
        raise Conflict(_("该预约已签到，排队号 {number}，请留意叫号。").format(
            number=appointment.ticket.number if appointment.ticket_id else "—"), field="code")
    if appointment.state == AppointmentState.CANCELLED:
        raise Conflict(_("该预约（{slot}）已取消，不能签到；请现场取号。").format(slot=slot), field="code")
    if appointment.state == AppointmentState.NO_SHOW:
        raise Conflict(_("该预约（{slot}）已过期，记为爽约；请现场取号。").format(slot=slot), field="code")
    if appointment.state != AppointmentState.BOOKED:
        raise Conflict(_("该预约当前为“{state}”，不能签到。").format(state=appointment.get_state_display()),
                       field="code")
    opens, closes = checkin_window(appointment)
    if at < opens:
        raise DomainError(_("该预约时段为 {slot}，签到时间为开始前 {early} 分钟至开始后 {late} 分钟，请于 {opens} 后再来签到。")
                          .format(slot=slot, early=settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES,
                                  late=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES,
                                  opens=_when(opens, at=at)), field="code")
    if at > closes:
        raise DomainError(_("该预约时段为 {slot}，签到已于 {closes} 截止（开始后 {late} 分钟），请现场取号。").format(
            slot=slot, closes=_when(closes, at=at), late=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES),
            field="code")
    ticket = ticket_issue(actor=actor, category=appointment.category, source=TicketSource.APPOINTMENT,
                          priority=TicketPriority.APPOINTMENT, phone=appointment.phone, at=at,
                          client_address=client_address)
    _move(appointment, {"state": AppointmentState.CHECKED_IN, "checked_in_at": at, "ticket": ticket})
    audit_record(actor=actor, action="appointment_check_in", target=appointment, at=at,
                 client_address=client_address, data={**_audit_data(appointment), "number": ticket.number})
    return ticket


# --- the scheduled sweep: no-shows and reminders -------------------------------------------------

@transaction.atomic
def appointment_no_shows_mark(*, at: datetime | None = None) -> int:
    """Bookings nobody checked in for, once the slot has ended and the
    check-in window closed, become no-shows (counted for the no-show rule)."""
    at = at or clock.now()
    late = timedelta(minutes=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES)
    candidates = (Appointment.objects.filter(state=AppointmentState.BOOKED, day__lte=clock.to_local_date(at),
                                             slot__end__lte=at, slot__start__lte=at - late)
                  .select_related("slot", "category"))
    marked = 0
    for appointment in candidates:
        if Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.BOOKED).update(
                state=AppointmentState.NO_SHOW, no_show_at=at) == 1:
            audit_record(actor=SYSTEM, action="appointment_no_show", target=appointment, at=at,
                         data=_audit_data(appointment))
            marked += 1
    return marked


def _reminder_text(appointment: Appointment) -> str:
    start = timezone.localtime(appointment.slot.start)
    return _("【{center}】您已预约 {date} {time} 的“{category}”，请在开始前 {early} 分钟至开始后 {late} 分钟内到大厅"
             "自助取号机凭预约码 {code} 签到取号。如不能前来，请在网上取消预约。").format(
        center=appointment.category.center.name, date=month_day(start), time=start.strftime("%H:%M"),
        category=appointment.category.name, code=appointment.code,
        early=settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES,
        late=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES)


def _reminder_failed(appointment_id: int):
    def record(description: str) -> None:
        appointment = Appointment.objects.filter(pk=appointment_id).first()
        if appointment is not None:
            audit_record(actor=SYSTEM, action="appointment_remind_failed", target=appointment,
                         data={"code": appointment.code, "error": description})
    return record


def appointment_reminders_send(*, at: datetime | None = None) -> int:
    """The SMS reminders (docs/hall.md): the day before, from
    GOVHALL_APPOINTMENT_REMIND_AT local time, and an hour before the slot;
    each once (a guarded update claims it, so two workers never both send),
    and not for a booking made after its moment (he has just booked). The
    messages go out through the SMS backend once the claim commits."""
    from govhall.evaluation.sms import sms_send_on_commit

    at = at or clock.now()
    today = clock.to_local_date(at)
    sent = 0
    open_bookings = Appointment.objects.filter(state=AppointmentState.BOOKED, slot__start__gt=at).select_related(
        "slot", "category", "category__center")
    day_before = timezone.make_aware(datetime.combine(today, settings.GOVHALL_APPOINTMENT_REMIND_AT))
    kinds = []
    if at >= day_before:
        kinds.append(("reminded_day_at", open_bookings.filter(day=today + timedelta(days=1),
                                                              reminded_day_at__isnull=True, booked_at__lt=day_before)))
    kinds.append(("reminded_hour_at", open_bookings.filter(
        slot__start__lte=at + REMIND_BEFORE, reminded_hour_at__isnull=True,
        booked_at__lt=F("slot__start") - REMIND_BEFORE)))
    for field, bookings in kinds:
        for appointment in bookings:
            with transaction.atomic():
                claimed = Appointment.objects.filter(Q(**{f"{field}__isnull": True}), pk=appointment.pk,
                                                     state=AppointmentState.BOOKED).update(**{field: at})
                if claimed:
                    audit_record(actor=SYSTEM, action="appointment_remind", target=appointment, at=at,
                                 data={"code": appointment.code, "when": "day" if field == "reminded_day_at" else "hour"})
                    sms_send_on_commit(appointment.phone, _reminder_text(appointment),
                                       failed=_reminder_failed(appointment.pk))
                    sent += 1
    return sent
