from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "govhall.evaluation"
    label = "evaluation"
    verbose_name = "好差评"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from govhall.cases.signals import case_changed
        from govhall.core.audit import register_action_labels

        case_changed.connect(_invite_on_delivery, dispatch_uid="evaluation_invite_on_delivery")
        register_action_labels({
            "rating_create": (_("评价"), _("办件 {case}：{level_label}（{channel}）")),
            "rating_change": (_("评价变更"), _("工单 {work_order}：{from_label} → {level_label}（{channel}）")),
            "rating_invite_send": (_("发送评价短信"), _("办件 {case}，{phone}")),
            "rating_invite_fail": (_("评价短信发送失败"), _("办件 {case}，{phone}：{error}")),
            "followup_open": (_("差评整改立项"), _("办件 {case}，整改期限 {due_date}")),
            "followup_verify": (_("差评核实"), _("办件 {case}")),
            "followup_correct": (_("差评整改"), _("办件 {case}")),
            "followup_callback": (_("差评回访"), _("办件 {case}")),
            "followup_close": (_("差评办结"), _("办件 {case}")),
        })


def _invite_on_delivery(*, case, action, **kwargs):
    """Once a delivery commits, invite the applicant to rate by SMS. Sent by
    a task after commit: a rolled-back delivery sends nothing (STYLE 7).
    With the database backend the task's row is written in the delivery's
    own transaction (no worker sees it before the delivery commits, and it
    is rolled back with it: no commit of its own); any other backend, which
    may run the task at once, is given it only after the commit."""
    from django.db import transaction

    from govhall.cases.states import Action
    from govhall.core.health import worker_backend_used

    if action != Action.DELIVER:
        return
    case_id = case.pk

    def enqueue():
        from govhall.evaluation.tasks import rating_invite_task

        rating_invite_task.enqueue(case_id=case_id)

    if worker_backend_used():
        enqueue()
    else:
        transaction.on_commit(enqueue)
