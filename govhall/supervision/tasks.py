"""The scheduled work of supervision: the scan of the time rules, every few
seconds, and the verification of the audit chains, once a day. Each task
enqueues its next run (the database backend has no cron; a chain of one
pending task does)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from govhall.core import clock


@task()
def supervise_task(reschedule: bool = True) -> dict:
    from govhall.supervision.engine import supervise_scan

    result = supervise_scan(at=clock.now())
    if reschedule:
        schedule_next()
    return {"cases": result.cases, "events": result.events, "followups": result.followups}


def _enqueue_once(waiting_task, *, run_after: datetime) -> bool:
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


def schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next scan unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    delay = timedelta(seconds=0 if immediately else settings.GOVHALL_SUPERVISE_INTERVAL_SECONDS)
    return _enqueue_once(supervise_task, run_after=clock.now() + delay)


@task()
def audit_verify_task(reschedule: bool = True) -> dict:
    """The daily verification of the case event chains (supervision/chains.py):
    a broken chain or a damaged checkpoint raises a red alert."""
    from govhall.supervision.chains import chains_supervise

    try:
        result = chains_supervise(at=clock.now())
    finally:  # tomorrow's run even if today's could not finish (a busy table, a lost connection)
        if reschedule:
            audit_schedule_next()
    return {"full": result.full, "cases": result.cases, "hashed": result.hashed, "breaks": result.breaks,
            "problems": result.problems, "alerts": result.raised, "checkpoint": result.checkpoint}


def audit_next_run(now: datetime) -> datetime:
    """The next GOVHALL_AUDIT_VERIFY_AT (local time) after ``now``."""
    local = timezone.localtime(now)
    run = datetime.combine(local.date(), settings.GOVHALL_AUDIT_VERIFY_AT, tzinfo=local.tzinfo)
    return run if run > local else run + timedelta(days=1)


def audit_schedule_next() -> bool:
    """Enqueue the next daily verification unless one is already waiting."""
    return _enqueue_once(audit_verify_task, run_after=audit_next_run(clock.now()))
