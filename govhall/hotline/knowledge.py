"""The hotline's knowledge base (知识库, DESIGN 3.12; issue 15): entries
with versions, reviewed by the member unit they come from before the
hotline office publishes them, and the reads of the screens.

A version moves draft → review (the source unit reviews) → approved (the
office publishes) → published → superseded (by the next published
version) or withdrawn; a rejected review sends it back to draft with the
unit's note. Editing a published entry makes a new draft version; the
published one answers calls until the new one is published. One audit
event per change (``core.audit``). Who may do what is ``POLICY`` below,
checked by every service and read by the screens (``knowledge_actions_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core import clock
from govhall.core.actors import is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.hotline.models import (
    KNOWLEDGE_OPEN,
    KnowledgeEntry,
    KnowledgeState,
    KnowledgeVersion,
    MemberUnit,
)
from govhall.hotline.policy import OFFICE, OPERATORS
from govhall.hotline.selectors import unit_ids_for, units_for_dispatch
from govhall.org.roles import GLOBAL_ROLES, Role

# How many days ahead the office and the units are warned of an entry's end of validity.
EXPIRY_WARNING_DAYS = 30
TEXT_MAX = {"question": 200, "answer": 4000, "keywords": 200, "change_note": 300, "note": 500}

S = KnowledgeState


class KAct:
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    REVIEW = "review"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


KACT_LABELS = {
    KAct.CREATE: gettext_lazy("新建"), KAct.EDIT: gettext_lazy("修改"), KAct.SUBMIT: gettext_lazy("提交审核"),
    KAct.REVIEW: gettext_lazy("审核"), KAct.PUBLISH: gettext_lazy("发布"), KAct.WITHDRAW: gettext_lazy("撤回"),
}


@dataclass(frozen=True)
class KRule:
    roles: frozenset
    unit: bool  # a unit handler must handle the entry's source unit
    states: frozenset  # of the version acted on (empty: any)


UNIT = frozenset({Role.MEMBER_UNIT_HANDLER})
POLICY: dict[str, KRule] = {
    # The hotline's staff write down what they answer; a unit its own matters.
    KAct.CREATE: KRule(OPERATORS | UNIT, True, frozenset()),
    KAct.EDIT: KRule(OPERATORS | UNIT, True, frozenset({S.DRAFT, S.PUBLISHED, S.WITHDRAWN})),
    KAct.SUBMIT: KRule(OPERATORS | UNIT, True, frozenset({S.DRAFT})),
    # Only the source unit vouches for what is said in its name.
    KAct.REVIEW: KRule(UNIT, True, frozenset({S.REVIEW})),
    KAct.PUBLISH: KRule(OFFICE, False, frozenset({S.APPROVED})),
    KAct.WITHDRAW: KRule(OFFICE | UNIT, True, frozenset({S.PUBLISHED})),
}


def _in_center(actor, center) -> bool:
    return actor.center_id is not None and center.path.startswith(actor.center.path)


def knowledge_check(act: str, *, actor, unit: MemberUnit, center, version: KnowledgeVersion | None = None) -> None:
    """Refuses ``act`` by ``actor`` on an entry of ``unit`` at ``center``
    (``version``: the version acted on, whose state must allow it)."""
    rule = POLICY[act]
    if not is_system(actor):
        if not actor.is_active or actor.role not in rule.roles:
            raise NotPermitted(_("您的角色不能对知识条目执行“%(act)s”。") % {"act": KACT_LABELS[act]})
        if actor.role == Role.MEMBER_UNIT_HANDLER:
            if rule.unit and unit.pk not in unit_ids_for(actor):
                raise NotPermitted(_("该知识条目的来源单位不是您所在的单位。"))
        elif not _in_center(actor, center):
            raise NotPermitted(_("该知识条目不属于您所在的热线中心。"))
    if version is not None and rule.states and version.state not in rule.states:
        raise DomainError(_("该版本当前状态为“%(state)s”，不能“%(act)s”。")
                          % {"state": KnowledgeState(version.state).label, "act": KACT_LABELS[act]}, field="state")


def knowledge_actions_for(actor, entry: KnowledgeEntry, version: KnowledgeVersion) -> list[str]:
    """What ``actor`` may do with ``version`` of ``entry`` now (the screens' buttons)."""
    allowed = []
    for act in (KAct.EDIT, KAct.SUBMIT, KAct.REVIEW, KAct.PUBLISH, KAct.WITHDRAW):
        try:
            knowledge_check(act, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
        except DomainError:
            continue
        if act == KAct.EDIT and version.state != S.DRAFT and entry_open_version(entry) is not None:
            continue  # a new version is already being worked on
        allowed.append(act)
    return allowed


# --- input ----------------------------------------------------------------------

def _text(value, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("请填写此项。"), field=field)
    if len(value) > TEXT_MAX[field]:
        raise DomainError(_("不能超过 %(n)d 个字。") % {"n": TEXT_MAX[field]}, field=field)
    return value


def _keywords(value) -> str:
    """Keywords separated by spaces, commas or 、, stored space-separated."""
    value = _text(value, "keywords", required=False)
    for sep in ",，、;；":
        value = value.replace(sep, " ")
    return " ".join(dict.fromkeys(value.split()))


def _validity(valid_from, valid_until, at: datetime) -> tuple[date, date | None]:
    valid_from = valid_from or clock.to_local_date(at)
    for field, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value is not None and not isinstance(value, date):
            raise DomainError(_("请填写日期。"), field=field)
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(_("有效期止不能早于有效期起。"), field="valid_until")
    return valid_from, valid_until


def _source_unit(unit, center) -> MemberUnit:
    if unit is None or not unit.active or not units_for_dispatch(center=center).filter(pk=unit.pk).exists():
        raise DomainError(_("请选择本热线的在用成员单位作为来源单位。"), field="source_unit")
    return unit


def _audit(actor, act: str, version: KnowledgeVersion, at: datetime, client_address, **data) -> None:
    audit_record(actor=actor, action=f"hotline_knowledge_{act}", target=version, at=at, client_address=client_address,
                 data={"entry": version.entry_id, "number": version.number, "question": version.question, **data})


def _move(version: KnowledgeVersion, *, expected: str, at: datetime, **changes) -> KnowledgeVersion:
    """Change ``version`` from ``expected`` state with one guarded update
    (two people at once: exactly one wins)."""
    changes["updated_at"] = at
    if KnowledgeVersion.objects.filter(pk=version.pk, state=expected).update(**changes) != 1:
        raise Conflict(_("该知识条目刚被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(version, field, value)
    return version


# --- services -------------------------------------------------------------------

@transaction.atomic
def knowledge_create(*, actor, source_unit: MemberUnit, question: str, answer: str, keywords: str = "",
                     valid_from: date | None = None, valid_until: date | None = None, center=None,
                     at: datetime | None = None, client_address: str | None = None) -> KnowledgeVersion:
    """A new entry with its first version, a draft. ``center``: the hotline
    whose entry it is (an operator's own; a unit's hotline for a unit)."""
    at = at or clock.now()
    if center is None:
        center = source_unit.hotline_center if source_unit is not None and (
            is_system(actor) or actor.role == Role.MEMBER_UNIT_HANDLER) else getattr(actor, "center", None)
    if center is None:
        raise DomainError(_("请指定热线中心。"), field="center")
    source_unit = _source_unit(source_unit, center)
    knowledge_check(KAct.CREATE, actor=actor, unit=source_unit, center=center)
    question, answer = _text(question, "question"), _text(answer, "answer")
    valid_from, valid_until = _validity(valid_from, valid_until, at)
    entry = KnowledgeEntry.objects.create(center=center, source_unit=source_unit, created_by=person(actor),
                                          created_at=at)
    version = KnowledgeVersion.objects.create(
        entry=entry, number=1, question=question, answer=answer, keywords=_keywords(keywords),
        valid_from=valid_from, valid_until=valid_until, created_by=person(actor), created_at=at, updated_at=at)
    _audit(actor, KAct.CREATE, version, at, client_address, source_unit=source_unit.code)
    return version


def entry_open_version(entry: KnowledgeEntry) -> KnowledgeVersion | None:
    """The version being worked on (draft, in review or approved), if any."""
    return entry.versions.filter(state__in=sorted(KNOWLEDGE_OPEN)).first()


@transaction.atomic
def knowledge_edit(*, actor, version: KnowledgeVersion, question: str, answer: str, keywords: str = "",
                   valid_from: date | None = None, valid_until: date | None = None, change_note: str = "",
                   at: datetime | None = None, client_address: str | None = None) -> KnowledgeVersion:
    """Edit a draft in place; editing a published (or withdrawn) version
    makes the next version, a draft, and leaves the published one in force."""
    at = at or clock.now()
    entry = KnowledgeEntry.objects.select_for_update().select_related("source_unit", "center").get(pk=version.entry_id)
    knowledge_check(KAct.EDIT, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
    fields = {"question": _text(question, "question"), "answer": _text(answer, "answer"),
              "keywords": _keywords(keywords), "change_note": _text(change_note, "change_note", required=False)}
    fields["valid_from"], fields["valid_until"] = _validity(valid_from, valid_until, at)
    if version.state == S.DRAFT:
        version = _move(version, expected=S.DRAFT, at=at, **fields)
        _audit(actor, KAct.EDIT, version, at, client_address)
        return version
    if entry_open_version(entry) is not None:
        raise DomainError(_("该条目已有正在编写或审核的新版本。"), field="state")
    number = (entry.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = KnowledgeVersion.objects.create(entry=entry, number=number, created_by=person(actor), created_at=at,
                                            updated_at=at, **fields)
    _audit(actor, KAct.EDIT, draft, at, client_address, based_on=version.number)
    return draft


@transaction.atomic
def knowledge_submit(*, actor, version: KnowledgeVersion, at: datetime | None = None,
                     client_address: str | None = None) -> KnowledgeVersion:
    """Send a draft to its source unit for review."""
    at = at or clock.now()
    entry = version.entry
    knowledge_check(KAct.SUBMIT, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
    version = _move(version, expected=S.DRAFT, at=at, state=S.REVIEW, submitted_at=at)
    _audit(actor, KAct.SUBMIT, version, at, client_address, unit=entry.source_unit.code)
    return version


@transaction.atomic
def knowledge_review(*, actor, version: KnowledgeVersion, approve: bool, note: str = "", at: datetime | None = None,
                     client_address: str | None = None) -> KnowledgeVersion:
    """The source unit's review: approved (the office may publish it) or
    sent back to draft with the unit's note (required then)."""
    at = at or clock.now()
    entry = version.entry
    knowledge_check(KAct.REVIEW, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
    if not isinstance(approve, bool):
        raise DomainError(_("请选择审核结论。"), field="approve")
    note = _text(note, "note", required=not approve)
    version = _move(version, expected=S.REVIEW, at=at, state=S.APPROVED if approve else S.DRAFT,
                    reviewed_by=person(actor), reviewed_at=at, review_note=note)
    _audit(actor, KAct.REVIEW, version, at, client_address, approve=approve, note=note)
    return version


@transaction.atomic
def knowledge_publish(*, actor, version: KnowledgeVersion, at: datetime | None = None,
                      client_address: str | None = None) -> KnowledgeVersion:
    """The office publishes an approved version: it answers calls from now
    on (within its validity) and the one it replaces is superseded."""
    at = at or clock.now()
    entry = KnowledgeEntry.objects.select_for_update().select_related("source_unit", "center").get(pk=version.entry_id)
    knowledge_check(KAct.PUBLISH, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
    if version.valid_until is not None and version.valid_until < clock.to_local_date(at):
        raise DomainError(_("该版本已过有效期，请修改有效期后重新提交。"), field="valid_until")
    previous = entry.versions.filter(state=S.PUBLISHED).first()
    if previous is not None:
        _move(previous, expected=S.PUBLISHED, at=at, state=S.SUPERSEDED, ended_at=at)
    version = _move(version, expected=S.APPROVED, at=at, state=S.PUBLISHED, published_by=person(actor),
                    published_at=at)
    KnowledgeEntry.objects.filter(pk=entry.pk).update(current=version)
    entry.current = version
    _audit(actor, KAct.PUBLISH, version, at, client_address, supersedes=previous.number if previous else None)
    return version


@transaction.atomic
def knowledge_withdraw(*, actor, version: KnowledgeVersion, reason: str, at: datetime | None = None,
                       client_address: str | None = None) -> KnowledgeVersion:
    """Take a published version out of use (wrong, or no longer the rule):
    it is not suggested any more; a later version may be published again."""
    at = at or clock.now()
    entry = version.entry
    knowledge_check(KAct.WITHDRAW, actor=actor, unit=entry.source_unit, center=entry.center, version=version)
    reason = _text(reason, "note")
    version = _move(version, expected=S.PUBLISHED, at=at, state=S.WITHDRAWN, ended_at=at)
    KnowledgeEntry.objects.filter(pk=entry.pk).update(current=None)
    entry.current = None
    _audit(actor, KAct.WITHDRAW, version, at, client_address, reason=reason)
    return version


def in_force(version: KnowledgeVersion, day: date) -> bool:
    """Published and valid on ``day`` (what may be suggested and used)."""
    return (version.state == S.PUBLISHED and version.valid_from <= day
            and (version.valid_until is None or day <= version.valid_until))


def knowledge_used(*, center, knowledge: KnowledgeVersion | None, guide, at: datetime) -> dict | None:
    """What a direct answer records about its source (the order's chain
    data), after checking it may be used at ``center`` at ``at``: a knowledge
    version in force of this hotline or one above it, or the published
    service guide (the item's version in force)."""
    if knowledge is not None and guide is not None:
        raise DomainError(_("只能选择一个答复依据。"), field="knowledge")
    if knowledge is not None:
        entry = knowledge.entry
        if not center.path.startswith(entry.center.path) or not in_force(knowledge, clock.to_local_date(at)):
            raise DomainError(_("该知识不在有效期内或未发布，不能作为答复依据。"), field="knowledge")
        return {"kind": "entry", "entry": entry.pk, "version": knowledge.number, "id": knowledge.pk}
    if guide is not None:
        if guide.item.current_id != guide.pk:
            raise DomainError(_("该办事指南不是现行版本，不能作为答复依据。"), field="knowledge")
        return {"kind": "guide", "item": guide.item.code, "version": guide.number, "id": guide.pk}
    return None


# --- reads ----------------------------------------------------------------------

def knowledge_scope(user) -> Q:
    """The entries ``user`` may see: the hotline's staff those of their
    center and below, a unit's handler those of their units, supervisors
    and administrators all."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return Q()
    if user.role in OPERATORS:
        return Q(center__path__startswith=user.center.path) if user.center_id else Q(pk__in=[])
    if user.role == Role.MEMBER_UNIT_HANDLER:
        return Q(source_unit_id__in=unit_ids_for(user))
    return Q(pk__in=[])


def knowledge_may_read(user) -> bool:
    return user.is_authenticated and (user.role in GLOBAL_ROLES | OPERATORS | UNIT or user.is_superuser)


def knowledge_list_visible(*, user, state: str = "", unit: int | None = None) -> QuerySet[KnowledgeVersion]:
    """The latest version of each entry ``user`` may see (the list), by state."""
    later = KnowledgeVersion.objects.filter(entry=OuterRef("entry"), number__gt=OuterRef("number"))
    versions = (KnowledgeVersion.objects.filter(entry__in=KnowledgeEntry.objects.filter(knowledge_scope(user)))
                .exclude(Exists(later)).select_related("entry", "entry__source_unit"))
    if state:
        versions = versions.filter(state=state)
    if unit:
        versions = versions.filter(entry__source_unit_id=unit)
    return versions.order_by("-updated_at", "-pk")


def knowledge_get_visible(*, user, pk: int) -> KnowledgeEntry | None:
    return (KnowledgeEntry.objects.filter(knowledge_scope(user), pk=pk)
            .select_related("center", "source_unit", "current").first())


def entry_versions(entry: KnowledgeEntry) -> list[KnowledgeVersion]:
    return list(entry.versions.select_related("created_by", "reviewed_by", "published_by").order_by("-number"))


def knowledge_expiring(*, user, at: datetime, days: int = EXPIRY_WARNING_DAYS) -> list[KnowledgeVersion]:
    """Published versions ``user`` may see whose validity ends within
    ``days`` days of ``at`` or has ended (the expiry warnings), soonest first."""
    day = clock.to_local_date(at)
    return list(KnowledgeVersion.objects.filter(entry__in=KnowledgeEntry.objects.filter(knowledge_scope(user)),
                                                state=S.PUBLISHED, valid_until__lte=day + timedelta(days=days))
                .select_related("entry", "entry__source_unit").order_by("valid_until", "pk"))
