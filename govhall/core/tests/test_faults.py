"""The database goes away under load, and comes back (issue 13, item 5).

govhall runs as in production (gunicorn with two sync workers, DEBUG off)
against a database the test may break: a private PostgreSQL server started
for the test and restarted in the middle (never the machine's server on
5432), or a SQLite file another process keeps locked past the busy timeout.
While the database is away every request fails cleanly — 503 with
Retry-After, JSON under /api/, the site's page elsewhere, never a 500 or a
traceback — and once it is back every request works again, with no restart
of the app and no other manual step. docs/operations.md, "Faults and recovery".
"""

import json
import sqlite3
import threading
import time

import pytest

from govhall.core.tests.servers import (
    Client,
    app_environment,
    gunicorn,
    prepare_app,
    private_postgres,
)

KINDS = ["api_read", "api_write", "site_page"]
pytestmark = pytest.mark.skipif(__import__("importlib").util.find_spec("gunicorn") is None,
                                reason="gunicorn is not installed (pip install -e '.[dev]')")


def clean_refusal(answer) -> str | None:
    """What is wrong with an answer given while the database is away (None: a proper 503)."""
    if answer.status != 503:
        return f"{answer.kind}: HTTP {answer.status} {answer.body[:300]!r}"
    if answer.kind.startswith("api"):
        body = json.loads(answer.body)
        if not answer.content_type.startswith("application/json") or "请稍后重试" not in body["detail"]:
            return f"{answer.kind}: not the JSON error shape: {answer.body[:300]!r}"
    elif "请稍等片刻后刷新本页" not in answer.body or "Traceback" in answer.body:
        return f"{answer.kind}: not the site's 503 page: {answer.body[:300]!r}"
    return None


def every_kind_works(client, rounds: int = 6) -> list[str]:
    """Each kind of request ``rounds`` times (both workers get some): the failures."""
    answers = [client.send(kind) for _ in range(rounds) for kind in KINDS]
    return [f"{a.kind}: HTTP {a.status} {a.body[:200]!r}" for a in answers if not a.ok]


class Load:
    """Requests sent one after another by a thread until stopped."""

    def __init__(self, client):
        self.client, self.answers, self.running = client, [], True
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while self.running:
            for kind in KINDS:
                self.answers.append((time.monotonic(), self.client.send(kind)))
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join(timeout=60)


def test_postgresql_restarted_under_load_fails_cleanly_and_recovers_by_itself(tmp_path):
    with private_postgres() as database:
        env = app_environment(tmp_path, GOVHALL_DATABASE_URL=database.url)
        token, item = prepare_app(env)
        with gunicorn(env) as base:
            client = Client(base, token, item)
            assert every_kind_works(client) == []

            # A restart while the workers sit idle on their open connections:
            # each reused connection is checked before the request uses it.
            database.restart()
            assert every_kind_works(client) == []

            # Down for a while under load: refused cleanly, then served again.
            with Load(client) as load:
                time.sleep(0.5)
                database.stop()
                down = time.monotonic()
                time.sleep(2)
                up = time.monotonic()
                database.start()
                time.sleep(1.5)
            during = [a for t, a in load.answers if down + 0.5 < t < up]
            after = [a for t, a in load.answers if t > up + 0.5]
            assert during and after, "the load did not run through the outage"
            assert [problem for a in during if (problem := clean_refusal(a))] == []
            assert every_kind_works(client) == []
            assert [a for _, a in load.answers if a.status in {0, 500}] == []


def test_sqlite_locked_past_the_busy_timeout_answers_busy_then_recovers(tmp_path):
    env = app_environment(tmp_path, GOVHALL_SQLITE_TIMEOUT="1")
    token, item = prepare_app(env)
    with gunicorn(env) as base:
        client = Client(base, token, item)
        assert every_kind_works(client) == []
        # Another process (a backup, a long import) holds the write lock past the 1 s busy timeout.
        locker = sqlite3.connect(tmp_path / "govhall.sqlite3", isolation_level=None, timeout=10)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            write = client.send("api_write")
            read = client.send("api_read")
        finally:
            locker.execute("COMMIT")
            locker.close()
        assert clean_refusal(write) is None and "系统繁忙" in json.loads(write.body)["detail"]
        assert read.ok  # WAL: readers are not blocked by the writer
        assert every_kind_works(client) == []
