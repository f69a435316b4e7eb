"""Granting and revoking agency authorizations (代办授权, DESIGN 3.8).

Recorded by the agent himself or by a manager of the agent's center, with
the applicant's signed authorization document; audited, the identity number
and phone masked in the log."""

import hashlib
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from govhall.agency.models import AgencyAuthorization
from govhall.agency.policy import may_record, may_revoke
from govhall.cases import limits
from govhall.cases.models import ApplicantKind
from govhall.core import clock, identity
from govhall.core.actors import is_system
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.masking import mask_id_number
from govhall.core.uploads import SCANS, upload_check
from govhall.org.roles import Role

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# The longest an authorization may run: one signature does not bind for ever.
LONGEST_DAYS = 366


def _text(value, field: str, message: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(message, field=field)
    if len(text) > limit:
        raise DomainError(_("不能超过 %(n)s 个字。") % {"n": limit}, field=field)
    return text


def _day(value, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise DomainError(_("请填写日期。"), field=field)
    return value


@transaction.atomic
def agency_grant(*, actor, agent, applicant_name: str, applicant_id_number: str, applicant_phone: str,
                 valid_from: date, expires_on: date, document_name: str, document: bytes,
                 applicant_kind: str = ApplicantKind.PERSON, applicant_account=None, all_items: bool = False,
                 items=(), at: datetime | None = None, client_address: str | None = None) -> AgencyAuthorization:
    """Record a signed agency authorization. Refused, naming the field: no
    agent, an unknown applicant kind, a bad identity number or phone, dates
    out of order or already past, longer than a year, no scope, no (or a
    bad) signed document. Nothing is written on a refusal."""
    at = at or clock.now()
    today = clock.to_local_date(at)
    if is_system(agent) or getattr(agent, "role", None) != Role.AGENT or not agent.is_active:
        raise DomainError(_("请选择在岗的代办员。"), field="agent")
    if agent.center_id is None:
        raise DomainError(_("代办员须属于一个政务服务中心。"), field="agent")
    if not may_record(actor, agent):
        raise NotPermitted(_("代办授权由代办员本人或其中心的管理人员登记。"))
    if applicant_kind not in ApplicantKind.values:
        raise DomainError(_("未知的申请人类型。"), field="applicant_kind")
    name = _text(applicant_name, "applicant_name", _("请填写申请人。"), limits.APPLICANT_NAME_MAX)
    number = identity.applicant_id(_text(applicant_id_number, "applicant_id_number", _("请填写证件号码。"), 32),
                                   applicant_kind)
    phone = identity.phone(_text(applicant_phone, "applicant_phone", _("请填写联系电话。"), 20),
                           field="applicant_phone")
    if applicant_account is not None and (applicant_account.role != Role.APPLICANT
                                          or applicant_account.id_number.strip().upper() != number):
        raise DomainError(_("申请人账户的证件号码与授权书不一致。"), field="applicant_account")
    valid_from, expires_on = _day(valid_from, "valid_from"), _day(expires_on, "expires_on")
    if expires_on < valid_from:
        raise DomainError(_("截止日期不能早于生效日期。"), field="expires_on")
    if expires_on < today:
        raise DomainError(_("授权已过期：截止日期早于今天。"), field="expires_on")
    if (expires_on - valid_from).days > LONGEST_DAYS:
        raise DomainError(_("一份授权最长一年。"), field="expires_on")
    items = list(items)
    if not all_items and not items:
        raise DomainError(_("请选择代办事项，或授权全部事项。"), field="items")
    upload = upload_check(filename=document_name, content=document, allowed=SCANS, max_bytes=DOCUMENT_MAX_BYTES,
                          field="document")
    record = AgencyAuthorization(agent=agent, center=agent.center, applicant_kind=applicant_kind,
                                 applicant_name=name, applicant_id_number=number, applicant_phone=phone,
                                 applicant_account=applicant_account, all_items=bool(all_items),
                                 valid_from=valid_from, expires_on=expires_on,
                                 document_sha256=hashlib.sha256(document).hexdigest(),
                                 recorded_by=agent if is_system(actor) else actor, recorded_at=at)
    record.document.save(f"agency-{agent.pk}-{number[-4:]}{upload.suffix}", ContentFile(document), save=False)
    record.save()
    if not all_items:
        record.items.set(items)
    audit_record(actor=actor, action="agency_grant", target=record, client_address=client_address,
                 data={"agent": str(agent), "applicant": name, "id_number": mask_id_number(number),
                       "valid_from": valid_from.isoformat(), "expires_on": expires_on.isoformat(),
                       "items": "*" if all_items else sorted(item.code for item in items),
                       "sha256": record.document_sha256})
    return record


@transaction.atomic
def agency_revoke(*, actor, authorization: AgencyAuthorization, reason: str, at: datetime | None = None,
                  client_address: str | None = None) -> AgencyAuthorization:
    """Revoke an authorization (the applicant withdrew it, the agent left …):
    from now on the agent may no longer act under it. By the agent, a
    manager of his center, or the applicant it names (on the portal). The
    row is locked: an agent's act at the same moment waits for the
    revocation or is committed before it (``agency_covering``)."""
    at = at or clock.now()
    authorization = AgencyAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if not may_revoke(actor, authorization):
        raise NotPermitted(_("代办授权由代办员本人、其中心的管理人员或授权的申请人本人撤销。"))
    reason = _text(reason, "reason", _("撤销授权须写明原因。"), 500)
    if authorization.revoked_at is not None:
        raise DomainError(_("该授权已于 %(at)s 撤销。") % {"at": clock.to_local_date(authorization.revoked_at)},
                          field="state")
    authorization.revoked_at, authorization.revoke_reason = at, reason
    authorization.revoked_by = None if is_system(actor) else actor
    authorization.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="agency_revoke", target=authorization, client_address=client_address,
                 data={"agent": str(authorization.agent), "applicant": authorization.applicant_name,
                       "id_number": mask_id_number(authorization.applicant_id_number), "reason": reason})
    return authorization
