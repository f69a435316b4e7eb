"""Who may take which action on a case, and when (DESIGN 2: one rule in one place).

One declarative table, ``POLICY``: per action, the grant it needs (the kind
of authorization, and whose department grants it — the case's, the current
review step's, or the decision step's), the roles that may hold it, whether
it is the department head's own act, and whether the case's applicant takes
it himself. The states an action starts from are the ``TRANSITIONS`` table
of ``states.py``; the other conditions (a step left to finish, a fee to pay,
a deadline not yet passed) are the ``GUARDS`` below.

Read by:
- the services (``actor_grant`` and ``guard_check`` at the top of each);
- ``actions_for``, "which actions may this person take now" (the workbench,
  the portal and the API show only these);
- ``case_act``, the one entry point of the web and the API
  (``services.case_act``);
- supervision's integrity rule (``act_permitted``: an event by someone the
  table does not allow raises an alert).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.cases.selectors import materials_pending
from govhall.cases.states import Action, State, request_label, target_state
from govhall.core.actors import is_system
from govhall.core.errors import DomainError, NotPermitted
from govhall.org.models import Action as Grant_
from govhall.org.roles import READ_ONLY_ROLES, STAFF_ROLES, Role
from govhall.org.selectors import authorization_condition, staff_authorizations, staff_is_authorized


class Where(StrEnum):
    """Whose department grants the authorization an action needs."""

    CASE = "case"  # the department the case belongs to (the item's)
    STEP = "step"  # the department of the current review step (e.g. an on-site check by another bureau)
    DECISION = "decision"  # the department of the decision step (an approval bureau may decide)


# The authorization a review step needs, by the role the item gives the step.
BY_STEP = "by_step"
STEP_AUTHORIZATION = {
    Role.CLERK: Grant_.ACCEPT, Role.CHIEF_REPRESENTATIVE: Grant_.REVIEW, Role.REVIEWER: Grant_.REVIEW,
    Role.APPROVER: Grant_.APPROVE, Role.DEPARTMENT_HEAD: Grant_.APPROVE,
}
# The roles of the decision step: the last step an approver or head performs.
DECISION_ROLES = frozenset({Role.APPROVER, Role.DEPARTMENT_HEAD})
# Staff who act on cases: everyone but the read-only supervisors. Which
# items and steps each of them may act on is the grant's business.
ACTING_ROLES = frozenset(STAFF_ROLES - READ_ONLY_ROLES)


@dataclass(frozen=True)
class Rule:
    """Who may take one action."""

    authorization: str | None  # an org.Action, BY_STEP, or None (no grant: the head's own act, or the system's)
    department: Where = Where.CASE
    roles: frozenset = ACTING_ROLES  # the staff roles that may take it, given the grant
    head: bool = False  # only the head of the case's department, as the head's own act
    applicant: bool = False  # the case's own applicant may take it (online, API)
    system_only: bool = False  # only the system itself (no person, no interface)


HEAD = frozenset({Role.DEPARTMENT_HEAD})
# Who takes the applicant's actions without a grant: the applicant on his
# own case, an agent under the applicant's agency authorization.
ON_BEHALF = frozenset({Role.APPLICANT, Role.AGENT})

POLICY: dict[str, Rule] = {
    # Receipt: a clerk authorized to accept the item, or the applicant online.
    Action.SUBMIT: Rule(Grant_.ACCEPT, applicant=True),
    Action.ATTACH_MATERIAL: Rule(Grant_.ACCEPT, applicant=True),
    # The acceptance check: each material 合格 or 需补正 (what the
    # correction notice lists, and what acceptance requires).
    Action.CHECK_MATERIALS: Rule(Grant_.ACCEPT),
    Action.ACCEPT: Rule(Grant_.ACCEPT),
    Action.REJECT: Rule(Grant_.ACCEPT),
    Action.REQUEST_CORRECTION: Rule(Grant_.ACCEPT),
    Action.RESUBMIT: Rule(Grant_.ACCEPT, applicant=True),
    Action.COMPLETE_STEP: Rule(BY_STEP, department=Where.STEP),
    Action.SEND_BACK: Rule(BY_STEP, department=Where.STEP),
    # A special procedure (art. 45) or an extension (art. 42) is asked for by
    # a reviewer of the case's department and approved or refused by the
    # department head, as the head's own act in the head's work list (two
    # events). The head may also extend on his own initiative.
    Action.REQUEST_SUSPENSION: Rule(Grant_.REVIEW),
    Action.SUSPEND: Rule(None, roles=HEAD, head=True),
    Action.RESUME: Rule(Grant_.REVIEW),
    Action.REQUEST_EXTENSION: Rule(Grant_.REVIEW),
    Action.EXTEND: Rule(None, roles=HEAD, head=True),
    Action.REFUSE_REQUEST: Rule(None, roles=HEAD, head=True),
    Action.APPROVE: Rule(Grant_.APPROVE, department=Where.DECISION),
    Action.DENY: Rule(Grant_.APPROVE, department=Where.DECISION),
    Action.RECORD_PAYMENT: Rule(Grant_.CHARGE),
    Action.CERTIFY: Rule(Grant_.CERTIFY),
    Action.DELIVER: Rule(Grant_.DELIVER),
    Action.CLOSE: Rule(Grant_.DELIVER),
    # The applicant himself, or a clerk at the window on his written request.
    Action.WITHDRAW: Rule(Grant_.ACCEPT, applicant=True),
    Action.TERMINATE: Rule(None, roles=HEAD, head=True),
    Action.RECOMPUTE_DEADLINE: Rule(None, system_only=True),
}

# The actions people take through the web and the API (``case_act``); as an
# action on a case, "submit" is the submission of an online draft (receipt at
# a window creates the case: its own form and service).
INTERFACE_ACTIONS = tuple(action for action, rule in POLICY.items() if not rule.system_only)


# --- the steps of a case ---------------------------------------------------------

def decision_index(steps: list) -> int:
    """The decision step: the last step done by an approver or department head."""
    for index in range(len(steps) - 1, -1, -1):
        if steps[index].role in DECISION_ROLES:
            return index
    return len(steps) - 1


def _current(steps: list, step: int):
    return steps[min(step, len(steps) - 1)] if steps else None


class Need(NamedTuple):
    """The grant one act needs: ``authorization`` on the case's item in ``department``."""

    department: object  # a Department, or its id
    authorization: str


