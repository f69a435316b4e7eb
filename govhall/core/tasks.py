"""Periodic work for the task worker: the database backend has no cron, so
a periodic task enqueues its own next run, and a chain of one waiting task
does the rest."""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import task

from govhall.core import clock


def enqueue_once(waiting_task, *, run_after: datetime) -> bool:
    """Enqueue ``waiting_task`` unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=waiting_task.module_path, status="READY").exists():
            return False
        waiting_task.using(run_after=run_after).enqueue()
        return True
    return False  # inline or dummy backends: the work runs where it is called


# The periodic tasks of every app: a label and the function that enqueues
# its first run (each app registers its own in its tasks module).
PERIODIC: dict[str, Callable[[], bool]] = {}


def periodic(label: str):
    """Register the starter of a periodic task under ``label``."""
    def register(starter: Callable[[], bool]) -> Callable[[], bool]:
        PERIODIC[label] = starter
        return starter
    return register


def periodic_schedule() -> list[tuple[str, bool]]:
    """Enqueue every periodic task that has no run waiting (``govhall
    schedule``, run when the worker starts): (label, enqueued) for each."""
    autodiscover_modules("tasks")
    return [(label, starter()) for label, starter in PERIODIC.items()]


def next_day_at(moment: time) -> datetime:
    """``moment`` (local time) of the day after today: a daily task's next run."""
    return datetime.combine(clock.today() + timedelta(days=1), moment, tzinfo=timezone.get_current_timezone())


@task()
def media_sweep_task(reschedule: bool = True) -> int:
    """The daily sweep of uploads no row names (govhall/core/media.py)."""
    from govhall.core.media import media_sweep

    try:
        return len(media_sweep())
    finally:
        if reschedule:
            enqueue_once(media_sweep_task, run_after=next_day_at(time(3, 30)))


@periodic("daily sweep of orphan uploads")
def media_sweep_schedule_now() -> bool:
    return enqueue_once(media_sweep_task, run_after=clock.now())
