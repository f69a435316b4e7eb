"""Writing the general audit log. Services call ``audit_record`` inside their
transaction, so a rolled-back change leaves no audit row behind."""

from typing import Any

from django.db import models

from govhall.core import clock
from govhall.core.models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    client_address: str | None = None,
) -> AuditEvent:
    """Append one audit event describing ``action`` done by ``actor`` on ``target``."""
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
        client_address=client_address,
    )