def grant_needed(action: str, case: Case, steps: list, *, step: int | None = None) -> Need | None:
    """The grant ``action`` needs on ``case`` (None: none). ``step``: the
    review step it is taken at, when not the case's current one (an event
    read back by supervision)."""
    rule = POLICY[action]
    if rule.authorization is None:
        return None
    step = case.step if step is None else step
    department = case.department
    authorization = rule.authorization
    if rule.department == Where.STEP:
        current = _current(steps, step)
        if current is not None and current.department_id:
            department = current.department
    elif rule.department == Where.DECISION and steps:
        decision = steps[decision_index(steps)]
        if decision.department_id:
            department = decision.department
    if authorization == BY_STEP:
        current = _current(steps, step)
        authorization = STEP_AUTHORIZATION.get(current.role, Grant_.REVIEW) if current is not None else Grant_.REVIEW
    return Need(department, authorization)


class Grant(NamedTuple):
    """The authorization an act needs, for a staff member on the day ``on``
    (his own, or that of an A/B post's holder he covers that day): the
    guarded update of the transition tests it in the same statement (nothing
    changes without it); ``require`` asks it alone, to tell a refusal from a conflict."""

    actor: object
    department: object
    item_code: str
    action: str
    on: date | None = None

    def condition(self) -> tuple[str, list]:
        return authorization_condition(self.actor, department=self.department, action=self.action,
                                       item_code=self.item_code, on=self.on)

    def require(self) -> None:
        if not staff_is_authorized(self.actor, department=self.department, action=self.action,
                                   item_code=self.item_code, on=self.on):
            raise NotPermitted(_("您没有该事项“%(action)s”的授权。") % {"action": Grant_(self.action).label})


def _is_head(actor, case: Case) -> bool:
    return actor.role == Role.DEPARTMENT_HEAD and actor.department_id == case.department_id


def agency_for(actor, case: Case, on: date | None, *, lock: bool = False):
    """The agency authorization (govhall/agency) under which ``actor``, an
    agent, acts on ``case`` on the day ``on``: held by him, valid that day,
    not revoked, for the case's applicant and item. None: none. ``lock``:
    in the act's transaction, held until it commits (a revocation at the
    same moment waits, or is seen: ``agency_covering``)."""
    from govhall.agency.selectors import agency_covering
    from govhall.core import clock

    return agency_covering(actor, applicant_id_number=case.applicant_id_number, item=case.item_version.item,
                           on=on or clock.today(), lock=lock)


