"""Changes in the hall: categories and their windows (center managers), and
a ticket's life — issued, called, recalled, no-show, transferred, served,
done. Each service checks the actor, runs in one transaction and writes one
audit event; the moment is passed in as ``at`` (docs/hall.md)."""

import re
import secrets
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govhall.core import clock, identity
from govhall.core.actors import Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.counters import counter_next
from govhall.core.errors import Conflict, DomainError, NotFound, NotPermitted
from govhall.hall import selectors
from govhall.hall.models import (
    AT_WINDOW,
    PRIORITY_RANK,
    ServiceCategory,
    Ticket,
    TicketCounter,
    TicketPriority,
    TicketSource,
    TicketState,
    WindowCategory,
)
from govhall.org.models import Center, Department, User, Window
from govhall.org.roles import CENTER_ROLES, READ_ONLY_ROLES, STAFF_ROLES, Role

CODE_PATTERN = re.compile(r"^[A-Z]$")
# Who may give which priority when issuing (the kiosk and the portal: the
# person himself; green channel only staff of the center).
STAFF_PRIORITIES = frozenset({TicketPriority.GREEN_CHANNEL})
SELF_PRIORITIES = frozenset({TicketPriority.NONE, TicketPriority.CARE})


# --- categories (center managers) -------------------------------------------------

def _require_hall_manager(actor: Actor, center: Center) -> None:
    """System administrators, and the managers of ``center`` or a center above it."""
    if is_system(actor) or actor.role == Role.SYSTEM_ADMIN or actor.is_superuser:
        return
    if actor.role == Role.CENTER_MANAGER and actor.center_id and center.path.startswith(actor.center.path):
        return
    raise NotPermitted(_("只有本中心的管理人员可以设置取号类别。"))


