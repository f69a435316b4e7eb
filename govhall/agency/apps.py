from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "govhall.agency"
    label = "agency"
    verbose_name = "代办帮办"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from govhall.core.audit import register_action_labels

        register_action_labels({
            "agency_grant": (_("登记代办授权"), _("代办员 {agent} 代 {applicant}（{id_number}）")),
            "agency_revoke": (_("撤销代办授权"), _("代办员 {agent} 代 {applicant}：{reason}")),
        })
