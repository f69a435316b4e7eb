from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "govhall.hall"
    label = "hall"
    verbose_name = "大厅排队叫号"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from govhall.core.audit import register_action_labels

        register_action_labels({
            "hall_category_create": (_("新建取号类别"), _("{code} {name}")),
            "hall_category_update": (_("修改取号类别"), _("{code} {name}")),
            "hall_window_categories": (_("设置窗口服务类别"), _("窗口 {window}：{categories}")),
            "ticket_issue": (_("取号"), _("{number}（{source}）")),
            "ticket_call": (_("叫号"), _("{number} 到 {window} 号窗口")),
            "ticket_recall": (_("重呼"), _("{number} 第 {recalls} 次重呼")),
            "ticket_no_show": (_("过号"), _("{number}")),
            "ticket_transfer": (_("转窗口/类别"), _("{number} 转为 {to}")),
            "ticket_start_service": (_("开始办理"), _("{number}")),
            "ticket_link_case": (_("关联办件"), _("{number} → {case}")),
            "ticket_done": (_("办结离柜"), _("{number}")),
        })
