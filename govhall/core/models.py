"""Installation facts and the general audit log of reference-data changes.

Case events have their own hash-chained log (DESIGN 3.6); this log records
changes to organization, calendar and other reference data.
"""

import time

from django.conf import settings
from django.db import models


class Installation(models.Model):
    """One row describing this database: whether it holds the sample hall."""

    demo = models.BooleanField("示例数据", default=False)
    demo_loaded_at = models.DateTimeField("示例数据载入时间", null=True, blank=True)

    class Meta:
        verbose_name = "安装信息"
        verbose_name_plural = "安装信息"

    @classmethod
    def current(cls) -> "Installation":
        """This database's row, read at most every few seconds per process
        (every page and notice asks; it changes once, when the demo loads)."""
        global _current, _current_read
        if _current is None or time.monotonic() - _current_read > CURRENT_TTL_SECONDS:
            _current = cls.objects.order_by("pk").first() or cls(demo=False)
            _current_read = time.monotonic()
        return _current

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        installation_forget()


CURRENT_TTL_SECONDS = 5
_current: Installation | None = None
_current_read = 0.0


def installation_forget() -> None:
    """Read the row again at the next ``Installation.current()``."""
    global _current
    _current = None


class AuditEvent(models.Model):
    """Append-only record of one change made through a service."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField("角色", max_length=32, blank=True)
    action = models.CharField("操作", max_length=64)
    target_type = models.CharField("对象类型", max_length=64)
    target_id = models.CharField("对象编号", max_length=64)
    data = models.JSONField("数据", default=dict, blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-pk"]
        indexes = [
            # "history of this object" on the admin and object pages
            models.Index(fields=["target_type", "target_id", "at"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class WorkerHeartbeat(models.Model):
    """When a task worker last started or finished a task (one row per
    worker id, written by the worker itself: govhall/core/health.py). The
    scheduled supervision scan gives a live worker a task every
    GOVHALL_SUPERVISE_INTERVAL_SECONDS, so an old row means a worker that
    stopped, hangs, or has nothing scheduled — /healthz reports it."""

    worker_id = models.CharField("任务进程", max_length=64, unique=True)
    seen_at = models.DateTimeField("最近活动", db_index=True)  # /healthz reads the latest

    class Meta:
        verbose_name = "任务进程心跳"
        verbose_name_plural = "任务进程心跳"

    def __str__(self) -> str:
        return f"{self.worker_id} {self.seen_at:%Y-%m-%d %H:%M:%S}"