def on_behalf(actor, case: Case, on: date | None) -> dict | None:
    """What a case event records of an agent's act: the authorization, the
    agent and the applicant he acts for (None: not an agent's act)."""
    if is_system(actor) or actor.role != Role.AGENT:
        return None
    agency = agency_for(actor, case, on)
    return None if agency is None else {"agency": agency.pk, "agent": str(actor), "applicant": agency.applicant_name}


def agency_present(agency, case: Case, on: date) -> dict:
    """What a receipt at the window records of the agent present with the
    applicant's authorization ``agency``: refused (naming the field) unless
    it covers the case's applicant and item that day."""
    from govhall.agency.selectors import agency_covering

    if agency_covering(agency.agent, applicant_id_number=case.applicant_id_number, item=case.item_version.item,
                       on=on, pk=agency.pk, lock=True) is None:
        raise DomainError(_("该代办授权不适用于本申请（已过期、已撤销、申请人不符或事项不在授权范围）。"), field="agency")
    return {"agency": agency.pk, "agent": str(agency.agent), "applicant": agency.applicant_name}


def _refusal(action: str, actor, case: Case, on: date | None = None, *, lock: bool = False) -> NotPermitted | None:
    """Why ``actor`` may not take ``action`` on ``case`` whatever the grants
    (None: the grant, if any, decides). An agent takes the applicant's
    actions under a valid agency authorization on the day ``on`` (``lock``:
    the act's own check, in its transaction: the authorization's row is
    locked until the act commits)."""
    rule = POLICY[action]
    if rule.system_only:
        return NotPermitted(_("该操作只由系统执行。"))
    if actor.role == Role.AGENT:
        if not rule.applicant:
            return NotPermitted(_("代办员只能代申请人办理申请人的操作。"))
        if agency_for(actor, case, on, lock=lock) is None:
            return NotPermitted(_("没有该申请人、该事项当日有效的代办授权（已过期、已撤销或不在授权范围）。"))
        return None
    if actor.role == Role.APPLICANT:
        if not rule.applicant:
            return NotPermitted(_("申请人不能办理该操作。"))
        if case.applicant_id is None or case.applicant_id != actor.pk:
            return NotPermitted(_("只能办理本人的申请。"))
        return None
    if not actor.is_active or actor.role not in rule.roles:
        if rule.head:
            return NotPermitted(_("须由本部门负责人批准。"))
        return NotPermitted(_("您无权办理该办件。"))
    if rule.head and not _is_head(actor, case):
        return NotPermitted(_("须由本部门负责人批准。"))
    return None


def actor_grant(action: str, *, actor, case: Case, steps: list, item_code: str | None = None,
                department=None, on: date | None = None) -> Grant | None:
    """Check who takes ``action``: raises NotPermitted for someone the table
    refuses; the grant the act still needs on the day ``on`` (tested by the
    transition's guarded update), or None (the system; the applicant on his
    own case; a head's own act). ``department``/``item_code``: before a case exists (receipt)."""
    if is_system(actor):
        return None
    refusal = _refusal(action, actor, case, on, lock=True)  # in the service's transaction
    if refusal is not None:
        raise refusal
    if actor.role in ON_BEHALF:
        return None
    need = grant_needed(action, case, steps)
    if need is None:
        return None
    return Grant(actor, department or need.department, item_code or case.item_version.item.base_code,
                 need.authorization, on)


# --- the conditions besides the state ----------------------------------------------

def _overdue(case: Case, today: date) -> bool:
    return case.due_date is not None and today > case.due_date


def _steps_left(case: Case, steps: list, today: date) -> DomainError | None:
    if case.step >= decision_index(steps):
        return DomainError(_("审查环节已完成，请作出决定。"), field="step")
    return None


def _not_first_step(case: Case, steps: list, today: date) -> DomainError | None:
    if case.step <= 1:
        return DomainError(_("已是第一个审查环节，不能再退回。"), field="step")
    return None


def _in_time(case: Case, steps: list, today: date) -> DomainError | None:
    """Lateness stays visible: once the deadline has passed, neither an
    extension nor a special procedure is accepted (the case stays overdue
    until decided)."""
    if _overdue(case, today):
        return DomainError(_("办件已于 %(due)s 超过期限，不能再延长期限或启动特别程序；超期状态保留至作出决定。")
                           % {"due": case.due_date.isoformat()}, field="state")
    return None


