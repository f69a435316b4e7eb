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
        # Supervision's scan and wall reach joint approval through these
        # hooks (supervision imports nothing of it).
        from govhall.supervision.signals import time_scan, wall_sections

        time_scan.connect(receivers.joint_time_scan, dispatch_uid="joint_time_scan")
        wall_sections.connect(receivers.joint_wall_section, dispatch_uid="joint_wall_section")
        receivers.register_labels()
