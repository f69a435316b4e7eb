"""Evaluation (好差评, DESIGN 3.10): one rating per delivered case by its
applicant, and the follow-up of a bad rating (核实 → 整改 → 回访 → 办结).

Indicators (DESIGN 3.11) read ``Rating`` by department, window, staff and
period; the supervision rule "bad review not handled in time" reads
``FollowUp`` by ``OPEN_FOLLOWUP_STATES`` and ``due_date``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case
from govhall.org.models import Department, Window


class Level(models.IntegerChoices):
    """The five levels of the national 好差评 scheme."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


# The satisfaction rate counts the top three levels (DESIGN 3.11); the two
# lowest are a bad rating (差评) that opens a follow-up.
SATISFIED_LEVELS = {5, 4, 3}
BAD_LEVELS = {2, 1}
COMMENT_MAX_LENGTH = 500


class RatingChannel(models.TextChoices):
    PORTAL = "portal", _("网上办事大厅")
    SMS = "sms", _("短信链接")
    WINDOW = "window", _("窗口评价器")
    API = "api", _("接口")
    # The 12345 hotline's call-back: the operator records the caller's level.
    CALLBACK = "callback", _("热线回访")


class Rating(models.Model):
    """The applicant's rating of a delivered case, once; or the caller's
    rating of a 12345 work order, recorded at its call-back (exactly one of
    ``case`` and ``work_order``). Department, window and accepting staff are
    copied from the case when it is rated, so that statistics never join
    through the case; a work order's department is its main unit's, empty
    when that unit is not a department (docs/evaluation.md)."""

    case = models.OneToOneField(Case, verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="rating")
    work_order = models.OneToOneField("hotline.WorkOrder", verbose_name=_("工单"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="evaluation_rating")
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    comment = models.CharField(_("评价内容"), max_length=COMMENT_MAX_LENGTH, blank=True)
    channel = models.CharField(_("评价渠道"), max_length=8, choices=RatingChannel.choices)
    rated_at = models.DateTimeField(_("评价时间"))
    # The applicant's account; empty when rated through the SMS link or the window device.
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评价人账户"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("实施部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="ratings")
    window = models.ForeignKey(Window, verbose_name=_("收件窗口"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="ratings")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="ratings_received")

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-rated_at", "-pk"]
        indexes = [
            # indicators: a department's ratings in a period
            models.Index(fields=["department", "rated_at"], name="rating_department_at_idx"),
            # indicators: a window's and a clerk's ratings in a period
            models.Index(fields=["window", "rated_at"], name="rating_window_at_idx"),
            models.Index(fields=["staff", "rated_at"], name="rating_staff_at_idx"),
            # indicators: the center's ratings in a period
            models.Index(fields=["rated_at"], name="rating_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"),
            models.CheckConstraint(condition=Q(case__isnull=False, work_order__isnull=True)
                                   | Q(case__isnull=True, work_order__isnull=False),
                                   name="rating_case_or_work_order"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_number} {self.get_level_display()}"

    @property
    def subject_number(self) -> str:
        """The rated case's or work order's number."""
        return self.case.number if self.case_id else self.work_order.number

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class FollowUpState(models.TextChoices):
    OPEN = "open", _("待核实")
    VERIFIED = "verified", _("已核实")
    CORRECTED = "corrected", _("已整改")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已办结")


# Follow-ups someone still has to act on: the supervision rule reads
# FollowUp.objects.filter(state__in=OPEN_FOLLOWUP_STATES, due_date__lt=today).
OPEN_FOLLOWUP_STATES = frozenset({FollowUpState.OPEN, FollowUpState.VERIFIED, FollowUpState.CORRECTED,
                                  FollowUpState.CALLED_BACK})


class FollowUp(models.Model):
    """The handling of a bad rating (差评整改): verify what happened, correct
    it within GOVHALL_BAD_REVIEW_FIX_DAYS working days, call the applicant
    back, record the result. Each step keeps its text, who and when."""

    rating = models.OneToOneField(Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="followup")
    # Empty for a work order whose main unit is not a department: the
    # hotline office handles it (docs/evaluation.md).
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="followups")
    state = models.CharField(_("状态"), max_length=12, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    # The supervision scan asks "which open ones are past this day?"
    due_date = models.DateField(_("整改期限"), db_index=True)
    opened_at = models.DateTimeField(_("立项时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verification = models.TextField(_("核实情况"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核实人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    correction = models.TextField(_("整改措施"), blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("整改人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    callback = models.TextField(_("回访情况"), blank=True)
    satisfied = models.BooleanField(_("回访是否满意"), null=True, blank=True)
    called_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_date", "pk"]
        indexes = [
            # a department's list of follow-ups by state
            models.Index(fields=["department", "state"], name="followup_department_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating.subject_number} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_FOLLOWUP_STATES