def _no_extension_yet(case: Case, steps: list, today: date) -> DomainError | None:
    if case.extension_days:
        return DomainError(_("期限只能延长一次。"), field="days")
    return _in_time(case, steps, today)


def _nothing_pending(case: Case) -> DomainError | None:
    if case.request_action:
        return DomainError(_("已有一项申请（%(action)s）等待部门负责人审批。")
                           % {"action": request_label(case)}, field="state")
    return None


def _may_request_suspension(case: Case, steps: list, today: date) -> DomainError | None:
    return _nothing_pending(case) or _in_time(case, steps, today)


def _may_request_extension(case: Case, steps: list, today: date) -> DomainError | None:
    return _nothing_pending(case) or _no_extension_yet(case, steps, today)


def _suspension_requested(case: Case, steps: list, today: date) -> DomainError | None:
    if case.request_action != Action.SUSPEND:
        return DomainError(_("没有待批准的特别程序申请。"), field="state")
    return _in_time(case, steps, today)


def _request_pending(case: Case, steps: list, today: date) -> DomainError | None:
    if not case.request_action:
        return DomainError(_("没有待审批的申请。"), field="state")
    return None



def _steps_done(case: Case, steps: list, today: date) -> DomainError | None:
    if case.step < decision_index(steps):
        return DomainError(_("还有审查环节未完成（当前：%(step)s）。") % {"step": steps[case.step].name}, field="step")
    return None


def _materials_complete(case: Case, steps: list, today: date) -> DomainError | None:
    """Art. 32(5): accepted when the materials are complete and in legal
    form — each required material checked 合格, none found 需补正."""
    pending = materials_pending(case)
    if pending:
        return DomainError(_("受理前须逐项核验材料，尚未核验合格：%(list)s。") % {"list": "、".join(pending)},
                           field="materials")
    return None


def _fee_due(case: Case, steps: list, today: date) -> DomainError | None:
    if case.item_version.no_fee:
        return DomainError(_("该事项不收费。"), field="amount")
    if case.fee_paid_at is not None:
        return DomainError(_("已经收费。"), field="amount")
    return None


def _certificate_due(case: Case, steps: list, today: date) -> DomainError | None:
    if case.item_version.result_type != "certificate":
        return DomainError(_("该事项的办理结果不是证照，无需制证。"), field="certificate_number")
    if case.certificate_number:
        return DomainError(_("证照已制作。"), field="certificate_number")
    return None


def _ready_to_deliver(case: Case, steps: list, today: date) -> DomainError | None:
    if case.state == State.APPROVED:
        if case.item_version.no_fee is False and case.fee_paid_at is None:
            return DomainError(_("尚未缴费，不能送达。"), field="state")
        if case.item_version.result_type == "certificate" and not case.certificate_number:
            return DomainError(_("证照尚未制作，不能送达。"), field="state")
    return None


Guard = Callable[[Case, list, date], DomainError | None]
GUARDS: dict[str, Guard] = {
    Action.ACCEPT: _materials_complete,
    Action.COMPLETE_STEP: _steps_left,
    Action.SEND_BACK: _not_first_step,
    Action.REQUEST_SUSPENSION: _may_request_suspension,
    Action.SUSPEND: _suspension_requested,
    Action.REQUEST_EXTENSION: _may_request_extension,
    Action.EXTEND: _no_extension_yet,
    Action.REFUSE_REQUEST: _request_pending,
    Action.APPROVE: _steps_done,
    Action.DENY: _steps_done,
    Action.RECORD_PAYMENT: _fee_due,
    Action.CERTIFY: _certificate_due,
    Action.DELIVER: _ready_to_deliver,
}


def guard_check(action: str, *, case: Case, steps: list, today: date) -> None:
    """Raise the DomainError of ``action``'s condition, if it does not hold."""
    guard = GUARDS.get(action)
    problem = guard(case, steps, today) if guard is not None else None
    if problem is not None:
        raise problem


# --- what a person may do now ------------------------------------------------------

