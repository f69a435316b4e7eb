"""States of a case (办件) and the transitions the law allows (DESIGN 3.4).

The table is the single source: services look up every action here, and a
test walks every (state, action) pair.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    CORRECTION = "correction", _("待补正")
    ACCEPTED = "accepted", _("已受理")
    IN_REVIEW = "in_review", _("审查中")
    SUSPENDED = "suspended", _("特别程序")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    TERMINATED = "terminated", _("已终止")


# Cases someone still has to act on.
OPEN = frozenset({State.SUBMITTED, State.CORRECTION, State.ACCEPTED, State.IN_REVIEW, State.SUSPENDED,
                  State.APPROVED, State.DENIED, State.DELIVERED})
# The promised-time clock runs (acceptance to decision).
CLOCK_RUNNING = frozenset({State.ACCEPTED, State.IN_REVIEW})
PAUSED = frozenset({State.SUSPENDED})
FINISHED = frozenset({State.CLOSED, State.REJECTED, State.WITHDRAWN, State.TERMINATED})
DECIDED = frozenset({State.APPROVED, State.DENIED, State.DELIVERED, State.CLOSED})
BEFORE_DECISION = frozenset({State.SUBMITTED, State.CORRECTION, State.ACCEPTED, State.IN_REVIEW, State.SUSPENDED})


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交申请")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    REQUEST_CORRECTION = "request_correction", _("一次性告知补正")
    RESUBMIT = "resubmit", _("补正后重新提交")
    COMPLETE_STEP = "complete_step", _("完成审查环节")
    SEND_BACK = "send_back", _("退回上一环节")
    REQUEST_SUSPENSION = "request_suspension", _("申请特别程序")
    SUSPEND = "suspend", _("批准特别程序")
    RESUME = "resume", _("特别程序结束")
    REQUEST_EXTENSION = "request_extension", _("申请延长期限")
    EXTEND = "extend", _("批准延长期限")
    REFUSE_REQUEST = "refuse_request", _("不予批准")
    APPROVE = "approve", _("准予许可")
    DENY = "deny", _("不予许可")
    RECORD_PAYMENT = "record_payment", _("收费")
    CERTIFY = "certify", _("制证")
    DELIVER = "deliver", _("送达")
    CLOSE = "close", _("办结")
    WITHDRAW = "withdraw", _("撤回申请")
    TERMINATE = "terminate", _("终止办理")
    RECOMPUTE_DEADLINE = "recompute_deadline", _("按新日历重算期限")
    ATTACH_MATERIAL = "attach_material", _("上传申请材料")
    CHECK_MATERIALS = "check_materials", _("核验申请材料")


# action → (states it may start from, state it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset, State | None]] = {
    Action.SUBMIT: (frozenset({State.DRAFT}), State.SUBMITTED),
    Action.ACCEPT: (frozenset({State.SUBMITTED}), State.ACCEPTED),
    Action.REJECT: (frozenset({State.SUBMITTED}), State.REJECTED),
    Action.REQUEST_CORRECTION: (frozenset({State.SUBMITTED}), State.CORRECTION),
    Action.RESUBMIT: (frozenset({State.CORRECTION}), State.SUBMITTED),
    Action.COMPLETE_STEP: (frozenset({State.ACCEPTED, State.IN_REVIEW}), State.IN_REVIEW),
    Action.SEND_BACK: (frozenset({State.IN_REVIEW}), State.IN_REVIEW),
    # A reviewer asks, the department head approves (the transition) or refuses.
    Action.REQUEST_SUSPENSION: (CLOCK_RUNNING, None),
    Action.SUSPEND: (frozenset({State.ACCEPTED, State.IN_REVIEW}), State.SUSPENDED),
    Action.RESUME: (frozenset({State.SUSPENDED}), State.IN_REVIEW),
    Action.REQUEST_EXTENSION: (CLOCK_RUNNING, None),
    Action.EXTEND: (frozenset({State.ACCEPTED, State.IN_REVIEW}), None),
    Action.REFUSE_REQUEST: (CLOCK_RUNNING, None),
    Action.APPROVE: (frozenset({State.ACCEPTED, State.IN_REVIEW}), State.APPROVED),
    Action.DENY: (frozenset({State.ACCEPTED, State.IN_REVIEW}), State.DENIED),
    Action.RECORD_PAYMENT: (frozenset({State.APPROVED}), None),
    Action.CERTIFY: (frozenset({State.APPROVED}), None),
    Action.DELIVER: (frozenset({State.APPROVED, State.DENIED}), State.DELIVERED),
    Action.CLOSE: (frozenset({State.DELIVERED}), State.CLOSED),
    Action.WITHDRAW: (BEFORE_DECISION, State.WITHDRAWN),
    Action.TERMINATE: (BEFORE_DECISION, State.TERMINATED),
    Action.RECOMPUTE_DEADLINE: (OPEN, None),
    Action.ATTACH_MATERIAL: (frozenset({State.DRAFT, State.SUBMITTED, State.CORRECTION}), None),
    Action.CHECK_MATERIALS: (frozenset({State.SUBMITTED}), None),
}


def target_state(action: str, current: str) -> State | None:
    """The state ``action`` leads to from ``current``; None if not allowed."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        return None
    return State(current) if target is None else target


# Grounds of a special procedure (行政许可法 art. 45): the national list,
# the default and the only lawful pauses unless a center adds a ground
# together with its legal basis (a provincial rule on on-site inspection,
# say: cases.models.LocalSuspensionGround).
class SuspensionGround(models.TextChoices):
    HEARING = "hearing", _("听证")
    TENDER = "tender", _("招标")
    AUCTION = "auction", _("拍卖")
    INSPECTION = "inspection", _("检验")
    TESTING = "testing", _("检测")
    QUARANTINE = "quarantine", _("检疫")
    APPRAISAL = "appraisal", _("鉴定")
    EXPERT_REVIEW = "expert_review", _("专家评审")


# Events that are not transitions of the table.
CREATE_DRAFT = "create_draft"
# A center manager flags a case as green channel (绿色通道) or takes the flag off.
GREEN_ON, GREEN_OFF = "green_on", "green_off"
_EXTRA_LABELS = {CREATE_DRAFT: _("保存草稿"), GREEN_ON: _("设为绿色通道"), GREEN_OFF: _("取消绿色通道")}
# Events other apps record in a case's chain (``services.case_note_record``),
# registered with their labels by those apps (govhall.joint: a joint
# event's findings).
NOTE_ACTIONS: set[str] = set()


def event_labels_register(labels: dict) -> None:
    """Register the actions (and their labels) another app records in case
    chains through ``services.case_note_record``."""
    NOTE_ACTIONS.update(labels)
    _EXTRA_LABELS.update(labels)


def event_label(action: str) -> str:
    """A person's name for an event's action."""
    if action in Action.values:
        return str(Action(action).label)
    return str(_EXTRA_LABELS.get(action, action))


# A pending request (``Case.request_action``: the act the head would take) → the act that asked for it.
REQUESTED_BY = {Action.SUSPEND: Action.REQUEST_SUSPENSION, Action.EXTEND: Action.REQUEST_EXTENSION}


def request_label(case) -> str:
    """What a case's pending request for the head asks ("" when none)."""
    asked = REQUESTED_BY.get(case.request_action)
    return str(Action(asked).label) if asked else ""
