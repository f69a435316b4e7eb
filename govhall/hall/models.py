"""The hall (DESIGN 3.13): service categories people take a number for, the
windows that serve them, and the tickets (取号 → 叫号 → 办理 → 离柜).

Designed for the whole of issue 16: categories, window mappings and
tickets; appointments (time slots with capacity, a booking checked in at
the hall becomes a priority ticket of source ``appointment``); the duty
roster (排班) of windows per day and half-day (docs/hall.md).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.core.masking import mask_phone
from govhall.org.models import Center, Department, User, Window

# Minutes one service takes when a category has no history yet.
DEFAULT_SERVICE_MINUTES = 10


class ServiceCategory(models.Model):
    """What a person takes a number for (取号类别): 企业开办, 社保医保 …

    ``code`` is the letter printed before the number (A012). The departments
    it covers are for the guide page and the statistics; which windows call
    it is ``WindowCategory``.
    """

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="service_categories")
    code = models.CharField(_("号码字母"), max_length=1, help_text=_("一个大写字母，如 A"))
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    departments = models.ManyToManyField(Department, verbose_name=_("涵盖部门"), blank=True, related_name="+")
    service_minutes = models.PositiveSmallIntegerField(
        _("预计每件办理分钟数"), default=DEFAULT_SERVICE_MINUTES,
        help_text=_("尚无近期办理记录时用于估算等候时间"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("取号类别")
        verbose_name_plural = _("取号类别")
        ordering = ["center__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="hall_category_code_per_center"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WindowCategory(models.Model):
    """A window serves a category (a comprehensive window serves many)."""

    window = models.ForeignKey(Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="hall_categories")
    category = models.ForeignKey(ServiceCategory, verbose_name=_("取号类别"), on_delete=models.CASCADE,
                                 related_name="windows")

    class Meta:
        verbose_name = _("窗口服务类别")
        verbose_name_plural = _("窗口服务类别")
        constraints = [
            models.UniqueConstraint(fields=["window", "category"], name="hall_window_category_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.window} · {self.category}"


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("自助取号机")
    PORTAL = "portal", _("网上大厅")
    API = "api", _("接口")
    APPOINTMENT = "appointment", _("预约签到")


class TicketPriority(models.TextChoices):
    NONE = "none", _("普通")
    GREEN_CHANNEL = "green_channel", _("绿色通道")
    CARE = "care", _("关怀（老年人、残疾人等）")
    APPOINTMENT = "appointment", _("预约")


# The order of the queue: lower rank first, then the earlier place in line
# (docs/hall.md, "Who is called first").
PRIORITY_RANK = {
    TicketPriority.GREEN_CHANNEL: 0,
    TicketPriority.CARE: 1,
    TicketPriority.APPOINTMENT: 2,
    TicketPriority.NONE: 3,
}


class TicketState(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号")
    TRANSFERRED = "transferred", _("已转移")
    CANCELLED = "cancelled", _("已取消")


# A ticket at a window: the person is being called or served there.
AT_WINDOW = frozenset({TicketState.CALLED, TicketState.SERVING})
FINISHED = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.TRANSFERRED, TicketState.CANCELLED})


class Ticket(models.Model):
    """One number taken on one day (排队号).

    ``number`` is the category's letter and the day's sequence (A012),
    unique per category and day; a ticket moved to another window keeps its
    number (a new row, ``transferred_from`` the old one), one moved to
    another category gets that category's next number. ``queue_at`` is its
    place in line: the moment it was issued, kept across transfers.
    ``code`` is the random token of the public ticket page (a person's
    phone, the API), so that numbers cannot be walked through.
    """

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(ServiceCategory, verbose_name=_("取号类别"), on_delete=models.PROTECT,
                                 related_name="tickets")
    day = models.DateField(_("日期"))
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=8)
    code = models.CharField(_("查询码"), max_length=16, unique=True)
    source = models.CharField(_("取号方式"), max_length=16, choices=TicketSource.choices)
    priority = models.CharField(_("优先"), max_length=16, choices=TicketPriority.choices, default=TicketPriority.NONE)
    rank = models.PositiveSmallIntegerField(_("优先级"), default=PRIORITY_RANK[TicketPriority.NONE])
    state = models.CharField(_("状态"), max_length=16, choices=TicketState.choices, default=TicketState.WAITING)
    issued_at = models.DateTimeField(_("取号时间"))
    issued_by = models.ForeignKey(User, verbose_name=_("取号人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    queue_at = models.DateTimeField(_("排队时间"))
    target_window = models.ForeignKey(Window, verbose_name=_("指定窗口"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, verbose_name=_("办理窗口"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    called_by = models.ForeignKey(User, verbose_name=_("叫号人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    announced_at = models.DateTimeField(_("最近呼叫时间"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    served_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    transferred_from = models.OneToOneField("self", verbose_name=_("转自"), null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="transferred_to")
    case = models.ForeignKey("cases.Case", verbose_name=_("关联办件"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="tickets")
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        constraints = [
            # A ticket moved to another window keeps its number (transferred_from set).
            models.UniqueConstraint(fields=["category", "day", "sequence"], condition=Q(transferred_from__isnull=True),
                                    name="hall_ticket_number_per_category_day"),
            models.CheckConstraint(condition=Q(rank__lte=3), name="hall_ticket_rank_known"),
        ]
        indexes = [
            # ticket_call_next: the waiting tickets of a center's day in queue order.
            models.Index(fields=["center", "day", "state", "rank", "queue_at"], name="hall_ticket_queue_idx"),
            # The display: the latest calls of a center's day.
            models.Index(fields=["center", "day", "announced_at"], name="hall_ticket_announced_idx"),
            # Service time of a category (expected wait).
            models.Index(fields=["category", "done_at"], name="hall_ticket_service_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.day:%Y-%m-%d}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class TicketCounter(models.Model):
    """The last number handed out per category and day (core.counters)."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "day"], name="hall_ticket_counter_category_day")]


