"""The read replica (govhall/core/replica.py): statistics and the catalog
pages read from it, everything else from the primary."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session

from govhall.cases.models import Case
from govhall.core.replica import REPLICA, ReplicaRouter, replica_reads

ROOT = Path(__file__).resolve().parents[3]


def test_the_router_sends_only_the_domains_reads_to_the_replica():
    router = ReplicaRouter()
    assert router.db_for_read(Case) is None
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA
        # Sessions, the cache (rate limits) and the task queue: always the primary.
        assert router.db_for_read(Session) is None
        assert router.db_for_write(Case) == "default"
    assert router.db_for_read(Case) is None
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is None


def test_pages_read_from_the_replica_when_one_is_configured():
    """The probe runs in a process of its own, whose settings name a replica
    (the test database itself, as a mirror)."""
    env = dict(os.environ)
    primary = settings.DATABASES["default"]
    if primary["ENGINE"].endswith("postgresql"):
        env["GOVHALL_REPLICA_DATABASE_URL"] = env["GOVHALL_DATABASE_URL"]
    else:
        env["GOVHALL_REPLICA_DATABASE_URL"] = f"sqlite:///{primary['NAME']}"
    answer = subprocess.run(
        [sys.executable, "-m", "pytest", "govhall/core/tests/replica_probe.py", "-q", "-p", "no:cacheprovider"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-2000:]
    assert "5 passed" in answer.stdout
