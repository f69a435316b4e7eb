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
            "hall_slot_pattern_set": (_("设置预约时段"), _("{code}：星期 {weekdays}，{slots} 个时段")),
            "appointment_book": (_("预约"), _("{code} {category} {slot}")),
            "appointment_cancel": (_("取消预约"), _("{code} {category} {slot}")),
            "appointment_check_in": (_("预约签到"), _("{code} → {number}")),
            "appointment_no_show": (_("预约爽约"), _("{code} {category} {slot}")),
            "appointment_remind": (_("预约短信提醒"), _("{code}（{when}）")),
            "appointment_remind_failed": (_("预约短信发送失败"), _("{code}：{error}")),
        })
