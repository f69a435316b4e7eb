"""The dispatch suggestion models' retraining: every hotline center's model
once a day (the task enqueues its next run, as the other periodic tasks do),
and one center's on demand (the button on the accuracy page)."""

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings

from django.db.models import Q
from django_tasks import task

from govhall.core import clock
from govhall.core.tasks import enqueue_once, next_day_at, periodic

# Local time of the daily retraining: the hotline is quiet, the worker free.
DAILY_AT = time(2, 30)


def hotline_centers():
    """The centers that run a hotline: those with member units or imported history."""
    from govhall.org.models import Center

    return Center.objects.filter(Q(member_units__isnull=False) | Q(hotline_history__isnull=False)).distinct()


@task()
def suggest_train_task(center_id: int, user_id: int | None = None) -> dict:
    """Retrain one center's model (on demand)."""
    from django.contrib.auth import get_user_model

    from govhall.core.actors import SYSTEM
    from govhall.hotline.suggest_services import suggest_model_train
    from govhall.org.models import Center

    actor = get_user_model().objects.get(pk=user_id) if user_id else SYSTEM
    row = suggest_model_train(actor=actor, center=Center.objects.get(pk=center_id), at=clock.now())
    return {"center": center_id, "orders": row.orders, "unit_top1": row.unit_top1}


@dataclass(frozen=True)
class Pending:
    """A retraining of one center asked for and not finished: "queued"
    (waiting for the worker) or "running", and since when."""

    state: str
    since: datetime


def suggest_train_pending(center_id: int) -> Pending | None:
    """The center's on-demand retraining waiting or running in the task
    queue (the database backend; inline or dummy backends run it at once)."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    rows = (DBTaskResult.objects.filter(task_path=suggest_train_task.module_path, status__in=("READY", "RUNNING"))
            .order_by("-enqueued_at").values_list("status", "enqueued_at", "started_at", "args_kwargs"))
    for status, enqueued_at, started_at, args_kwargs in rows:
        if (args_kwargs or {}).get("kwargs", {}).get("center_id") == center_id:
            if status == "RUNNING":
                return Pending("running", started_at or enqueued_at)
            return Pending("queued", enqueued_at)
    return None


@task()
def suggest_train_all_task(reschedule: bool = True) -> list[int]:
    """Retrain every hotline center's model (daily)."""
    from govhall.core.actors import SYSTEM
    from govhall.hotline.suggest_services import suggest_model_train

    try:
        return [suggest_model_train(actor=SYSTEM, center=center, at=clock.now()).pk for center in hotline_centers()]
    finally:
        if reschedule:
            enqueue_once(suggest_train_all_task, run_after=next_day_at(DAILY_AT))


@periodic("daily retraining of the hotline's dispatch suggestions")
def suggest_schedule_now() -> bool:
    return enqueue_once(suggest_train_all_task, run_after=next_day_at(DAILY_AT))
