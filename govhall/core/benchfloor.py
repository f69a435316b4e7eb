"""The load run's floor (``make load``, docs/performance.md "Load"): the
least a Django request can cost behind the same server, middleware and
database — one trivial query and a tiny answer.

Routed only when ``GOVHALL_BENCH_FLOOR=1`` (the load environment, load/run.py
sets it); a production deployment never has the address.
"""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.urls import URLPattern, path

FLOOR_PATH = "bench-floor/"


def bench_floor(request):
    """One round trip to the database, then two bytes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


def urlpatterns() -> list[URLPattern]:
    """The floor's address when the setting enables it; otherwise none."""
    if not getattr(settings, "GOVHALL_BENCH_FLOOR", False):
        return []
    return [path(FLOOR_PATH, bench_floor, name="bench_floor")]
