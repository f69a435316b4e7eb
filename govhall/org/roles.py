"""Roles of the people who use govhall (DESIGN 3.1) and what each may see.

A role decides the visibility scope (see ``org.selectors``); the finer
question "may this person accept this item" is answered by authorizations.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    CLERK = "clerk", _("窗口工作人员")
    CHIEF_REPRESENTATIVE = "chief", _("首席代表")
    REVIEWER = "reviewer", _("审查人员")
    APPROVER = "approver", _("审批人员")
    DEPARTMENT_HEAD = "dept_head", _("部门负责人")
    CENTER_MANAGER = "manager", _("中心管理人员")
    SUPERVISOR = "supervisor", _("电子监察人员")
    HOTLINE_OPERATOR = "hotline", _("12345话务员")
    MEMBER_UNIT_HANDLER = "unit_handler", _("成员单位办理人员")
    # The hotline office (热线办) dispatches, approves extensions and closes
    # work orders of its center (govhall/hotline).
    HOTLINE_OFFICE = "hotline_office", _("12345热线办")
    SYSTEM_ADMIN = "sysadmin", _("系统管理员")
    # The center's agents act for applicants who signed an agency
    # authorization (govhall/agency): scoped to those, not to departments.
    AGENT = "agent", _("代办员")


# Roles whose scope is their own department (plus, for window clerks, the
# departments whose items they are authorized to accept at a comprehensive
# window).
DEPARTMENT_ROLES = frozenset(
    {
        Role.CLERK,
        Role.CHIEF_REPRESENTATIVE,
        Role.REVIEWER,
        Role.APPROVER,
        Role.DEPARTMENT_HEAD,
        Role.MEMBER_UNIT_HANDLER,
    }
)
# Roles that must belong to a department. A window clerk may instead belong
# to the center itself (comprehensive windows) and act through authorizations.
DEPARTMENT_REQUIRED_ROLES = DEPARTMENT_ROLES - {Role.CLERK}
# Roles whose scope is their center and every center below it.
CENTER_ROLES = frozenset({Role.CENTER_MANAGER, Role.HOTLINE_OPERATOR, Role.HOTLINE_OFFICE})
# Roles that see everything; supervisors only read.
GLOBAL_ROLES = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN})
READ_ONLY_ROLES = frozenset({Role.SUPERVISOR})
STAFF_ROLES = DEPARTMENT_ROLES | CENTER_ROLES | GLOBAL_ROLES
