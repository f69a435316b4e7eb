"""The scheduled refresh of the statistics' rollups: a task that brings them
up to date and enqueues its next run (as the supervision scan does)."""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govhall.core import clock

# Seconds between two refreshes by the worker. Figures read on the primary
# database refresh first anyway; this keeps each such refresh small and a
# read replica's rollups at most this old.
INTERVAL_SECONDS = 60


@task()
def rollup_task(reschedule: bool = True) -> dict:
    from govhall.stats.rollup import rollups_refresh

    result = rollups_refresh()
    if reschedule:
        schedule_next()
    return {"cases": result.cases, "days": result.days, "alert_days": result.alert_days, "rebuilt": result.rebuilt}


def schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next refresh unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=rollup_task.module_path, status="READY").exists():
            return False
        delay = timedelta(seconds=0 if immediately else INTERVAL_SECONDS)
        rollup_task.using(run_after=clock.now() + delay).enqueue()
        return True
    return False  # inline or dummy backends: the refresh runs where it is called
