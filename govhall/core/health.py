"""``/healthz``: is this hall able to work? Three checks, as JSON.

- **database**: one query on every configured database (the primary, and
  the read replica when there is one).
- **worker**: a task worker started or finished a task within
  ``GOVHALL_HEALTH_WORKER_STALE_SECONDS``. Each worker writes its own
  heartbeat row (``WorkerHeartbeat``) when it starts and when it finishes a
  task; the scheduled supervision scan gives a live worker a task every
  ``GOVHALL_SUPERVISE_INTERVAL_SECONDS``. So a stale heartbeat means no
  worker runs, one task has hung longer than the limit, or the scan chain
  is broken (``govhall supervise --schedule`` mends it): each needs an
  operator. Not checked where tasks run inline (no worker to watch).
- **calendar**: how far the working-day calendar reaches. Past its last
  day no deadline can be computed (fail); a warning when it ends within
  ``GOVHALL_HEALTH_CALENDAR_DAYS`` days, or when the official schedule does
  (deadlines after it are computed from the statutory rules and flagged
  provisional until the State Council's notice is entered).

200 when no check failed (a warning is still 200, with ``"status": "warn"``),
503 naming the failed checks otherwise. ``?check=database`` runs only the
named checks (comma-separated): a load balancer's probe should ask for the
database only, since a stale worker or a short calendar is the same on every
app server and taking them all out of rotation would help nobody.

Open to anyone: it says nothing personal and nothing secret (an error is
named by its class; its text, which may hold a host or user name, goes to
the log).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Max
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from govhall.core import clock

logger = logging.getLogger("govhall.health")

OK, WARN, FAIL = "ok", "warn", "fail"


def check_database() -> dict:
    """One query on each configured database."""
    result = {"status": OK}
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result[alias] = OK
    return result


def worker_backend_used() -> bool:
    """Whether tasks go to the database backend, i.e. a worker runs them."""
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db")


def worker_last_seen():
    """When any task worker last started or finished a task (None: never)."""
    from govhall.core.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.aggregate(latest=Max("seen_at"))["latest"]


def workers_alive(now) -> int:
    """How many workers showed life within the stale limit."""
    from govhall.core.models import WorkerHeartbeat

    since = now - timedelta(seconds=settings.GOVHALL_HEALTH_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).count()


def check_worker() -> dict:
    """A worker started or finished a task within the stale limit."""
    if not worker_backend_used():
        return {"status": OK, "note": "tasks run inline (no worker)"}
    now = clock.now()
    stale = settings.GOVHALL_HEALTH_WORKER_STALE_SECONDS
    latest = worker_last_seen()
    if latest is None:
        return {"status": FAIL, "note": "no worker has run a task yet", "stale_after_seconds": stale}
    age = max(0, int((now - latest).total_seconds()))
    return {"status": OK if age <= stale else FAIL, "last_seen_seconds": age, "stale_after_seconds": stale,
            "workers": workers_alive(now)}


def check_calendar() -> dict:
    """How many days the working-day calendar (and its official part) still covers."""
    from govhall.calendars.selectors import work_calendar

    calendar = work_calendar()
    today = clock.today()
    within = settings.GOVHALL_HEALTH_CALENDAR_DAYS
    days_left = (calendar.last - today).days
    official = calendar.official_until
    official_left = (official - today).days if official else None
    if days_left < 0:
        status = FAIL
    elif days_left < within or official_left is None or official_left < within:
        status = WARN
    else:
        status = OK
    return {"status": status, "covers_until": calendar.last.isoformat(),
            "official_until": official.isoformat() if official else None,
            "days_left": days_left, "official_days_left": official_left, "warn_within_days": within}


CHECKS = {"database": check_database, "worker": check_worker, "calendar": check_calendar}


def health_report(names=None) -> dict:
    """Run the named checks (all by default): ``{"status", "failed", "checks"}``."""
    checks = {}
    for name in names or CHECKS:
        try:
            checks[name] = CHECKS[name]()
        except Exception as error:  # noqa: BLE001 - a check that cannot run has failed
            logger.error("health check %s failed: %s: %s", name, type(error).__name__, error)
            checks[name] = {"status": FAIL, "error": type(error).__name__}
    failed = [name for name, result in checks.items() if result["status"] == FAIL]
    warned = any(result["status"] == WARN for result in checks.values())
    return {"status": FAIL if failed else WARN if warned else OK, "failed": failed, "checks": checks}


@never_cache
@require_safe
def healthz(request):
    """The health report as JSON: 200, or 503 when a check failed."""
    asked = [name.strip() for name in request.GET.get("check", "").split(",") if name.strip()]
    unknown = [name for name in asked if name not in CHECKS]
    if unknown:
        return JsonResponse({"error": f"check: unknown check {', '.join(unknown)}; known: {', '.join(CHECKS)}",
                             "field": "check"}, status=400)
    report = health_report(asked)
    return JsonResponse(report, status=503 if report["failed"] else 200, json_dumps_params={"ensure_ascii": False})


# --- the heartbeat ----------------------------------------------------------------

def heartbeat_record(*, worker_id: str) -> None:
    """The worker ``worker_id`` is alive now. A worker seen for the first
    time also forgets workers silent for a week (every start of ``db_worker``
    takes a new id)."""
    from govhall.core.models import WorkerHeartbeat

    now = clock.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now):
        WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=7)).delete()
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": now})


def _on_task_signal(sender, task_result, **kwargs) -> None:
    # Sent by the worker (django_tasks_db's backend) around each task; the
    # inline backends of the web process and of tests send it too: ignored.
    from django_tasks_db.backend import DatabaseBackend

    backend = sender if isinstance(sender, type) else type(sender)  # a class or, on success, an instance
    if not issubclass(backend, DatabaseBackend):
        return
    worker_ids = getattr(task_result, "worker_ids", None) or []
    try:
        heartbeat_record(worker_id=(worker_ids[-1] if worker_ids else "unknown")[:64])
    except DatabaseError as error:  # a heartbeat must never fail a task
        logger.warning("worker heartbeat not written: %s", error)


def connect_heartbeat() -> None:
    """Called once by the core app: listen to the worker's task signals."""
    from django_tasks_db.compat import task_finished, task_started

    task_started.connect(_on_task_signal, dispatch_uid="govhall_heartbeat_started")
    task_finished.connect(_on_task_signal, dispatch_uid="govhall_heartbeat_finished")
