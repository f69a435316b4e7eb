"""Handling an alert (DESIGN 3.9): the responsible department signs for it
and answers with a correction note (整改); a supervisor closes it or sends it
back. Every step audited."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from govhall.core import clock
from govhall.core.actors import person
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.org.models import User
from govhall.org.roles import DEPARTMENT_ROLES, Role
from govhall.org.selectors import user_department_ids
from govhall.supervision.models import Alert, AlertState

NOTE_MAX = 2000


def _require_responsible(actor: User, alert: Alert) -> None:
    """Staff of the alert's department (department roles only)."""
    if actor.role not in DEPARTMENT_ROLES or alert.department_id not in user_department_ids(actor):
        raise NotPermitted(_("只有责任部门的工作人员可以签收和整改该预警。"))


def _require_supervisor(actor: User) -> None:
    if actor.role != Role.SUPERVISOR:
        raise NotPermitted(_("只有电子监察人员可以审核预警。"))


def _note(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > NOTE_MAX:
        raise DomainError(_("内容过长（最多 %(n)s 字）。") % {"n": NOTE_MAX}, field=field)
    return value


def _move(alert: Alert, *, expected: set[str], actor: User, action: str, data: dict, **changes) -> Alert:
    """Guarded on the state the caller saw: two people at once, one wins."""
    if alert.state not in expected:
        raise DomainError(_("预警当前状态为“%(state)s”，不能执行该操作。") % {"state": AlertState(alert.state).label},
                          field="state")
    if Alert.objects.filter(pk=alert.pk, state=alert.state).update(**changes) != 1:
        raise Conflict(_("该预警刚被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(alert, field, value)
    audit_record(actor=actor, action=action, target=alert, data={"rule": alert.rule, **data})
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert, at: datetime | None = None) -> Alert:
    """The department signs for the alert (签收)."""
    _require_responsible(actor, alert)
    return _move(alert, expected={AlertState.OPEN}, actor=actor, action="alert.acknowledge", data={},
                 state=AlertState.ACKNOWLEDGED, acknowledged_at=at or clock.now(), acknowledged_by=person(actor))


@transaction.atomic
def alert_answer(*, actor: User, alert: Alert, answer: str, at: datetime | None = None) -> Alert:
    """The department's correction note (整改情况); signs for it too if not yet done."""
    _require_responsible(actor, alert)
    answer = _note(answer, "answer", _("请填写整改情况。"))
    at = at or clock.now()
    changes = {"state": AlertState.ANSWERED, "answer": answer, "answered_at": at, "answered_by": person(actor)}
    if alert.acknowledged_at is None:
        changes |= {"acknowledged_at": at, "acknowledged_by": person(actor)}
    return _move(alert, expected={AlertState.OPEN, AlertState.ACKNOWLEDGED}, actor=actor, action="alert.answer",
                 data={"answer": answer}, **changes)


@transaction.atomic
def alert_close(*, actor: User, alert: Alert, note: str = "", at: datetime | None = None) -> Alert:
    """A supervisor accepts the correction and closes the alert (办结)."""
    _require_supervisor(actor)
    note = (note or "").strip()[:NOTE_MAX]
    return _move(alert, expected={AlertState.ANSWERED}, actor=actor, action="alert.close", data={"note": note},
                 state=AlertState.CLOSED, review_note=note, closed_at=at or clock.now(), closed_by=person(actor))


@transaction.atomic
def alert_send_back(*, actor: User, alert: Alert, note: str, at: datetime | None = None) -> Alert:
    """A supervisor finds the correction insufficient: back to the department, with the reason."""
    _require_supervisor(actor)
    note = _note(note, "note", _("退回须写明理由。"))
    return _move(alert, expected={AlertState.ANSWERED}, actor=actor, action="alert.send_back", data={"note": note},
                 state=AlertState.ACKNOWLEDGED, review_note=note, sent_back=alert.sent_back + 1)
