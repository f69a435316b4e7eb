"""The scheduled work of supervision: the scan of the time rules, every few
seconds, and the verification of the audit chains, once a day. Each task
enqueues its next run (the database backend has no cron; a chain of one
pending task does)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from govhall.core import clock
from govhall.core.tasks import enqueue_once, periodic


@task()
def supervise_task(reschedule: bool = True) -> dict:
    from govhall.supervision.engine import supervise_scan

    try:
        result = supervise_scan(at=clock.now())
    finally:  # the next scan even if this one failed (a database away for a moment)
        if reschedule:
            schedule_next()
    return {"cases": result.cases, "events": result.events, "followups": result.followups, "others": result.others}


@periodic("supervision scan")
def schedule_now() -> bool:
    return schedule_next(immediately=True)


def schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next scan unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    delay = timedelta(seconds=0 if immediately else settings.GOVHALL_SUPERVISE_INTERVAL_SECONDS)
    return enqueue_once(supervise_task, run_after=clock.now() + delay)


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


@periodic("daily audit verification")
def audit_schedule_next() -> bool:
    """Enqueue the next daily verification unless one is already waiting."""
    return enqueue_once(audit_verify_task, run_after=audit_next_run(clock.now()))
