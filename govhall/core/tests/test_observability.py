"""Logs (docs/observability.md): one line per request with its id, user,
route, status, duration and case; personal data masked in every line; the
worker's per-task chatter at debug level."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from govhall.cases.tests.conftest import apply_online, desk  # noqa: F401 - the desk fixture
from govhall.core import clock
from govhall.core.observability import TaskChatterFilter, mask_personal_data

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
LANDLINE = "0826-2338001"


@pytest.mark.parametrize("text, masked", [
    (f"申请人身份证 {ID_NUMBER} 已核验", "申请人身份证 1101**********002X 已核验"),
    ("旧证 110105491231002 仍有效", "旧证 1101*******1002 仍有效"),
    (f"电话{PHONE}请回电", "电话138****5678请回电"),
    ("mobile +86 138-1234-5678.", "mobile 138****5678."),
    ("call 138 1234 5678", "call 138****5678"),
    (f"座机 {LANDLINE}", "座机 082*****8001"),
    ('{"phone": "13812345678", "id": "110105194912310020"}', '{"phone": "138****5678", "id": "1101**********0020"}'),
])
def test_identity_and_phone_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", [
    "case 511602101201-20261206-00001 accepted",  # a case number: center code, date, sequence
    "request 9f13812345678a4b2c9d0e1f2a3b4c5d",  # a hex request id that happens to hold 11 digits
    "took 12ms, 200 OK, 2026-12-06T01:00:00",
])
def test_codes_that_merely_contain_digits_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_masking_finds_numbers_side_by_side_and_at_the_edges():
    assert mask_personal_data(f"{PHONE} {ID_NUMBER}") == "138****5678 1101**********002X"
    assert mask_personal_data(f"{ID_NUMBER}/{PHONE}/{LANDLINE}") == "1101**********002X/138****5678/082*****8001"
    assert mask_personal_data(PHONE) == "138****5678"


def _log_in_a_process(log_format: str) -> str:
    """Log, through the configured handlers of a fresh process, a message,
    arguments, an ``extra`` field and a traceback that all hold personal data."""
    script = (
        "import django, logging; django.setup()\n"
        "log = logging.getLogger('govhall.test')\n"
        f"log.warning('申请人 %s 电话 %s', '{ID_NUMBER}', '{PHONE}', extra={{'applicant_phone': '{PHONE}'}})\n"
        "try:\n"
        f"    raise ValueError('bad number {ID_NUMBER} / {LANDLINE}')\n"
        "except ValueError:\n"
        "    log.exception('refused')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    env.update(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], GOVHALL_VAR_DIR=str(ROOT / "var"),
               GOVHALL_LOG_FORMAT=log_format)
    result = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_log_line_holds_an_identity_or_phone_number(log_format):
    output = _log_in_a_process(log_format)
    assert "申请人" in output and "refused" in output
    for raw in (ID_NUMBER, PHONE, LANDLINE, "2338001"):
        assert raw not in output
    assert "1101**********002X" in output and "138****5678" in output


def test_json_logs_are_one_object_per_line():
    lines = [line for line in _log_in_a_process("json").splitlines() if '"govhall.test"' in line]
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2  # the traceback stays inside its line
    first, second = entries
    assert first["level"] == "WARNING" and first["logger"] == "govhall.test"
    assert first["message"] == "申请人 1101**********002X 电话 138****5678"
    assert first["applicant_phone"] == "138****5678"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert "ValueError: bad number 1101**********002X / 082*****8001" in second["exception"]


# --- the request id and the request line ---------------------------------------------

def test_a_sane_request_id_comes_back_and_names_the_log_line(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="govhall.request"):
        answer = client.get("/", HTTP_X_REQUEST_ID="proxy-7f3a:01")
    assert answer["X-Request-ID"] == "proxy-7f3a:01"
    [line] = [r for r in caplog.records if r.name == "govhall.request"]
    assert line.request_id == "proxy-7f3a:01"
    assert (line.route, line.method, line.path, line.status) == ("portal_home", "GET", "/", 200)
    assert line.duration_ms >= 0 and line.user_id is None and line.case is None


@pytest.mark.parametrize("sent", ["", "has space", "x" * 65, "<script>", "id;drop"])
def test_a_missing_or_strange_request_id_is_replaced(client, db, sent):
    answer = client.get("/", HTTP_X_REQUEST_ID=sent) if sent else client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", answer["X-Request-ID"])
    assert client.get("/")["X-Request-ID"] != answer["X-Request-ID"]


def test_every_answer_carries_its_id_redirects_and_errors_included(client, db):
    for path in ("/workbench/", "/no-such-page/", "/api/cases/"):
        assert re.fullmatch(r"[0-9a-f]{32}", client.get(path)["X-Request-ID"]), path


def test_the_request_line_names_the_user_and_the_case(client, desk, caplog):  # noqa: F811 - fixture
    case = apply_online(applicant=desk.applicant, version=desk.version, center=desk.district, when=clock.now())
    client.force_login(desk.applicant)
    with caplog.at_level(logging.INFO, logger="govhall.request"):
        assert client.get(f"/my/cases/{case.number}/").status_code == 200
        client.force_login(desk.clerk)
        client.get(f"/workbench/cases/{case.pk}/")
        client.get(f"/api/cases/{case.number}/")
    lines = [r for r in caplog.records if r.name == "govhall.request"]
    assert [(r.route, r.case) for r in lines] == [
        ("portal_my_case", case.number), ("case_detail", case.number), ("api_case", case.number)]
    assert lines[0].user_id == desk.applicant.pk and lines[1].user_id == desk.clerk.pk
    assert all(PHONE not in r.getMessage() for r in lines)


def test_a_route_label_never_holds_an_address_part(client, db, caplog):
    with caplog.at_level(logging.DEBUG, logger="govhall.request"):
        client.get("/workbench/cases/12345/")
        client.get("/no-such-page/13812345678/")
        client.get("/static/govhall/site.css")
    lines = [(r.route, r.levelname) for r in caplog.records if r.name == "govhall.request"]
    # A static file served is worth a line only when debugging.
    assert lines == [("case_detail", "INFO"), ("unmatched", "INFO"), ("static", "DEBUG")]


# --- the worker's chatter ------------------------------------------------------------

def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "Task id=%s path=%s state=%s", ("1", "x", "SUCCESSFUL"), None)


def test_the_workers_per_task_lines_count_as_debug():
    chatter = TaskChatterFilter()
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.INFO)
        record = _record("django_tasks", logging.INFO)
        assert not chatter.filter(record) and record.levelname == "DEBUG"
        assert chatter.filter(_record("django_tasks", logging.ERROR))  # a failed task still shows
        assert chatter.filter(_record("django_tasks_db", logging.INFO))  # "Starting worker …": once
        root.setLevel(logging.DEBUG)
        assert chatter.filter(_record("django_tasks", logging.INFO))
    finally:
        root.setLevel(level)