def actions_for(actor, case: Case, *, steps: list, today: date, grants: set | None = None) -> list[str]:
    """The interface actions ``actor`` may take on ``case`` now, in the
    table's order: the state allows it, the table allows the person, the
    grant is held (one query for all, or ``grants`` as
    ``staff_authorizations`` gave them) and the action's condition holds."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    allowed = []
    for action in INTERFACE_ACTIONS:
        if target_state(action, case.state) is None or _refusal(action, actor, case, today) is not None:
            continue
        if actor.role not in ON_BEHALF:
            need = grant_needed(action, case, steps)
            if need is not None:
                if grants is None:
                    grants = staff_authorizations(actor, on=today)
                department_id = getattr(need.department, "pk", need.department)
                code = case.item_version.item.base_code
                if not any((department_id, need.authorization, c) in grants for c in ("", code)):
                    continue
        guard = GUARDS.get(action)
        if guard is not None and guard(case, steps, today) is not None:
            continue
        allowed.append(action)
    return allowed


# The acts that move a case on: when one of them is open to a person, the
# case waits for that person (待办). Optional acts (a correction notice, a
# send-back, a request to the head, a withdrawal …) are offered on the case
# page but do not put a case in anyone's list; the head's extension on his
# own initiative neither (a reviewer's request puts it there: REFUSE_REQUEST
# is open exactly while a request waits).
DUTIES = frozenset({
    Action.CHECK_MATERIALS, Action.ACCEPT, Action.COMPLETE_STEP, Action.RESUME, Action.SUSPEND,
    Action.REFUSE_REQUEST, Action.APPROVE, Action.RECORD_PAYMENT, Action.CERTIFY, Action.DELIVER, Action.CLOSE,
})


# The acts of the window that received the case (its center's clerks take
# them, not a clerk of another hall holding the same department's grant).
WINDOW_DUTIES = frozenset({Action.CHECK_MATERIALS, Action.ACCEPT, Action.RECORD_PAYMENT, Action.CERTIFY,
                           Action.DELIVER, Action.CLOSE})


def duties_for(actor, case: Case, *, steps: list, today: date, grants: set | None = None) -> list[str]:
    """The acts that wait for ``actor`` on ``case`` now (his 待办); the
    window's acts only for staff of the center that received the case."""
    elsewhere = actor.center_id is not None and actor.center_id != case.center_id
    return [action for action in actions_for(actor, case, steps=steps, today=today, grants=grants)
            if action in DUTIES and not (elsewhere and action in WINDOW_DUTIES)]


def may_receive(actor, *, today: date) -> bool:
    """Whether ``actor`` receives applications at a window: active staff
    holding an acceptance authorization (his own, or an A/B post's holder's
    he covers today) — the 窗口收件 pages and links."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.role in ACTING_ROLES and any(
        action == Grant_.ACCEPT for _d, action, _c in staff_authorizations(actor, on=today))


def may_have_duties(actor, *, today: date) -> bool:
    """Whether a case can wait for ``actor`` at all (an authorization, or a
    department head's approvals): who gets a 待办 list."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.role == Role.DEPARTMENT_HEAD:
        return True
    return actor.role in ACTING_ROLES and bool(staff_authorizations(actor, on=today))


def green_channel_refusal(actor, center) -> NotPermitted | None:
    """Who flags a case (or a joint case) of ``center`` as green channel
    (绿色通道, DESIGN 3.8) or takes the flag off: a center manager of that
    center or of one above it — a center's act, not a step of the
    lifecycle, so not in ``POLICY`` (None: allowed)."""
    if (getattr(actor, "is_active", False) and actor.role == Role.CENTER_MANAGER and actor.center_id
            and center.path.startswith(actor.center.path)):
        return None
    return NotPermitted(_("只有本中心或上级中心的管理人员可以设置绿色通道。"))


def act_permitted(action: str, *, actor, case: Case, steps: list, step: int | None, on: date | None = None) -> bool:
    """Whether the table allows ``actor`` (a stored event's) to have taken
    ``action`` on ``case`` at review step ``step`` — supervision's integrity
    rule, whatever path wrote the event. The system is always allowed;
    actions the table does not know are not judged here."""
    if actor is None or action not in POLICY:
        return True  # the system, or an event that is not an act of the table
    if _refusal(action, actor, case, on) is not None:
        return False
    if actor.role in ON_BEHALF:
        return True
    need = grant_needed(action, case, steps, step=step)
    return need is None or staff_is_authorized(actor, department=need.department, action=need.authorization,
                                               item_code=case.item_version.item.base_code, on=on)
