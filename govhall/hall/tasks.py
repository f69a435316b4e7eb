"""The hall's scheduled work (STYLE 7, thin tasks): the appointments sweep
marks no-shows and sends the SMS reminders every few minutes, enqueuing its
own next run (govhall/core/tasks.py)."""

from datetime import timedelta

from django_tasks import task

from govhall.core import clock
from govhall.core.tasks import enqueue_once, periodic

# Seconds between two sweeps: the hour-before reminder goes out at most this late.
APPOINTMENT_SWEEP_SECONDS = 300


@task()
def appointment_sweep_task(reschedule: bool = True) -> dict:
    from govhall.hall.appointments import (
        appointment_no_shows_mark,
        appointment_reminders_send,
    )

    try:
        at = clock.now()
        return {"no_shows": appointment_no_shows_mark(at=at), "reminders": appointment_reminders_send(at=at)}
    finally:
        if reschedule:
            appointment_sweep_schedule_next()


@periodic("hall appointments: no-shows and reminders")
def appointment_sweep_schedule_now() -> bool:
    return appointment_sweep_schedule_next(immediately=True)


def appointment_sweep_schedule_next(*, immediately: bool = False) -> bool:
    delay = timedelta(seconds=0 if immediately else APPOINTMENT_SWEEP_SECONDS)
    return enqueue_once(appointment_sweep_task, run_after=clock.now() + delay)
