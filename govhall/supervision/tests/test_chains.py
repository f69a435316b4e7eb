"""The daily verification of the audit chains: a broken chain or a damaged
checkpoint is one red alert, a sound run raises nothing, and the worker
keeps one run waiting for the next GOVHALL_AUDIT_VERIFY_AT."""

from datetime import time, timedelta

import pytest
import time_machine
from django.core.management import call_command

from govhall.cases.models import AuditCheckpoint, CaseEvent
from govhall.cases.tests.conftest import at
from govhall.cases.tests.test_audit_verification import approved, reviewed
from govhall.supervision.models import Alert, AlertState
from govhall.supervision.rules import RULES
from govhall.supervision.tasks import audit_next_run, audit_schedule_next, audit_verify_task

pytestmark = pytest.mark.django_db


def daily(when: str) -> dict:
    """The daily task as the worker runs it at ``when``."""
    with time_machine.travel(at(when), tick=False):
        return audit_verify_task.call(reschedule=False)


def test_the_rules_are_red_with_their_basis():
    for code in ("case.chain_broken", "audit.checkpoint"):
        rule = RULES[code]
        assert rule.severity == "red" and "GB/T 22239-2019" in rule.basis and str(rule.title)


def test_a_sound_run_raises_nothing_and_signs_a_checkpoint(desk):
    reviewed(desk)
    result = daily("2026-03-03 02:00")
    assert (result["breaks"], result["problems"], result["alerts"], result["checkpoint"]) == (0, 0, 0, 1)
    assert not Alert.objects.exists()
    assert daily("2026-03-04 02:00")["checkpoint"] == 2


def test_a_broken_chain_is_one_red_alert_not_raised_again(desk):
    sound, broken = reviewed(desk), reviewed(desk)
    daily("2026-03-03 02:00")
    broken = approved(broken, desk)
    CaseEvent.objects.filter(case=broken, seq=5).update(data={"opinion": "不同意"})
    result = daily("2026-03-04 02:00")
    assert (result["breaks"], result["alerts"], result["checkpoint"]) == (1, 1, None)
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity, alert.case, alert.department) == ("case.chain_broken", "red", broken,
                                                                           broken.department)
    assert alert.subject == f"case:{broken.pk}:chain:5" and alert.data["seq"] == 5
    assert f"办件{broken.number}的事件链自第5个事件起校验未通过" in alert.message
    assert alert.data["reason"] == "content was changed after it was written (hash differs)"
    # The next day the chain is still broken: the same alert, nothing new.
    assert daily("2026-03-05 02:00")["alerts"] == 0
    # Not even once a supervisor closed it (the event stays what it is).
    Alert.objects.update(state=AlertState.CLOSED)
    assert daily("2026-03-06 02:00")["alerts"] == 0 and Alert.objects.count() == 1
    assert sound.alerts.count() == 0


def test_a_damaged_checkpoint_is_a_red_alert_on_the_hall(desk):
    reviewed(desk)
    daily("2026-03-03 02:00")
    daily("2026-03-04 02:00")
    AuditCheckpoint.objects.filter(number=1).update(last_event_id=10**9)
    result = daily("2026-03-05 02:00")
    assert (result["problems"], result["alerts"], result["checkpoint"], result["full"]) == (1, 1, None, True)
    alert = Alert.objects.get()
    assert (alert.rule, alert.severity, alert.case, alert.subject) == ("audit.checkpoint", "red", None,
                                                                       "audit:checkpoint:1")
    assert alert.department == desk.dept_a  # the first department of the topmost center with any
    assert alert.data["reason"] == "changed after it was signed (signature differs)"
    assert daily("2026-03-06 02:00")["alerts"] == 0


def test_everything_is_verified_again_once_a_week(desk, settings):
    settings.GOVHALL_AUDIT_FULL_DAYS = 7
    reviewed(desk)
    assert daily("2026-03-03 02:00")["full"] is True  # the first run
    reviewed(desk)
    result = daily("2026-03-09 02:00")  # six days after the full one
    assert (result["full"], result["hashed"]) == (False, 4)
    result = daily("2026-03-10 02:00")  # seven
    assert (result["full"], result["hashed"]) == (True, 8)


def test_the_next_run_is_the_next_verify_time(settings):
    settings.GOVHALL_AUDIT_VERIFY_AT = time(2, 30)
    assert audit_next_run(at("2026-03-03 01:00")) == at("2026-03-03 02:30")
    assert audit_next_run(at("2026-03-03 02:30")) == at("2026-03-04 02:30")
    assert audit_next_run(at("2026-03-03 23:59")) == at("2026-03-04 02:30")


def test_the_worker_keeps_one_daily_run_waiting(desk, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = DBTaskResult.objects.filter(task_path=audit_verify_task.module_path, status="READY")
    out = __import__("io").StringIO()
    call_command("supervise", "--schedule", stdout=out)
    assert "daily audit verification scheduled" in out.getvalue()
    assert audit_schedule_next() is False  # one is already waiting
    assert waiting.get().run_after == audit_next_run(waiting.get().enqueued_at)
    # Running it verifies and enqueues tomorrow's.
    waiting.delete()
    audit_verify_task.call()
    assert waiting.count() == 1 and AuditCheckpoint.objects.count() == 1
    assert waiting.get().run_after - audit_next_run(waiting.get().enqueued_at) == timedelta(0)
