"""Thin tasks: call the service (STYLE 7)."""

from datetime import time

from django_tasks import task

from govhall.core import clock
from govhall.core.tasks import enqueue_once, next_day_at, periodic


@task()
def case_deadlines_recompute_task() -> int:
    from govhall.cases.services import case_deadlines_recompute

    return case_deadlines_recompute()


@task()
def event_partitions_task(reschedule: bool = True) -> list[str]:
    """The monthly partitions of the event table ahead of today (PostgreSQL), daily."""
    from govhall.cases.partitions import event_partitions_ensure

    try:
        return event_partitions_ensure(today=clock.today())
    finally:
        if reschedule:
            event_partitions_schedule_next()


@periodic("monthly event partitions")
def event_partitions_schedule_now() -> bool:
    return event_partitions_schedule_next(immediately=True)


def event_partitions_schedule_next(*, immediately: bool = False) -> bool:
    """Enqueue the next run (now, or five minutes past the coming midnight)
    unless one is waiting; nothing where the event table is not partitioned."""
    from govhall.cases.partitions import is_partitioned

    if not is_partitioned():
        return False
    return enqueue_once(event_partitions_task, run_after=clock.now() if immediately else next_day_at(time(0, 5)))
