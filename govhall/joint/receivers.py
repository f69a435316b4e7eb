"""The joint layer's hook into the case lifecycle: ``cases.signals.case_changed``,
sent inside every transition's transaction. Only the acts that settle a
case for its stage are looked at (a decision, or an end without one), in
fixed statements: the link, with the joint case's row locked, is one
indexed read (a case that is no sub-case costs nothing more), and one more
tells whether the stage is now settled; only the decision that settles the
stage goes on to the joint services."""

import functools

from django.db import connection
from django.utils.translation import gettext_lazy as _

from govhall.cases.states import Action, State

SETTLING = frozenset({Action.APPROVE, Action.DENY, Action.REJECT, Action.WITHDRAW, Action.TERMINATE})


def sub_case_changed(*, case, action, at, from_state=None, data=None, **kwargs) -> None:
    if action == Action.SUSPEND or (from_state == State.SUSPENDED and case.state != State.SUSPENDED):
        _procedure_changed(case, action, at, data or {})
    if action not in SETTLING:
        return
    settled = _stage_settled(case.pk)
    if settled is None:
        return
    from govhall.joint.services import sub_case_settled

    joint_case_id, joint_stage_id, granted = settled
    sub_case_settled(case=case, at=at, joint_case_id=joint_case_id, joint_stage_id=joint_stage_id, granted=granted)


def _procedure_changed(case, action, at, data: dict) -> None:
    """A special procedure of a case began (its head's approval) or ended
    (resumed, or the case withdrawn or terminated while in it): when the
    case is a current sub-case, the whole's clock follows (one indexed read
    otherwise; only these rare acts pay it)."""
    from datetime import date

    from govhall.cases.deadlines import received_on
    from govhall.joint.models import SubCase
    from govhall.joint.services import sub_case_procedure

    joint_case_id = (SubCase.objects.filter(case_id=case.pk, replaced=False)
                     .values_list("joint_case_id", flat=True).first())
    if joint_case_id is None:
        return
    started = action == Action.SUSPEND
    day = data.get("started_on" if started else "ended_on")
    sub_case_procedure(case=case, joint_case_id=joint_case_id, started=started, at=at,
                       day=date.fromisoformat(day) if day else received_on(at))


def joint_time_scan(*, today, at, **kwargs) -> int:
    """Supervision's scheduled scan (``supervision.signals.time_scan``): the
    whole's and the stages' lights whose day has come, and the pre-review
    opinions past their day (joint.alerts). Returns the rows looked at."""
    from govhall.joint.alerts import pre_reviews_late_scan
    from govhall.joint.services import joint_stage_watch_refresh, joint_watch_refresh

    return (joint_watch_refresh(today=today, at=at) + joint_stage_watch_refresh(today=today, at=at)
            + pre_reviews_late_scan(today=today, at=at))


def joint_wall_section(*, user, **kwargs) -> dict:
    """The supervisor's wall (``supervision.signals.wall_sections``): the
    running joint cases of ``user``'s scope with a yellow or red light."""
    from govhall.joint.selectors import joint_wall_rows

    return {"template": "web/_joint_wall.html", "rows": joint_wall_rows(user=user)}


def _stage_settled(case_id: int) -> tuple[int, int, bool] | None:
    """(joint case, stage, all granted) when the case is a current sub-case
    whose running stage of a running or stopped joint case has every current
    sub-case settled now; None otherwise. The joint case's row is locked by
    the first read (PostgreSQL; SQLite serializes writers) before the
    stage's states are read: of two sub-cases decided at once, the later
    sees the earlier's decision and settles the stage, once."""
    from govhall.joint.models import JointState, StageState
    from govhall.joint.services import GRANTED, SETTLED

    link_sql, stage_sql = _settled_sql()
    with connection.cursor() as cursor:
        cursor.execute(link_sql, [case_id])
        link = cursor.fetchone()
        if link is None or link[2] not in (JointState.RUNNING, JointState.STOPPED):
            return None
        cursor.execute(stage_sql, [*sorted(SETTLED), *sorted(GRANTED), link[1]])
        state, unsettled, not_granted = cursor.fetchone()
    if state != StageState.RUNNING or unsettled:
        return None
    return link[0], link[1], not not_granted


