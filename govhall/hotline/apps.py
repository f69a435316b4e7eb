from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "govhall.hotline"
    label = "hotline"
    verbose_name = "12345热线"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from govhall.core.audit import register_action_labels

        register_action_labels({
            "hotline_category_create": (_("新增12345工单分类"), _("{code} {name}")),
            "hotline_unit_create": (_("新增12345成员单位"), _("{code} {name}")),
        })
        # Supervision's scan reaches the hotline's time rules through this hook
        # (supervision imports nothing of the hotline).
        from govhall.hotline import receivers
        from govhall.supervision.signals import time_scan

        time_scan.connect(receivers.hotline_time_scan, dispatch_uid="hotline_time_scan")
