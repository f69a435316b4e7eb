"""Alerts of electronic supervision (电子监察, DESIGN 3.9) and their handling."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.org.models import Department, Window


class Severity(models.TextChoices):
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class AlertState(models.TextChoices):
    OPEN = "open", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    ANSWERED = "answered", _("已整改待审核")
    CLOSED = "closed", _("已办结")
    CLEARED = "cleared", _("已自动解除")


# Alerts someone still has to act on (the condition's one live alert).
ACTIVE_STATES = frozenset({AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.ANSWERED})


class Alert(models.Model):
    """One condition found by a rule: raised once, escalated or cleared as the
    condition changes, answered by the department with a correction note
    (整改) and closed by a supervisor."""

    rule = models.CharField(_("规则"), max_length=40)
    severity = models.CharField(_("等级"), max_length=8, choices=Severity.choices)
    state = models.CharField(_("状态"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN)
    # What the condition is about: "case:<id>", "case:<id>:step:<n>", "followup:<id>" …
    # At most one active alert per (rule, subject): rescans raise nothing new.
    subject = models.CharField(_("监察对象"), max_length=80)
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="alerts")
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="alerts")
    window = models.ForeignKey(Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="alerts")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="alerts")
    message = models.CharField(_("内容"), max_length=300)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("发出时间"))
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("整改情况"), blank=True)
    answered_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("整改人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    review_note = models.TextField(_("审核意见"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    sent_back = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    class Meta:
        verbose_name = _("监察预警")
        verbose_name_plural = _("监察预警")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], condition=Q(state__in=sorted(ACTIVE_STATES)),
                                    name="one_active_alert_per_condition"),
        ]
        indexes = [
            models.Index(fields=["department", "state"], name="alert_department_state_idx"),
            models.Index(fields=["raised_at"], name="alert_raised_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"


class ScanMark(models.Model):
    """How far a scan has read an append-only log: the last id it saw, and
    the ids below it it has not seen yet (docs/supervision.md, "The event
    tail")."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    # Ids at or below last_id not seen yet, because the transaction that took
    # one may still be open (it commits after a later id was read) or rolled
    # back: [{"ranges": [[first, last], ...], "writers": [transaction, ...]}],
    # each group read again on every scan and forgotten after the first read
    # made once none of its writers (the transactions running when it was
    # found) is running any more. Ranges, so that a big gap stays one entry.
    holes = models.JSONField(default=list, blank=True)