@functools.cache
def _settled_sql() -> tuple[str, str]:
    from govhall.cases.models import Case
    from govhall.joint.models import JointCase, JointStage, SubCase
    from govhall.joint.services import GRANTED, SETTLED

    qn = connection.ops.quote_name

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    sub, joint, stage, case = (qn(model._meta.db_table) for model in (SubCase, JointCase, JointStage, Case))
    lock = " FOR UPDATE OF j" if connection.features.has_select_for_update_of else ""
    link_sql = (f"SELECT s.{column(SubCase, 'joint_case')}, s.{column(SubCase, 'joint_stage')}, j.{column(JointCase, 'state')}"
                f" FROM {sub} s INNER JOIN {joint} j ON j.{column(JointCase, 'id')} = s.{column(SubCase, 'joint_case')}"
                f" WHERE s.{column(SubCase, 'case')} = %s AND NOT s.{column(SubCase, 'replaced')}{lock}")

    def any_case_not_in(states) -> str:
        return (f"EXISTS (SELECT 1 FROM {sub} s INNER JOIN {case} c ON c.{column(Case, 'id')} = s.{column(SubCase, 'case')}"
                f" WHERE s.{column(SubCase, 'joint_stage')} = js.{column(JointStage, 'id')}"
                f" AND NOT s.{column(SubCase, 'replaced')}"
                f" AND c.{column(Case, 'state')} NOT IN ({', '.join(['%s'] * len(states))}))")

    stage_sql = (f"SELECT js.{column(JointStage, 'state')}, {any_case_not_in(SETTLED)}, {any_case_not_in(GRANTED)}"
                 f" FROM {stage} js WHERE js.{column(JointStage, 'id')} = %s")
    return link_sql, stage_sql


def register_labels() -> None:
    from govhall.cases.states import event_labels_register
    from govhall.core.audit import register_action_labels
    from govhall.joint.services import JOINT_FINDING

    # A department's findings of a joint event, in its sub-case's chain.
    event_labels_register({JOINT_FINDING: _("联合活动意见")})

    register_action_labels({
        "joint_theme_create": (_("创建并联审批主题"), _("{code}：{name}")),
        "joint_theme_configure": (_("配置审批阶段"), _("{code} 第 {version} 版")),
        "joint_theme_publish": (_("发布并联审批主题"), _("{code} 第 {version} 版")),
        "joint_theme_revise": (_("修订并联审批主题"), _("{code} 第 {version} 版")),
        "joint_theme_update": (_("修改并联审批主题"), _("{code} 第 {version} 版：{name}，整体时限 {whole_days} 个工作日")),
        "joint_submit": (_("联办收件"), _("{number}，整体期限 {due_date}")),
        "joint_stage_start": (_("阶段启动"), _("{number}：{stage}")),
        "joint_stage_start_failed": (_("阶段未能启动"), _("{number}：{stage}，{error}")),
        "joint_stage_end": (_("阶段结束"), _("{number}：{stage}")),
        "joint_stop": (_("联办暂停（子件未获许可）"), _("{number}：{stage}")),
        "joint_ready": (_("待统一出件"), _("{number}")),
        "joint_item_reapply": (_("重新申请"), _("{number}：{item}，新办件 {case}")),
        "joint_extend": (_("延长整体期限"), _("{number}：{days} 个工作日，至 {due_date}")),
        "joint_deliver": (_("统一出件"), _("{number}")),
        "joint_stage_deliver": (_("已完成阶段的结果出件"), _("{number}")),
        "joint_event_schedule": (_("安排联合活动"), _("{number}：{kind_name}，{scheduled_on}")),
        "joint_finding_record": (_("记录联合活动意见"), _("{number}：{case}")),
        "joint_procedure_pause": (_("整体计时暂停（子件特别程序）"), _("{number}：{case}")),
        "joint_procedure_resume": (_("整体计时恢复（子件特别程序结束）"), _("{number}：{case}，整体期限 {due_date}")),
    })