# --- appointments (预约, docs/hall.md "Appointments") ------------------------------

class SlotPattern(models.Model):
    """One bookable slot of a category's weekly pattern (预约时段): on
    ``weekday`` (0 Monday … 6 Sunday) from ``start`` to ``end``, for
    ``capacity`` people. The days come from it on the working days of the
    booking window (``Slot`` rows exist once someone books)."""

    category = models.ForeignKey(ServiceCategory, verbose_name=_("取号类别"), on_delete=models.CASCADE,
                                 related_name="slot_patterns")
    weekday = models.PositiveSmallIntegerField(_("星期"))
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))

    class Meta:
        verbose_name = _("预约时段模板")
        verbose_name_plural = _("预约时段模板")
        ordering = ["category", "weekday", "start"]
        constraints = [
            models.UniqueConstraint(fields=["category", "weekday", "start"], name="hall_slot_pattern_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6) & Q(capacity__gte=1) & Q(end__gt=models.F("start")),
                                   name="hall_slot_pattern_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class Slot(models.Model):
    """A slot of one day, made when it is first booked: its capacity as the
    pattern said then, and how many active bookings it holds. ``booked``
    only moves by a guarded UPDATE (``booked < capacity``), so concurrent
    bookings never overfill it; the check constraint backs that."""

    category = models.ForeignKey(ServiceCategory, verbose_name=_("取号类别"), on_delete=models.PROTECT,
                                 related_name="slots")
    day = models.DateField(_("日期"))
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["category", "start"], name="hall_slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="hall_slot_not_overbooked"),
        ]
        indexes = [models.Index(fields=["category", "day"], name="hall_slot_day_idx")]

    def __str__(self) -> str:
        return f"{self.category.code} {self.start:%Y-%m-%d %H:%M}"


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("爽约")


# Bookings that hold a place (one per applicant, category and day).
ACTIVE_APPOINTMENTS = (AppointmentState.BOOKED, AppointmentState.CHECKED_IN)


class Appointment(models.Model):
    """An applicant's booking of a slot (预约). ``code`` is what he shows or
    types at the kiosk to check in (预约码); the check-in issues a ticket of
    appointment priority (``ticket``)."""

    applicant = models.ForeignKey(User, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="appointments")
    category = models.ForeignKey(ServiceCategory, verbose_name=_("取号类别"), on_delete=models.PROTECT,
                                 related_name="appointments")
    slot = models.ForeignKey(Slot, verbose_name=_("预约时段"), on_delete=models.PROTECT, related_name="appointments")
    day = models.DateField(_("日期"))
    code = models.CharField(_("预约码"), max_length=12, unique=True)
    phone = models.CharField(_("手机号码"), max_length=20)
    state = models.CharField(_("状态"), max_length=16, choices=AppointmentState.choices,
                             default=AppointmentState.BOOKED)
    booked_at = models.DateTimeField(_("预约时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("记为爽约时间"), null=True, blank=True)
    reminded_day_at = models.DateTimeField(_("前一天提醒时间"), null=True, blank=True)
    reminded_hour_at = models.DateTimeField(_("一小时前提醒时间"), null=True, blank=True)
    ticket = models.OneToOneField(Ticket, verbose_name=_("签到所取号"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="appointment")

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["slot__start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "category", "day"],
                                    condition=Q(state__in=["booked", "checked_in"]),
                                    name="hall_appointment_one_active_per_day"),
        ]
        indexes = [
            # The sweeps: bookings still open by slot time.
            models.Index(fields=["state", "day"], name="hall_appointment_state_idx"),
            models.Index(fields=["applicant", "state"], name="hall_appointment_applicant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.day:%Y-%m-%d}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


# --- duty roster (排班, docs/hall.md "Duty roster") --------------------------------

class HalfDay(models.TextChoices):
    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")


class RosterEntry(models.Model):
    """Who staffs ``window`` on ``day`` in the morning or the afternoon
    (排班): one clerk per window and half-day, one window per clerk and
    half-day. Set per week by the center's managers (``hall.roster``)."""

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="roster_entries")
    staff = models.ForeignKey(User, verbose_name=_("工作人员"), on_delete=models.PROTECT, related_name="roster_entries")
    day = models.DateField(_("日期"))
    half = models.CharField(_("时段"), max_length=2, choices=HalfDay.choices)
    set_by = models.ForeignKey(User, verbose_name=_("排班人"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    set_at = models.DateTimeField(_("排班时间"))

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["day", "half", "window__number"]
        constraints = [
            models.UniqueConstraint(fields=["window", "day", "half"], name="hall_roster_one_per_window"),
            models.UniqueConstraint(fields=["staff", "day", "half"], name="hall_roster_one_window_per_staff"),
        ]
        indexes = [models.Index(fields=["center", "day"], name="hall_roster_center_day_idx")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_half_display()} {self.window} {self.staff}"
