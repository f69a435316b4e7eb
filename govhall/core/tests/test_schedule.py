"""``govhall schedule``: the worker's periodic tasks enqueued once each."""

import io
import os
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from govhall.console import main


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def waiting() -> list[str]:
    return sorted(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_every_periodic_task_is_enqueued_once(db, database_queue):
    out = io.StringIO()
    call_command("schedule", stdout=out)
    expected = ["govhall.core.tasks.media_sweep_task", "govhall.stats.tasks.rollup_task", "govhall.supervision.tasks.audit_verify_task",
                "govhall.supervision.tasks.supervise_task", "govhall.hall.tasks.appointment_sweep_task",
                "govhall.hotline.suggest_tasks.suggest_train_all_task"]
    if connection.vendor == "postgresql":  # the event table's partitions
        expected.append("govhall.cases.tasks.event_partitions_task")
    assert waiting() == sorted(expected)
    assert "supervision scan: scheduled" in out.getvalue()
    call_command("schedule", stdout=io.StringIO())  # a second worker starting: nothing more
    assert waiting() == sorted(expected)


def test_the_partitions_task_creates_the_months_and_plans_tomorrows_run(db, database_queue):
    from govhall.cases.tasks import event_partitions_task

    if connection.vendor != "postgresql":
        assert event_partitions_task.call() == []
        assert waiting() == []  # nothing to keep up on SQLite
        return
    event_partitions_task.call()
    run = DBTaskResult.objects.get(status="READY", task_path="govhall.cases.tasks.event_partitions_task")
    assert run.run_after is not None


def test_the_worker_command_schedules_first(monkeypatch):
    calls = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", calls.append)
    main(["worker"])
    assert calls == [["govhall", "schedule"], ["govhall", "db_worker", "--no-reload"]]


def test_a_failed_scan_still_plans_the_next(db, database_queue, monkeypatch):
    from govhall.supervision import tasks

    def database_away(**kwargs):
        raise ConnectionError("database restarting")
    monkeypatch.setattr("govhall.supervision.engine.supervise_scan", database_away)
    with pytest.raises(ConnectionError):
        tasks.supervise_task.call()
    assert waiting() == ["govhall.supervision.tasks.supervise_task"]


def test_the_daily_sweep_removes_orphans_and_plans_tomorrow(db, database_queue, settings):
    from govhall.core import tasks

    orphan = settings.MEDIA_ROOT / "cases" / "materials" / "orphan.pdf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.4 left behind")
    two_hours_ago = time.time() - 7200  # past the grace period of an upload still being committed
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    assert tasks.media_sweep_task.call() == 1 and not orphan.exists()
    assert waiting() == ["govhall.core.tasks.media_sweep_task"]


def test_the_worker_starts_again_when_the_database_goes_away(monkeypatch, capsys):
    from django.db import OperationalError

    calls = []

    def run(argv):
        calls.append(argv)
        if len(calls) == 2:  # the worker loses the database once
            raise OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr("django.core.management.execute_from_command_line", run)
    monkeypatch.setattr("govhall.console.WORKER_RETRY_SECONDS", 0)
    main(["worker"])
    assert calls == [["govhall", "schedule"], ["govhall", "db_worker", "--no-reload"]] * 2
    assert "the database is unavailable" in capsys.readouterr().err
