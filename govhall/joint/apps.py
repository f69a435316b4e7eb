from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JointConfig(AppConfig):
    name = "govhall.joint"
    label = "joint"
    verbose_name = _("并联审批")

    def ready(self) -> None:
        from govhall.cases.signals import case_changed
        from govhall.joint import receivers

        # A sub-case's decision (or its end without one) may end its stage
        # and start the next: inside the sub-case's own transaction.
        case_changed.connect(receivers.sub_case_changed, dispatch_uid="joint_sub_case_changed")
        receivers.register_labels()