def _category_fields(*, center: Center, code: str, name: str, service_minutes: int, exclude: int | None = None):
    code = (code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise DomainError(_("号码字母须为一个大写英文字母。"), field="code")
    if ServiceCategory.objects.filter(center=center, code=code).exclude(pk=exclude).exists():
        raise DomainError(_("本中心已有使用该字母的取号类别。"), field="code")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写类别名称。"), field="name")
    if not 1 <= int(service_minutes) <= 240:
        raise DomainError(_("预计办理分钟数须在 1 到 240 之间。"), field="service_minutes")
    return code, name


@transaction.atomic
def category_create(*, actor: Actor, center: Center, code: str, name: str, description: str = "",
                    departments: list[Department] = (), service_minutes: int = 10) -> ServiceCategory:
    _require_hall_manager(actor, center)
    code, name = _category_fields(center=center, code=code, name=name, service_minutes=service_minutes)
    category = ServiceCategory.objects.create(center=center, code=code, name=name, description=description,
                                              service_minutes=service_minutes)
    category.departments.set(departments)
    audit_record(actor=actor, action="hall_category_create", target=category, data={"code": code, "name": name})
    return category


@transaction.atomic
def category_update(*, actor: Actor, category: ServiceCategory, name: str, description: str = "",
                    service_minutes: int = 10, active: bool = True) -> ServiceCategory:
    """Rename, re-estimate or (de)activate a category; its letter stays (the
    day's tickets carry it)."""
    _require_hall_manager(actor, category.center)
    _code, name = _category_fields(center=category.center, code=category.code, name=name,
                                   service_minutes=service_minutes, exclude=category.pk)
    category.name, category.description = name, description
    category.service_minutes, category.active = service_minutes, active
    category.save(update_fields=["name", "description", "service_minutes", "active"])
    audit_record(actor=actor, action="hall_category_update", target=category,
                 data={"code": category.code, "name": name, "active": active})
    return category


@transaction.atomic
def window_categories_set(*, actor: Actor, window: Window, categories: list[ServiceCategory]) -> None:
    """The categories ``window`` calls (a comprehensive window calls many)."""
    _require_hall_manager(actor, window.center)
    for category in categories:
        if category.center_id != window.center_id:
            raise DomainError(_("窗口只能服务本中心的取号类别。"), field="categories")
    WindowCategory.objects.filter(window=window).exclude(category__in=categories).delete()
    for category in categories:
        WindowCategory.objects.get_or_create(window=window, category=category)
    audit_record(actor=actor, action="hall_window_categories", target=window,
                 data={"window": window.number, "categories": "".join(sorted(c.code for c in categories))})


# --- tickets ----------------------------------------------------------------------

def _day(at: datetime):
    return clock.to_local_date(at)


def _allowed_priority(actor: Actor, *, source: str, priority: str, center: Center) -> None:
    if priority not in PRIORITY_RANK:
        raise DomainError(_("未知的优先类型。"), field="priority")
    if source not in TicketSource.values:
        raise DomainError(_("未知的取号方式。"), field="source")
    if priority == TicketPriority.APPOINTMENT:
        if source != TicketSource.APPOINTMENT:
            raise DomainError(_("预约优先号只能在预约签到时取得。"), field="priority")
        return
    if priority in STAFF_PRIORITIES and not _staff_of_center(actor, center):
        raise NotPermitted(_("绿色通道号只能由本中心工作人员发放。"), field="priority")


def _staff_of_center(actor: Actor, center: Center) -> bool:
    """Staff who work at ``center`` (placed there or in a department there),
    its managers (and those above), system administrators."""
    if is_system(actor) or actor.role not in STAFF_ROLES or actor.role in READ_ONLY_ROLES:
        return False
    if actor.role == Role.SYSTEM_ADMIN or actor.is_superuser:
        return True
    if actor.role in CENTER_ROLES:
        return bool(actor.center_id) and center.path.startswith(actor.center.path)
    return center.pk in {actor.center_id, getattr(actor.department, "center_id", None)}


def _served(category: ServiceCategory) -> bool:
    """Whether an active window calls ``category``."""
    return WindowCategory.objects.filter(category=category, window__active=True).exists()


@transaction.atomic
def ticket_issue(*, actor: Actor, category: ServiceCategory, source: str, priority: str = TicketPriority.NONE,
                 phone: str = "", at: datetime | None = None, client_address: str | None = None) -> Ticket:
    """Take a number (取号) in ``category``: the kiosk and the portal for
    the person himself (ordinary or care priority), staff also green
    channel, an appointment's check-in the appointment priority. Numbers
    run per category per day from 1, consecutively also under concurrency
    (core.counters)."""
    at = at or clock.now()
    if not category.active or not _served(category):
        raise DomainError(_("该类别暂不取号。"), field="category")
    _allowed_priority(actor, source=source, priority=priority, center=category.center)
    phone = identity.phone(phone.strip(), field="phone") if (phone or "").strip() else ""
    day = _day(at)
    sequence = counter_next(TicketCounter, category=category, day=day)
    ticket = Ticket.objects.create(
        center_id=category.center_id, category=category, day=day, sequence=sequence,
        number=f"{category.code}{sequence:03d}", code=secrets.token_urlsafe(9), source=source,
        priority=priority, rank=PRIORITY_RANK[priority], issued_at=at, queue_at=at,
        issued_by=person(actor), phone=phone,
    )
    audit_record(actor=actor, action="ticket_issue", target=ticket, client_address=client_address,
                 data={"number": ticket.number, "source": source, "priority": priority})
    return ticket


# Tickets still in the queue or at a window: one of these per person,
# category and day from the portal (docs/hall.md, "Numbers from the portal").
OPEN_STATES = frozenset({TicketState.WAITING}) | AT_WINDOW


def online_hours_check(category: ServiceCategory, *, at: datetime) -> None:
    """Numbers are taken online only on the hall's working days (govhall's
    work calendar) within office hours (GOVHALL_OFFICE_START–END): outside
    them nobody would call the number."""
    from govhall.hall.appointments import is_open_day

    local = timezone.localtime(at)
    start, end = settings.GOVHALL_OFFICE_START, settings.GOVHALL_OFFICE_END
    hours = f"{start:%H:%M}–{end:%H:%M}"
    if not is_open_day(local.date()):
        raise DomainError(_("今天不是工作日，{center}不办公，不能网上取号；请在工作日 {hours} 取号。").format(
            center=category.center.name, hours=hours), field="category")
    if not start <= local.time() < end:
        raise DomainError(_("网上取号时间为工作日 {hours}，现在不在取号时间内。").format(hours=hours),
                          field="category")


@transaction.atomic
def ticket_issue_online(*, actor: Actor, category: ServiceCategory, phone: str = "", care: bool = False,
                        at: datetime | None = None, client_address: str | None = None) -> Ticket:
    """Take a number from the portal (网上取号): a logged-in applicant (his
    account, and the phone he gives), or someone not logged in who gives a
    phone number. Only within the hall's working hours, and one open number
    (waiting, called or being served) per person, category and day — the
    person is the account when logged in, else the phone. Then the same
    ``ticket_issue`` as the kiosk (source ``portal``)."""
    at = at or clock.now()
    applicant = person(actor)
    if applicant is not None and not applicant.is_applicant:
        raise NotPermitted(_("工作人员请在工作台或取号机取号。"))
    # Spaces dropped, so that the same phone typed twice is the same person.
    phone = re.sub(r"\s+", "", phone or "")
    phone = identity.phone(phone, field="phone") if phone else ""
    if applicant is None and not phone:
        raise DomainError(_("未登录时请填写手机号码，用于核对和叫号提醒。"), field="phone")
    online_hours_check(category, at=at)
    # Two requests of one person at once give one number: the category's row
    # is locked on PostgreSQL; SQLite serializes writing transactions.
    ServiceCategory.objects.select_for_update().filter(pk=category.pk).first()
    mine = Ticket.objects.filter(category=category, day=_day(at), state__in=OPEN_STATES)
    mine = mine.filter(issued_by=applicant) if applicant is not None else mine.filter(phone=phone, issued_by=None)
    existing = mine.order_by("pk").first()
    if existing is not None:
        raise Conflict(_("您今天已取得“{category}”的号 {number}，办理完或过号后才能再取。").format(
            category=category.name, number=existing.number), field="category")
    return ticket_issue(actor=actor, category=category, source=TicketSource.PORTAL,
                        priority=TicketPriority.CARE if care else TicketPriority.NONE, phone=phone, at=at,
                        client_address=client_address)


def _require_at_window(actor: Actor, window: Window, *, at: datetime) -> None:
    """A clerk acts for a window he serves today (his own, or an absent A/B
    holder's) and only while signed in (docs/hall.md)."""
    if is_system(actor):
        raise NotPermitted(_("叫号须由窗口工作人员操作。"))
    day = _day(at)
    if actor.role in READ_ONLY_ROLES or window.pk not in {w.pk for w in selectors.staff_windows(actor, on=day)}:
        raise NotPermitted(_("您不在该窗口，不能为其叫号。"), field="window")
    if not selectors.staff_on_duty(actor, on=day):
        raise NotPermitted(_("请先签到：未签到的窗口不能叫号。"), field="window")


def _claim(ticket_id: int, values: dict, *, expected: str) -> bool:
    """Move one ticket on if it is still in ``expected`` state (exactly one
    of two clerks wins)."""
    return Ticket.objects.filter(pk=ticket_id, state=expected).update(**values) == 1


@transaction.atomic
def ticket_call_next(*, actor: Actor, window: Window, at: datetime | None = None) -> Ticket | None:
    """The clerk at ``window`` calls the next ticket of the window's queue
    (green channel, care, appointment, then the rest; within each, the
    earlier place in line). None when nobody waits.

    Two clerks calling at the same moment never get the same ticket: on
    PostgreSQL the candidate row is locked with SKIP LOCKED (the other
    clerk skips it and takes the next one); SQLite serializes writing
    transactions (IMMEDIATE); and the state change is a guarded update
    either way."""
    at = at or clock.now()
    _require_at_window(actor, window, at=at)
    if selectors.ticket_at_window(window, on=_day(at)) is not None:
        raise Conflict(_("本窗口还有正在叫号或办理的号，请先处理。"), field="window")
    queue = selectors.queue_for_window(window, on=_day(at))
    if connection.features.has_select_for_update_skip_locked:
        # One row at a time: locking more would let the other clerk skip
        # past tickets this call does not take.
        queue = queue.select_for_update(skip_locked=True)
    for _attempt in range(3):
        ticket_id = queue.values_list("pk", flat=True).first()
        if ticket_id is None:
            return None
        if _claim(ticket_id, {"state": TicketState.CALLED, "window": window, "called_at": at, "announced_at": at,
                              "called_by": actor}, expected=TicketState.WAITING):
            ticket = Ticket.objects.select_related("category", "window").get(pk=ticket_id)
            audit_record(actor=actor, action="ticket_call", target=ticket,
                         data={"number": ticket.number, "window": window.number})
            return ticket
    raise Conflict(_("叫号繁忙，请重试。"), field="window")


def _ticket_step(*, actor: Actor, ticket: Ticket, at: datetime | None, expected: frozenset, values: dict,
                 action: str, data: dict | None = None) -> Ticket:
    """A step of a ticket at its window, by a clerk serving that window."""
    at = at or clock.now()
    if ticket.window_id is None or ticket.state not in expected:
        raise Conflict(_("该号当前状态为“{state}”，不能进行此操作。").format(state=ticket.get_state_display()),
                       field="ticket")
    _require_at_window(actor, ticket.window, at=at)
    values = {key: (at if value is clock.now else value) for key, value in values.items()}
    if Ticket.objects.filter(pk=ticket.pk, state__in=expected).update(**values) != 1:
        raise Conflict(_("该号已被其他人处理，请刷新。"), field="ticket")
    ticket.refresh_from_db()
    audit_record(actor=actor, action=action, target=ticket, data={"number": ticket.number, **(data or {})})
    return ticket


@transaction.atomic
def ticket_recall(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """Call the same number again (重呼): the display and speech repeat it."""
    ticket = _ticket_step(actor=actor, ticket=ticket, at=at, expected=frozenset({TicketState.CALLED}),
                          values={"announced_at": clock.now, "recalls": F("recalls") + 1},
                          action="ticket_recall", data={"recalls": ticket.recalls + 1})
    return ticket


@transaction.atomic
def ticket_no_show(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """Nobody came (过号): the ticket ends; the person takes a new number."""
    return _ticket_step(actor=actor, ticket=ticket, at=at, expected=frozenset({TicketState.CALLED}),
                        values={"state": TicketState.NO_SHOW, "done_at": clock.now}, action="ticket_no_show")


@transaction.atomic
def ticket_start_service(*, actor: Actor, ticket: Ticket, case=None, at: datetime | None = None) -> Ticket:
    """The person is at the window (开始办理); ``case`` links the case the
    visit becomes, when it already exists."""
    values = {"state": TicketState.SERVING, "served_at": clock.now}
    if case is not None:
        _require_case_visible(actor, case)
        values["case"] = case
    return _ticket_step(actor=actor, ticket=ticket, at=at, expected=frozenset({TicketState.CALLED}),
                        values=values, action="ticket_start_service",
                        data={"case": case.number} if case is not None else None)


def _require_case_visible(actor: Actor, case) -> None:
    from govhall.cases.selectors import case_visible

    if not case_visible(actor, case):
        raise NotFound(_("办件不存在或不在您的可见范围内。"), field="case")


@transaction.atomic
def ticket_link_case(*, actor: Actor, ticket: Ticket, case, at: datetime | None = None) -> Ticket:
    """Link the case received during the service to the ticket."""
    _require_case_visible(actor, case)
    return _ticket_step(actor=actor, ticket=ticket, at=at, expected=frozenset({TicketState.SERVING}),
                        values={"case": case}, action="ticket_link_case", data={"case": case.number})


@transaction.atomic
def ticket_done(*, actor: Actor, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """The service ends (办结离柜)."""
    return _ticket_step(actor=actor, ticket=ticket, at=at, expected=frozenset({TicketState.SERVING}),
                        values={"state": TicketState.DONE, "done_at": clock.now}, action="ticket_done")


@transaction.atomic
def ticket_transfer(*, actor: Actor, ticket: Ticket, category: ServiceCategory | None = None,
                    window: Window | None = None, at: datetime | None = None) -> Ticket:
    """Send a called or served person on (转窗口/转类别): to another
    ``window`` (same number, only that window calls it), to another
    ``category`` (that category's next number), or both. The new ticket
    keeps its place in line (``queue_at``) and its priority: the person has
    waited once already. The old ticket ends as transferred."""
    at = at or clock.now()
    if category is None and window is None:
        raise DomainError(_("请选择转往的窗口或类别。"), field="category")
    target = category or ticket.category
    if target.center_id != ticket.center_id or not target.active:
        raise DomainError(_("只能转往本中心启用的取号类别。"), field="category")
    if window is not None:
        if window.center_id != ticket.center_id or not window.active:
            raise DomainError(_("只能转往本中心启用的窗口。"), field="window")
        if window.pk == ticket.window_id:
            raise DomainError(_("不能转回本窗口。"), field="window")
        if not selectors.window_category_ids(window):
            raise DomainError(_("窗口 {number} 未设置服务类别，没有人在该窗口叫号，不能转往。").format(
                number=window.number), field="window")
    elif target.pk == ticket.category_id:
        raise DomainError(_("转往的类别与原类别相同。"), field="category")
    elif not _served(target):
        raise DomainError(_("该类别没有窗口叫号，请指定窗口。"), field="category")
    old = _ticket_step(actor=actor, ticket=ticket, at=at, expected=AT_WINDOW,
                       values={"state": TicketState.TRANSFERRED, "done_at": clock.now}, action="ticket_transfer",
                       data={"to": f"{target.code}{'' if window is None else ' ' + window.number}"})
    if target.pk == old.category_id:
        sequence, number = old.sequence, old.number
    else:
        sequence = counter_next(TicketCounter, category=target, day=old.day)
        number = f"{target.code}{sequence:03d}"
    return Ticket.objects.create(
        center_id=old.center_id, category=target, day=old.day, sequence=sequence, number=number,
        code=secrets.token_urlsafe(9), source=old.source, priority=old.priority, rank=old.rank,
        issued_at=at, issued_by=actor, queue_at=old.queue_at, target_window=window,
        transferred_from=old, phone=old.phone, case=old.case,
    )


def user_may_call(user: User, *, on) -> bool:
    """Whether the calling panel is for ``user``: staff with a window to serve."""
    return (user.is_authenticated and user.role in STAFF_ROLES and user.role not in READ_ONLY_ROLES
            and bool(selectors.staff_windows(user, on=on)))
