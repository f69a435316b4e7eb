"""``/metrics`` in the Prometheus text format.

Two kinds of figures:
- counted by this process as it serves requests (``observability.py``):
  latency by route name, answers by route and status;
- read from the database at scrape time, so every app server reports the
  same hall-wide values: the task queue (waiting tasks and the age of the
  oldest per queue), the task workers' heartbeats, open supervision alerts
  by severity, the working-day calendar's horizon, and the last verified
  audit chain (the last signed checkpoint of ``govhall verify-audit``).

Under several gunicorn workers each process counts its own requests, and a
scrape reaches one of them: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory (and call ``prometheus_client.multiprocess.mark_process_dead`` in
gunicorn's ``child_exit`` hook) and every scrape adds all processes up
(docs/observability.md).

Access: only from ``GOVHALL_METRICS_ALLOWED`` (addresses or networks;
127.0.0.1 and ::1 by default), or with ``Authorization: Bearer
<GOVHALL_METRICS_TOKEN>`` from anywhere.
"""

import hmac
import ipaddress
import logging
import os
from functools import cache

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from govhall.core import clock, health
from govhall.core.client import client_address, forwarded_by_stranger

logger = logging.getLogger("govhall.metrics")


class HallCollector:
    """The hall-wide figures, read from the database at each scrape."""

    def collect(self):
        database_up = GaugeMetricFamily("govhall_database_up", "1 when every database answered this scrape's queries.")
        try:
            families = list(self._from_database())
        except Exception as error:  # noqa: BLE001 - a scrape reports the failure, it does not fail
            logger.error("metrics: database figures not read: %s: %s", type(error).__name__, error)
            database_up.add_metric([], 0)
            yield database_up
            return
        database_up.add_metric([], 1)
        yield database_up
        yield from families

    def _from_database(self):
        yield from _task_families()
        yield _alert_family()
        yield from _calendar_families()
        yield from _audit_families()


def _task_families():
    if not health.worker_backend_used():
        return
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = clock.now()
    never = get_date_max()  # the backend's "no run_after": run as soon as possible
    waiting = GaugeMetricFamily("govhall_tasks_waiting", "Tasks due and not yet claimed by a worker.", labels=["queue"])
    oldest = GaugeMetricFamily("govhall_tasks_oldest_waiting_seconds",
                               "How long the oldest due task has waited for a worker.", labels=["queue"])
    rows = {row["queue_name"]: row for row in DBTaskResult.objects.ready().values("queue_name").annotate(
        n=Count("id"), asap=Min("enqueued_at", filter=Q(run_after=never)),
        due=Min("run_after", filter=Q(run_after__lt=never))).order_by()}
    for queue in sorted(set(settings.TASKS["default"].get("QUEUES", ["default"])) | set(rows)):
        row = rows.get(queue, {"n": 0, "asap": None, "due": None})
        waiting.add_metric([queue], row["n"])
        since = min((moment for moment in (row["asap"], row["due"]) if moment is not None), default=None)
        oldest.add_metric([queue], max(0.0, (now - since).total_seconds()) if since else 0.0)
    yield waiting
    yield oldest
    alive = GaugeMetricFamily("govhall_workers_alive", "Task workers that started or finished a task within "
                              "GOVHALL_HEALTH_WORKER_STALE_SECONDS.")
    alive.add_metric([], health.workers_alive(now))
    yield alive
    latest = health.worker_last_seen()
    if latest is not None:
        seen = GaugeMetricFamily("govhall_worker_last_seen_timestamp_seconds",
                                 "When a task worker last started or finished a task (Unix time).")
        seen.add_metric([], latest.timestamp())
        yield seen


def _audit_families():
    """The last signed checkpoint of ``govhall verify-audit``: absent, not
    zero, when there is none or the series is damaged (an alert on
    ``absent(...)`` or on its age catches both; verify-audit names the damage)."""
    from govhall.cases.events import checkpoint_latest

    verified = checkpoint_latest()
    if verified is None:
        return
    at = GaugeMetricFamily("govhall_audit_last_verified_timestamp_seconds",
                           "When the case event chains were last verified, up to a signed checkpoint (Unix time).")
    at.add_metric([], verified.at.timestamp())
    upto = GaugeMetricFamily("govhall_audit_verified_event_id",
                             "The id of the last case event covered by that checkpoint.")
    upto.add_metric([], verified.last_event_id)
    yield at
    yield upto


def _alert_family():
    from govhall.supervision.models import ACTIVE_STATES, Alert, Severity

    family = GaugeMetricFamily("govhall_alerts_open", "Supervision alerts not yet closed or cleared "
                               "(to acknowledge, to correct, or to review), by severity.", labels=["severity"])
    counts = dict(Alert.objects.filter(state__in=sorted(ACTIVE_STATES)).values_list("severity")
                  .annotate(n=Count("id")).order_by())
    for severity in Severity.values:
        family.add_metric([severity], counts.get(severity, 0))
    return family


def _calendar_families():
    calendar = health.check_calendar()
    days = GaugeMetricFamily("govhall_calendar_days_left", "Days until the working-day calendar ends "
                             "(kind=official: until the last officially published year ends).", labels=["kind"])
    days.add_metric(["all"], calendar["days_left"])
    if calendar["official_days_left"] is not None:
        days.add_metric(["official"], calendar["official_days_left"])
    yield days


# --- the view -----------------------------------------------------------------------

@cache
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allowed)


def metrics_allowed(request) -> bool:
    """The bearer token, or a client address in GOVHALL_METRICS_ALLOWED.

    A request forwarded by a proxy that is not one of GOVHALL_TRUSTED_PROXIES
    is refused: behind a proxy on the same machine every visitor from the
    internet would otherwise look like 127.0.0.1."""
    token = settings.GOVHALL_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode()):
        return True
    if forwarded_by_stranger(request):
        return False
    address = client_address(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _networks(tuple(settings.GOVHALL_METRICS_ALLOWED)))


def _request_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


class Scrape:
    """Everything one scrape reports: this process's (or, in multiprocess
    mode, all processes') request figures, then the hall-wide ones."""

    def collect(self):
        yield from _request_registry().collect()
        yield from HallCollector().collect()


@never_cache
@require_safe
def metrics(request):
    """The Prometheus text format (0.0.4), or OpenMetrics when the scraper asks for it."""
    if not metrics_allowed(request):
        return HttpResponse("403 forbidden: /metrics is open to GOVHALL_METRICS_ALLOWED or the bearer token\n",
                            status=403, content_type="text/plain; charset=utf-8")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(Scrape()), content_type=content_type)
