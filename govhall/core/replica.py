"""Reads from a read replica for statistics and the public catalog (DESIGN 2).

With ``GOVHALL_REPLICA_DATABASE_URL`` set, a second database alias
``replica`` (a streaming replica of the primary) serves the reads of the
pages listed in ``GOVHALL_REPLICA_VIEWS``: the portal's catalog pages and the
statistics. Those pages only read, and a replica a second behind shows them
as well as the primary does; they are also where a busy hall's read load is.

Everything else reads from the primary: a page that writes, or that must see
what the same person has just written (the case pages, the work lists, the
progress query right after a submission), and, even on a replica page, the
tables that are not the domain's (sessions, the cache table that holds rate
limits, login attempts, the task queue). Writes always go to the primary.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"

# The domain's own tables: the only ones a replica may serve.
REPLICA_APPS = frozenset({"calendars", "catalog", "cases", "evaluation", "org", "stats", "supervision"})

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("govhall_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Within the block, the domain's reads go to the replica (when one is configured)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


class ReplicaRouter:
    """Installed only when a replica is configured (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the replica may
        # be related to one read from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary; it is never migrated on its own.
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """GET and HEAD requests to the views of ``GOVHALL_REPLICA_VIEWS`` read
    from the replica; the choice ends with the response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = frozenset(settings.GOVHALL_REPLICA_VIEWS)

    def __call__(self, request):
        request.replica_token = None
        try:
            return self.get_response(request)
        finally:
            if request.replica_token is not None:
                _reading_replica.reset(request.replica_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match is not None and match.url_name in self.views:
            request.replica_token = _reading_replica.set(True)
