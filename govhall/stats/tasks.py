"""The scheduled refresh of the statistics' rollups: a task that brings them
up to date and enqueues its next run (as the supervision scan does)."""

from datetime import timedelta

from django_tasks import task

from govhall.core import clock
from govhall.core.tasks import enqueue_once, periodic

# Seconds between two refreshes by the worker. Figures read on the primary
# database refresh first anyway; this keeps each such refresh small and a
# read replica's rollups at most this old.
INTERVAL_SECONDS = 60


@task()
def rollup_task(reschedule: bool = True) -> dict:
    from govhall.stats.rollup import rollups_refresh

    try:
        result = rollups_refresh()
    finally:  # the next refresh even if this one failed
        if reschedule:
            schedule_next()
    return {"cases": result.cases, "days": result.days, "alert_days": result.alert_days, "rebuilt": result.rebuilt}


@periodic("statistics rollup refresh")
def schedule_now() -> bool:
    return schedule_next(immediately=True)


def schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next refresh unless one is already waiting (the database
    backend); returns whether one was enqueued."""
    delay = timedelta(seconds=0 if immediately else INTERVAL_SECONDS)
    return enqueue_once(rollup_task, run_after=clock.now() + delay)
