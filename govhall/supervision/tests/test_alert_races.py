"""Raising, escalating and clearing an alert while someone else changes it:
each write is guarded on what was read (STYLE 8). The other party's change
is made between the read and the update, deterministically."""

import pytest

from govhall.core.models import AuditEvent
from govhall.supervision import engine
from govhall.supervision.engine import Finding, alert_raise, alerts_clear
from govhall.supervision.models import Alert, AlertState
from govhall.cases.tests.conftest import at

pytestmark = pytest.mark.django_db

SUBJECT = "case:1"


def finding(severity: str) -> Finding:
    return Finding("case.deadline", SUBJECT, severity, f"办件期限（{severity}）。", {"light": severity})


def raise_(desk, severity: str, when: str = "2026-03-13 10:00"):
    return alert_raise(finding(severity), department=desk.dept_a, at=at(when))


@pytest.fixture
def meanwhile(monkeypatch):
    """``meanwhile(name, change)``: the first call of the engine's read
    ``name`` returns what it read, after ``change()`` altered the rows (as
    another scan or person would in between); later calls read afresh."""
    def install(name, change):
        real, calls = getattr(engine, name), []

        def read(*args):
            result = real(*args)
            if not calls:
                calls.append(1)
                change()
            return result

        monkeypatch.setattr(engine, name, read)

    return install


def test_two_escalations_at_once_escalate_once(desk, meanwhile):
    yellow = raise_(desk, "yellow")
    # Another scan escalates it between this one's read and its update.
    meanwhile("_active_alert", lambda: Alert.objects.filter(pk=yellow.pk).update(severity="red"))
    assert raise_(desk, "red", "2026-03-17 10:00") is None
    [alert] = Alert.objects.all()
    assert alert.severity == "red" and alert.escalated_at is None  # the other scan's escalation, not a second one
    assert not AuditEvent.objects.filter(action="alert.escalate").exists()


def test_an_alert_closed_meanwhile_is_not_escalated_a_new_one_is_raised(desk, meanwhile):
    yellow = raise_(desk, "yellow")
    meanwhile("_active_alert", lambda: Alert.objects.filter(pk=yellow.pk).update(state=AlertState.CLOSED))
    red = raise_(desk, "red", "2026-03-17 10:00")
    yellow.refresh_from_db()
    assert (yellow.state, yellow.severity, yellow.escalated_at) == (AlertState.CLOSED, "yellow", None)
    assert red.pk != yellow.pk and (red.state, red.severity) == (AlertState.OPEN, "red")


def test_an_alert_raised_by_another_scan_meanwhile_is_escalated_not_lost(desk, meanwhile):
    # This scan saw no alert; the other one raised a yellow one before this
    # one's insert (which the one-active-alert constraint then refuses).
    meanwhile("_active_alert", lambda: raise_(desk, "yellow"))
    red = raise_(desk, "red", "2026-03-17 10:00")
    [alert] = Alert.objects.all()
    assert red == alert and alert.severity == "red" and alert.escalated_at == at("2026-03-17 10:00")


def test_clearing_leaves_an_alert_escalated_meanwhile(desk, meanwhile):
    yellow = raise_(desk, "yellow")
    meanwhile("_clearable_alerts", lambda: Alert.objects.filter(pk=yellow.pk).update(severity="red"))
    assert alerts_clear(rule="case.deadline", subject=SUBJECT, at=at("2026-03-13 11:00")) == 0
    yellow.refresh_from_db()
    assert (yellow.state, yellow.severity) == (AlertState.OPEN, "red")
    assert not AuditEvent.objects.filter(action="alert.clear").exists()


def test_clearing_leaves_an_alert_answered_meanwhile(desk, meanwhile):
    yellow = raise_(desk, "yellow")
    meanwhile("_clearable_alerts", lambda: Alert.objects.filter(pk=yellow.pk).update(state=AlertState.ANSWERED))
    assert alerts_clear(rule="case.deadline", subject=SUBJECT, at=at("2026-03-13 11:00")) == 0
    yellow.refresh_from_db()
    assert yellow.state == AlertState.ANSWERED and yellow.cleared_at is None
