"""Who may take which action on a work order, and from which states (one
rule in one place, as ``cases.policy``). The services check it first
(``order_action_check``); the pages show only the actions it allows
(``order_actions_for``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core.actors import is_system
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline.models import AT_UNIT, OPEN_STATES, OrderState, WorkOrder
from govhall.org.roles import Role

# The hotline's own staff: they take calls, dispatch, call back and close.
OPERATORS = frozenset({Role.HOTLINE_OPERATOR, Role.HOTLINE_OFFICE})
OFFICE = frozenset({Role.HOTLINE_OFFICE})
UNIT = frozenset({Role.MEMBER_UNIT_HANDLER})


class Act:
    CREATE = "create"
    DISPATCH = "dispatch"
    CLOSE_DIRECT = "close_direct"
    SIGN = "sign"
    REPLY = "reply"
    RETURN = "return"
    EXTENSION_ASK = "extension_ask"
    EXTENSION_DECIDE = "extension_decide"
    CLOSE = "close"
    REOPEN = "reopen"
    MERGE = "merge"
    ESCALATION_NOTE = "escalation_note"
    ATTACH = "attach"


ACT_LABELS = {
    Act.CREATE: gettext_lazy("登记"), Act.DISPATCH: gettext_lazy("派单"), Act.CLOSE_DIRECT: gettext_lazy("直接办结"),
    Act.SIGN: gettext_lazy("签收"), Act.REPLY: gettext_lazy("答复"), Act.RETURN: gettext_lazy("退单"),
    Act.EXTENSION_ASK: gettext_lazy("申请延期"), Act.EXTENSION_DECIDE: gettext_lazy("审批延期"),
    Act.CLOSE: gettext_lazy("回访办结"), Act.REOPEN: gettext_lazy("重办"),
    "co_sign": gettext_lazy("协办签收"), "co_reply": gettext_lazy("协办答复"),
    Act.MERGE: gettext_lazy("合并"), "merge_child": gettext_lazy("并入重复工单"),
    "escalate": gettext_lazy("督办"), Act.ESCALATION_NOTE: gettext_lazy("督办意见"),
    Act.ATTACH: gettext_lazy("上传附件"),
}


@dataclass(frozen=True)
class Rule:
    roles: frozenset
    states: frozenset  # the states the action starts from
    unit: str = ""  # "main": the handler of the active main unit; "any": of an active main or co-handling unit


S = OrderState
POLICY: dict[str, Rule] = {
    Act.CREATE: Rule(OPERATORS, frozenset()),
    Act.DISPATCH: Rule(OPERATORS, frozenset({S.REGISTERED, S.RETURNED})),
    Act.CLOSE_DIRECT: Rule(OPERATORS, frozenset({S.REGISTERED})),
    Act.SIGN: Rule(UNIT, frozenset({S.DISPATCHED, S.SIGNED}), unit="any"),
    Act.REPLY: Rule(UNIT, frozenset({S.SIGNED}), unit="any"),
    Act.RETURN: Rule(UNIT, frozenset({S.DISPATCHED, S.SIGNED}), unit="main"),
    Act.EXTENSION_ASK: Rule(UNIT, frozenset({S.SIGNED}), unit="main"),
    Act.EXTENSION_DECIDE: Rule(OFFICE, frozenset({S.SIGNED})),
    Act.CLOSE: Rule(OPERATORS, frozenset({S.REPLIED})),
    Act.REOPEN: Rule(OPERATORS, frozenset({S.REPLIED})),
    # A duplicate is merged into its parent from any open state (the parent's
    # checks are the service's: same center, open, no parent of its own).
    Act.MERGE: Rule(OPERATORS, OPEN_STATES),
    # The superior unit's urging note: that it is the superior of an
    # escalation of the order is the service's check.
    Act.ESCALATION_NOTE: Rule(UNIT, AT_UNIT),
    # Files: the hotline's staff, or a handler of a unit the order is dispatched to.
    Act.ATTACH: Rule(OPERATORS | UNIT, OPEN_STATES, unit="any"),
}


def _in_center(actor, center) -> bool:
    return actor.center_id is not None and center.path.startswith(actor.center.path)


def actor_check(act: str, *, actor, center) -> None:
    """Refuses an actor whose role may not take ``act`` at ``center`` (the
    hotline's staff act on their center's orders and those below it)."""
    rule = POLICY[act]
    if is_system(actor):
        return
    if not actor.is_active or actor.role not in rule.roles:
        raise NotPermitted(_("您的角色不能对工单执行“%(act)s”。") % {"act": ACT_LABELS[act]})
    if actor.role in OPERATORS and not _in_center(actor, center):
        raise NotPermitted(_("该工单不属于您所在的热线中心。"))


def order_action_check(act: str, *, actor, order: WorkOrder, assignment=None) -> None:
    """The rule of ``act`` on ``order``: the actor's role (and, for a unit's
    acts, that the acting unit holds the order: ``assignment``, the actor's
    active assignment or None), then the state."""
    rule = POLICY[act]
    actor_check(act, actor=actor, center=order.center)
    # A unit's own act (never the system's): the actor's unit must hold the order.
    by_unit = rule.unit and (is_system(actor) or actor.role not in OPERATORS)
    if by_unit and (is_system(actor) or assignment is None or (rule.unit == "main" and assignment.role != "main")):
        raise NotPermitted(_("该工单未派给您所在的单位主办。") if rule.unit == "main"
                           else _("该工单未派给您所在的单位。"))
    if order.state not in rule.states:
        raise DomainError(_("工单当前状态为“%(state)s”，不能“%(act)s”。")
                          % {"state": OrderState(order.state).label, "act": ACT_LABELS[act]}, field="state")


def order_actions_for(actor, order: WorkOrder, *, assignment=None) -> list[str]:
    """The actions ``actor`` may take on ``order`` now (what the page offers)."""
    allowed = []
    for act in POLICY:
        if act == Act.CREATE:
            continue
        try:
            order_action_check(act, actor=actor, order=order, assignment=assignment)
        except DomainError:
            continue
        allowed.append(act)
    return allowed
