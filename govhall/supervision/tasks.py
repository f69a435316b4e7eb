"""The scheduled scan: a task that runs the time rules and enqueues its next
run (the database backend has no cron; a chain of one pending task does)."""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govhall.core import clock


@task()
def supervise_task(reschedule: bool = True) -> dict:
    from govhall.supervision.engine import supervise_scan

    result = supervise_scan(at=clock.now())
    if reschedule:
        schedule_next()
    return {"cases": result.cases, "events": result.events, "followups": result.followups}


def schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next scan unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=supervise_task.module_path, status="READY").exists():
            return False
        delay = timedelta(seconds=0 if immediately else settings.GOVHALL_SUPERVISE_INTERVAL_SECONDS)
        supervise_task.using(run_after=clock.now() + delay).enqueue()
        return True
    return False  # inline or dummy backends: the scan runs where it is called
