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
