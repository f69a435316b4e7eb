"""Writing the general audit log. Services call ``audit_record`` inside their
transaction, so a rolled-back change leaves no audit row behind."""

from datetime import datetime
from typing import Any

from django.db import models

from govhall.core import clock, statements
from govhall.core.actors import is_system
from govhall.core.models import AuditEvent


def _event(*, actor, action: str, target: models.Model, data: dict[str, Any] | None, client_address: str | None,
           at: datetime | None = None) -> AuditEvent:
    return AuditEvent(
        at=at or clock.now(),
        actor=None if is_system(actor) else actor if actor.pk else None,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
        client_address=client_address,
    )


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    client_address: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event describing ``action`` done by ``actor`` on
    ``target`` (``at``: the moment of the act, now by default)."""
    event = _event(actor=actor, action=action, target=target, data=data, client_address=client_address, at=at)
    return statements.insert(event)


def audit_record_many(*, actor, action: str, targets: list[tuple[models.Model, dict[str, Any]]],
                      at: datetime | None = None) -> None:
    """One audit event per target, written in one statement (bulk imports; ``at`` as in ``audit_record``)."""
    at = at or clock.now()
    AuditEvent.objects.bulk_create(
        [_event(actor=actor, action=action, target=t, data=d, client_address=None, at=at) for t, d in targets]
    )


# Readable names of audit actions, registered by each app in its ready():
# action → (label, summary template over the event's data).
_ACTION_LABELS: dict[str, tuple] = {}


def register_action_labels(labels: dict[str, tuple]) -> None:
    _ACTION_LABELS.update(labels)


class _Missing(dict):
    def __missing__(self, key):
        return ""


def audit_describe(event: AuditEvent) -> tuple[str, str]:
    """(label, summary) of an event for people, e.g. ("发布", "第 2 版")."""
    label, template = _ACTION_LABELS.get(event.action, (event.action, ""))
    return str(label), str(template).format_map(_Missing(event.data)) if template else ""
