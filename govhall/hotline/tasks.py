"""The hotline's background tasks (found by ``govhall schedule`` through
Django's autodiscovery of ``tasks`` modules)."""

from govhall.hotline.suggest_tasks import (
    suggest_schedule_now,
    suggest_train_all_task,
    suggest_train_task,
)

__all__ = ["suggest_schedule_now", "suggest_train_all_task", "suggest_train_task"]
