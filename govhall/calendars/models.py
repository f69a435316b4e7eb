"""Calendar entries kept in the database (DESIGN 3.3).

The official schedules of 2004–2026 come from the chinese-calendar package.
Administrators enter the years it lacks (the State Council publishes the next
year in autumn) and local days; an entered year replaces the package's data
and the provisional calendar for that year.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class CalendarYear(models.Model):
    """An official schedule entered by an administrator (国务院办公厅通知)."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("依据（通知文号或标题）", max_length=200)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "官方年度放假安排"
        verbose_name_plural = "官方年度放假安排"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年放假安排"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class CalendarDay(models.Model):
    """One deviation from Monday–Friday in an entered year."""

    calendar_year = models.ForeignKey(CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=DayKind.choices)
    name = models.CharField("节日名称", max_length=50)

    class Meta:
        verbose_name = "放假/调休日"
        verbose_name_plural = "放假/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        if self.date and self.calendar_year_id and self.date.year != self.calendar_year.year:
            raise ValidationError({"date": f"{self.date} 不在 {self.calendar_year.year} 年内。"})
        if self.date and self.kind == DayKind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError({"date": f"{self.date} 是周一至周五，本来就是工作日，不能登记为调休上班日。"})


class LocalDay(models.Model):
    """A local deviation decided by the center (e.g. a local holiday)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50)
    reason = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "本地工作日调整"
        verbose_name_plural = "本地工作日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarRevision(models.Model):
    """A counter bumped by every calendar change, so that each process can
    keep its built calendar in memory and rebuild it only when it moved."""

    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "日历版本"
        verbose_name_plural = "日历版本"
