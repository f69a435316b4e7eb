"""What the database benchmarks share: one subprocess per database (SQLite,
and PostgreSQL when reachable), each on a throwaway database, with production
settings (DEBUG off: no query log), and the desk of the case tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def postgres_url() -> str:
    url = os.environ.get("GOVHALL_TEST_POSTGRES_URL", "")
    if url:
        return url
    probe = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_probe.py")], capture_output=True, text=True)
    return probe.stdout.strip()


def parent(script: str, extra_args: list[str]) -> int:
    """Run ``script --child <database>`` once per database; non-zero if one failed."""
    base = {k: v for k, v in os.environ.items() if k != "GOVHALL_DATABASE_URL"}
    # Production settings: DEBUG off (no query log); the test client's host allowed;
    # no redirect to HTTPS (the test client speaks plain HTTP, as behind the TLS proxy).
    base |= {"GOVHALL_DEBUG": "0", "GOVHALL_SECRET_KEY": "bench-only-not-a-secret", "GOVHALL_PUBLIC_URL": "https://bench.example",
             "GOVHALL_ALLOWED_HOSTS": "testserver", "GOVHALL_LOG_LEVEL": "ERROR", "GOVHALL_SSL_REDIRECT": "0",
             "DJANGO_SETTINGS_MODULE": "govhall.settings"}
    runs = [("sqlite", base)]
    url = postgres_url()
    if url:
        runs.append(("postgresql", base | {"GOVHALL_DATABASE_URL": url}))
    failed = False
    for label, env in runs:
        answer = subprocess.run([sys.executable, script, "--child", label, *extra_args], env=env)
        failed |= answer.returncode != 0
    if not url:
        print("postgresql: not reachable, skipped (set GOVHALL_TEST_POSTGRES_URL)")
    return 1 if failed else 0


@contextlib.contextmanager
def throwaway_database(prefix: str):
    """Django set up on a database of its own, dropped afterwards: SQLite in a
    temporary GOVHALL_VAR_DIR, PostgreSQL as a test database named for this process."""
    with tempfile.TemporaryDirectory(prefix=f"govhall-{prefix}-") as var:
        os.environ["GOVHALL_VAR_DIR"] = var  # settings read it at setup: the SQLite file and media go here
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        # Personas are created with passwords; no login is timed, so the
        # cheap hasher only speeds the set-up.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        old_name = None
        if connection.vendor == "postgresql":
            # A name of our own: never the test database of a parallel `make test`.
            connection.settings_dict["TEST"]["NAME"] = f"test_govhall_{prefix}_{os.getpid()}"
            old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
        else:
            call_command("migrate", verbosity=0, interactive=False)
        try:
            yield connection.vendor
        finally:
            if old_name is not None:
                connection.creation.destroy_test_db(old_name, verbosity=0)


def desk_build():
    """The hall of the tests with department A's published item and the
    people authorized for each step (as govhall/cases/tests/conftest.py)."""
    from govhall.catalog.services import item_create
    from govhall.core.actors import SYSTEM
    from govhall.catalog.tests.factories import complete_spec
    from govhall.org import services as org
    from govhall.org.models import Action
    from govhall.test import build_hall

    hall = build_hall()
    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    org.authorization_grant(actor=SYSTEM, staff=hall.approver, department=hall.dept_a, action=Action.APPROVE)
    for action in (Action.DELIVER, Action.CERTIFY):
        org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=hall.dept_a, action=action)
    hall.item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    hall.version = hall.item.current
    return hall
