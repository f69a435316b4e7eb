"""Several app processes and task workers on one database (DESIGN 2,
docs/deploy.md): a catalog publication and a calendar change made anywhere
reach every app process without a restart, and two workers share the task
queue without running a task twice.

The processes are real (``manage.py runserver`` and ``manage.py db_worker``
in subprocesses) on the test database of this run, PostgreSQL or the SQLite
file; the changes are made by this process, as an administrator's command
would make them."""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django_tasks_db.models import DBTaskResult

from govhall.calendars.services import local_day_set
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.core.tests.worker_probe import record_run

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
NEW_ITEM = "跨进程发布测试许可"
NEW_CODE = "511A0000000077-D1-000-A-1-00"
LOCAL_DAY_OFF = "本地放假"  # the calendar page's label of a local day off


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    env.update(DJANGO_SETTINGS_MODULE="govhall.settings", GOVHALL_DEBUG="1", GOVHALL_DATABASE_URL=database_url(),
               GOVHALL_VAR_DIR=os.environ.get("GOVHALL_VAR_DIR", str(ROOT / "var")))
    return env


def get(url: str, session_key: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}
                                     if session_key else {})
    with urllib.request.urlopen(request, timeout=20) as answer:
        return answer.read().decode()


def eventually(check, *, seconds: float = 15) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.fixture
def two_app_processes():
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
                                   "--skip-checks"], cwd=ROOT, env=child_env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            def answers(base=base):
                try:
                    get(base + "/")
                    return True
                except OSError:
                    return False
            assert eventually(answers, seconds=60), process.stderr.read1().decode() if process.poll() is not None else ""
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def staff_session(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    # Valid by the servers' clock, which is the real one: this process's may
    # stand elsewhere (GOVHALL_TEST_TODAY).
    Session.objects.filter(session_key=session.session_key).update(expire_date=datetime(2100, 1, 1, tzinfo=UTC))
    return session.session_key


def test_a_publication_and_a_calendar_change_reach_every_app_process(hall, two_app_processes):
    search = "/search/?" + urllib.parse.urlencode({"q": NEW_ITEM})
    found = f"/items/{NEW_CODE}/"  # the result's link (the query itself is echoed)
    calendar = "/calendar/?year=2026"
    manager = staff_session(hall.manager)
    for base in two_app_processes:  # each process builds its search index and reads the calendar
        assert found not in get(base + search)
        page = get(base + calendar, manager)
        assert "起算日" in page and LOCAL_DAY_OFF not in page  # the calendar page itself, not the login

    item_create(actor=SYSTEM, spec=complete_spec("A", NEW_CODE, name=NEW_ITEM, status="published"))
    local_day_set(actor=hall.admin, day=date(2026, 3, 10), is_workday=False, name="跨进程本地休息日", reason="测试")

    for base in two_app_processes:
        assert eventually(lambda base=base: found in get(base + search)), f"{base} does not find the new item"
        assert eventually(lambda base=base: LOCAL_DAY_OFF in get(base + calendar, manager)), \
            f"{base} does not show the local day off"


def test_two_workers_share_the_queue_and_run_each_task_once(tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    runs = tmp_path / "runs.txt"
    results = [record_run.enqueue(number, str(runs), 0.3) for number in range(12)]
    workers = [subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
                                 "--interval", "0.1"], cwd=ROOT, env=child_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        done = eventually(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == len(results), seconds=90)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=20)
    assert done, list(DBTaskResult.objects.values_list("status", flat=True))
    lines = [line.split() for line in runs.read_text().splitlines()]
    assert sorted(int(number) for number, _pid in lines) == list(range(12))  # each once, none twice
    assert {pid for _number, pid in lines} == {str(worker.pid) for worker in workers}  # both took their share
