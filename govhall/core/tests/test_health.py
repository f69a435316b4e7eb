"""/healthz and /metrics (docs/observability.md): the checks, their
failures, the Prometheus exposition, and who may read it."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from govhall.cases.events import audit_verify
from govhall.core import clock
from govhall.core.health import heartbeat_record
from govhall.core.models import WorkerHeartbeat
from govhall.core.tests.test_scale_out import ROOT, child_env
from govhall.core.tests.worker_probe import record_run
from govhall.supervision.models import Alert, AlertState, Severity

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A day far from the end of the official calendar (chinese-calendar covers 2026).
SPRING = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def spring():
    with time_machine.travel(SPRING, tick=True):
        yield


@pytest.fixture
def with_worker(settings):
    settings.TASKS = WORKER


def healthz(client, query: str = ""):
    answer = client.get("/healthz" + query)
    return answer.status_code, json.loads(answer.content)


# --- /healthz --------------------------------------------------------------------------

def test_a_healthy_hall_answers_200_with_every_check(client, db, spring, with_worker):
    heartbeat_record(worker_id="w1")
    status, report = healthz(client)
    assert status == 200 and report["status"] == "ok" and report["failed"] == []
    assert report["checks"]["database"] == {"status": "ok", "default": "ok"}
    worker = report["checks"]["worker"]
    assert worker["status"] == "ok" and worker["last_seen_seconds"] < 5 and worker["workers"] == 1
    calendar = report["checks"]["calendar"]
    assert calendar["status"] == "ok" and calendar["official_until"] == "2026-12-31"
    assert calendar["covers_until"] == "2027-12-31" and calendar["days_left"] == 669


def test_a_stale_worker_fails_the_check_with_503(client, db, spring, with_worker):
    with time_machine.travel(SPRING - timedelta(minutes=11), tick=False):
        heartbeat_record(worker_id="w1")
    status, report = healthz(client)
    assert status == 503 and report["failed"] == ["worker"]
    assert report["checks"]["worker"]["last_seen_seconds"] >= 660
    assert report["checks"]["worker"]["workers"] == 0
    heartbeat_record(worker_id="w1")  # the worker runs a task again
    assert healthz(client)[0] == 200


def test_no_worker_ever_fails_the_check(client, db, spring, with_worker):
    status, report = healthz(client)
    assert status == 503 and report["failed"] == ["worker"]
    assert report["checks"]["worker"]["note"] == "no worker has run a task yet"


def test_where_tasks_run_inline_there_is_no_worker_to_check(client, db, spring):
    status, report = healthz(client)
    assert status == 200 and report["checks"]["worker"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_fails_with_503_and_names_no_secret(client, spring):
    saved = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        bad = {"PORT": "1", "HOST": "127.0.0.1"}  # nothing listens on port 1
    else:
        bad = {"NAME": str(ROOT / "var" / "no-such-folder" / "db.sqlite3")}
    connection.close()
    connection.settings_dict.update(bad)
    try:
        answer = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    report = json.loads(answer.content)
    assert answer.status_code == 503 and "database" in report["failed"]
    assert report["checks"]["database"] == {"status": "fail", "error": "OperationalError"}
    assert "no-such-folder" not in answer.content.decode() and "port" not in answer.content.decode().lower()
    assert healthz(client)[0] == 200  # the database is back: so is the hall


def test_a_calendar_near_its_end_warns_and_past_its_end_fails(client, db, with_worker):
    heartbeat_record(worker_id="w1")
    with time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=True):
        heartbeat_record(worker_id="w1")
        status, report = healthz(client)
    assert status == 200 and report["status"] == "warn"  # a warning keeps the hall in service
    assert report["checks"]["calendar"]["official_days_left"] == 25
    with time_machine.travel(datetime(2028, 1, 3, 10, 0, tzinfo=SHANGHAI), tick=True):
        heartbeat_record(worker_id="w1")
        status, report = healthz(client)
    assert status == 503 and report["failed"] == ["calendar"]
    assert report["checks"]["calendar"]["days_left"] == -3


def test_a_probe_may_ask_for_some_checks_only(client, db, spring, with_worker):
    status, report = healthz(client, "?check=database")  # no worker, but the probe did not ask
    assert status == 200 and list(report["checks"]) == ["database"]
    status, report = healthz(client, "?check=database,bogus")
    assert status == 400 and report["field"] == "check" and "bogus" in report["error"]


def test_health_says_nothing_personal(client, hall, spring):
    body = client.get("/healthz").content.decode()
    for person in (hall.applicant, hall.clerk):
        for value in (person.username, person.phone, person.id_number, person.full_name):
            assert not value or value not in body


def test_health_is_open_to_anyone_over_plain_http_even_where_https_is_required(client, db, settings, spring):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200  # not a redirect to https
    assert client.get("/portal-no-such-page/").status_code == 301


# --- the heartbeat written by a real worker --------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_its_heartbeat_and_keeps_its_per_task_lines_at_debug(tmp_path, settings):
    settings.TASKS = WORKER
    runs = tmp_path / "runs.txt"
    for number in range(3):
        record_run.enqueue(number, str(runs), 0)
    env = child_env() | {"DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"], "GOVHALL_LOG_FORMAT": "text"}
    worker = subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
                             "--no-startup-delay"], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3
    [beat] = WorkerHeartbeat.objects.all()
    assert clock.now() - beat.seen_at < timedelta(minutes=1)
    log = worker.stdout + worker.stderr
    assert "Starting worker" in log and "Task id=" not in log  # three tasks, no line each
    record_run.enqueue(9, str(runs), 0)  # the same worker, told to say more
    debug = subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
                           check=False, cwd=ROOT, env=env | {"GOVHALL_LOG_LEVEL": "DEBUG"}, capture_output=True, text=True,
                           timeout=120)
    assert "DEBUG django_tasks Task id=" in debug.stdout + debug.stderr


# --- /metrics ----------------------------------------------------------------------------

def scrape(client, **headers) -> tuple[int, str, str]:
    answer = client.get("/metrics", **headers)
    return answer.status_code, answer.get("Content-Type", ""), answer.content.decode()


def test_metrics_are_in_the_prometheus_text_format_with_every_family(client, hall, spring, with_worker):
    heartbeat_record(worker_id="w1")
    with time_machine.travel(SPRING - timedelta(minutes=5), tick=False):
        record_run.enqueue(1, "/dev/null", 0)
    Alert.objects.create(rule="overdue", severity=Severity.RED, subject="case:1", department=hall.dept_a,
                         message="逾期", raised_at=clock.now())
    Alert.objects.create(rule="near", severity=Severity.YELLOW, subject="case:2", department=hall.dept_a,
                         message="临近", raised_at=clock.now(), state=AlertState.CLOSED)
    client.get("/")  # one request counted under its route name
    status, content_type, text = scrape(client)
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    assert 'govhall_http_request_duration_seconds_bucket{le="0.005",method="GET",route="portal_home"}' in text
    assert 'govhall_http_responses_total{method="GET",route="portal_home",status="200"}' in text
    assert 'govhall_tasks_waiting{queue="default"} 1.0' in text
    oldest = float(_sample(text, 'govhall_tasks_oldest_waiting_seconds{queue="default"}'))
    assert 300 <= oldest < 330
    assert "govhall_workers_alive 1.0" in text and "govhall_worker_last_seen_timestamp_seconds " in text
    assert 'govhall_alerts_open{severity="red"} 1.0' in text and 'govhall_alerts_open{severity="yellow"} 0.0' in text
    assert 'govhall_calendar_days_left{kind="official"} 304.0' in text
    assert "govhall_database_up 1.0" in text
    # No checkpoint yet: the gauge is absent rather than a made-up value.
    assert "govhall_audit_last_verified" not in text


def test_metrics_show_the_last_verified_audit_chain(client, db, spring):
    verification = audit_verify()
    assert verification.ok and verification.checkpoint is not None
    text = scrape(client)[2]
    at = float(_sample(text, "govhall_audit_last_verified_timestamp_seconds"))
    assert abs(at - clock.now().timestamp()) < 60
    assert _sample(text, "govhall_audit_verified_event_id") == f"{float(verification.checkpoint.last_event_id)}"


def _sample(text: str, name: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return line.split()[-1]


def test_metrics_hold_no_case_number_and_no_personal_data(client, hall, spring):
    client.force_login(hall.applicant)
    client.get("/my/cases/D1-20260302-00001/")
    client.get("/workbench/cases/12345/")
    client.logout()
    # A sample is "series value"; what could leak is in the series (name and labels), not in the number,
    # whose digits (a timestamp) may contain "12345" by chance.
    ours = "\n".join(
        line.rsplit(" ", 1)[0] for line in scrape(client)[2].splitlines() if line.startswith("govhall_")
    )
    assert 'route="portal_my_case"' in ours and 'route="case_detail"' in ours
    for value in ("D1-20260302", "12345", hall.applicant.username, hall.applicant.phone, hall.applicant.id_number):
        assert value not in ours


def test_metrics_are_refused_to_other_addresses(client, db, settings):
    assert scrape(client, REMOTE_ADDR="203.0.113.9")[0] == 403
    settings.GOVHALL_METRICS_ALLOWED = ["10.8.0.0/16"]
    assert scrape(client, REMOTE_ADDR="10.8.3.4")[0] == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1")[0] == 403


def test_behind_a_proxy_nobody_told_us_of_every_visitor_looks_local_so_metrics_are_refused(client, db, settings):
    assert scrape(client, REMOTE_ADDR="127.0.0.1")[0] == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")[0] == 403
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED="for=203.0.113.9")[0] == 403
    settings.GOVHALL_TRUSTED_PROXIES = ["127.0.0.1"]
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")[0] == 403
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")[0] == 200


def test_a_bearer_token_opens_metrics_from_anywhere(client, db, settings):
    settings.GOVHALL_METRICS_TOKEN = "t" * 40
    assert scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer " + "t" * 40)[0] == 200
    assert scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer " + "t" * 39)[0] == 403
    assert scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="t" * 40)[0] == 403


@pytest.mark.django_db(transaction=True)
def test_a_scrape_while_the_database_is_down_still_answers(client):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"PORT": "1", "HOST": "127.0.0.1"} if connection.vendor == "postgresql"
                                    else {"NAME": str(ROOT / "var" / "no-such-folder" / "db.sqlite3")})
    try:
        status, _, text = scrape(client)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert status == 200 and "govhall_database_up 0.0" in text and "govhall_alerts_open" not in text


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (several gunicorn workers): two processes
    serve a request each, a third one's scrape counts both."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    (tmp_path / "metrics").mkdir()
    env.update(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], GOVHALL_VAR_DIR=str(tmp_path / "var"),
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    serve = ("import django; django.setup(); from django.test import Client; "
             "assert Client().get('/no-such-page/').status_code == 404")
    scrape_ = ("import django; django.setup(); from django.test import Client; "
               "print(Client().get('/metrics').content.decode())")
    for _ in range(2):
        served = subprocess.run([sys.executable, "-c", serve], check=False, env=env, cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert served.returncode == 0, served.stderr
    scraped = subprocess.run([sys.executable, "-c", scrape_], check=False, env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert 'govhall_http_responses_total{method="GET",route="unmatched",status="404"} 2.0' in scraped.stdout, \
        scraped.stdout[:2000] + scraped.stderr[-2000:]
