"""The joint layer's hook into the case lifecycle: ``cases.signals.case_changed``,
sent inside every transition's transaction. Only the acts that settle a
case for its stage are looked at (a decision, or an end without one); the
look-up of the link is one indexed read, and a case that is no sub-case
costs nothing more."""

import functools

from django.db import connection
from django.utils.translation import gettext_lazy as _

from govhall.cases.states import Action

SETTLING = frozenset({Action.APPROVE, Action.DENY, Action.REJECT, Action.WITHDRAW, Action.TERMINATE})


def sub_case_changed(*, case, action, at, **kwargs) -> None:
    if action not in SETTLING or not _linked(case.pk):
        return
    from govhall.joint.services import sub_case_settled

    sub_case_settled(case=case, at=at)


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


def _linked(case_id: int) -> bool:
    """Whether the case is a current sub-case: one fixed statement (every
    decision of every case asks; the locked read of the link, which the ORM
    builds anew each time, only for a sub-case)."""
    with connection.cursor() as cursor:
        cursor.execute(_linked_sql(), [case_id])
        return cursor.fetchone() is not None


@functools.cache
def _linked_sql() -> str:
    from govhall.joint.models import SubCase

    qn = connection.ops.quote_name

    def column(name: str) -> str:
        return qn(SubCase._meta.get_field(name).column)

    return (f"SELECT 1 FROM {qn(SubCase._meta.db_table)} WHERE {column('case')} = %s"
            f" AND NOT {column('replaced')}")


def register_labels() -> None:
    from govhall.core.audit import register_action_labels

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
        "joint_event_schedule": (_("安排联合活动"), _("{number}：{kind_name}，{scheduled_on}")),
        "joint_finding_record": (_("记录联合活动意见"), _("{number}：{case}")),
    })
