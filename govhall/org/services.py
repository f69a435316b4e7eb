"""Changes to the organization. Each service checks the actor, runs in one
transaction and writes one audit event. ``actor=SYSTEM`` means the system
itself (a command run by an administrator at the console, the demo loader).
"""

import uuid
from datetime import date, datetime

from django.db import models, transaction
from django.utils.translation import gettext as _

from govhall.core import clock, identity
from govhall.core.actors import Actor, is_system, person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.masking import mask_id_number, mask_phone
from govhall.org.models import (
    Action,
    Attendance,
    AttendanceStatus,
    Authorization,
    Center,
    CenterLevel,
    Department,
    Post,
    User,
    Window,
    WindowKind,
)
from govhall.org.roles import DEPARTMENT_REQUIRED_ROLES, GLOBAL_ROLES, Role

# Which level may sit below which (a branch hall belongs to any center).
CHILD_LEVELS = {
    None: {CenterLevel.CITY, CenterLevel.DISTRICT},
    CenterLevel.CITY: {CenterLevel.DISTRICT, CenterLevel.BRANCH},
    CenterLevel.DISTRICT: {CenterLevel.TOWN, CenterLevel.BRANCH},
    CenterLevel.TOWN: {CenterLevel.VILLAGE, CenterLevel.BRANCH},
    CenterLevel.VILLAGE: set(),
    CenterLevel.BRANCH: set(),
}


def _require_org_admin(actor: Actor, center: Center | None) -> None:
    """System administrators change any organization; center managers change
    their own center's subtree; nobody else changes it."""
    if is_system(actor) or actor.role == Role.SYSTEM_ADMIN or actor.is_superuser:
        return
    if actor.role == Role.CENTER_MANAGER and actor.center_id and center is not None:
        if center.path.startswith(actor.center.path):
            return
    raise NotPermitted(_("您无权修改该中心的组织机构。"))


def _is_system_admin(actor: Actor) -> bool:
    return is_system(actor) or actor.role == Role.SYSTEM_ADMIN or actor.is_superuser


def _require_user_admin(actor: Actor, user: User) -> None:
    """Who may change an existing login: whoever administers its center
    (an applicant's login belongs to no center: system administrators
    only) — and a login that sees everything (supervisor, system
    administrator) only a system administrator, or a center manager could
    take over an account with more power than their own."""
    _require_org_admin(actor, _center_of(user) if user.role != Role.APPLICANT else None)
    if user.role in GLOBAL_ROLES and not _is_system_admin(actor):
        raise NotPermitted(_("只有系统管理员可以管理电子监察人员和系统管理员的账号。"))


@transaction.atomic
def center_create(
    *, actor: Actor, code: str, name: str, level: str, parent: Center | None = None,
    address: str = "", phone: str = "", office_hours: str = "",
) -> Center:
    """Create a service center below ``parent`` (or a root center)."""
    _require_org_admin(actor, parent)
    if level not in CHILD_LEVELS.get(parent.level if parent else None, set()):
        raise DomainError(_("该层级的中心不能设在所选上级之下。"), field="level")
    if Center.objects.filter(code=code).exists():
        raise DomainError(_("中心编码已存在。"), field="code")
    # The path needs the primary key: insert with a unique placeholder first.
    center = Center.objects.create(
        code=code, name=name, level=level, parent=parent, path=f"tmp-{uuid.uuid4().hex}",
        address=address, phone=phone, office_hours=office_hours,
    )
    center.path = f"{parent.path if parent else ''}{center.pk:05d}."
    center.save(update_fields=["path"])
    audit_record(actor=actor, action="center_create", target=center, data={"code": code, "level": level})
    return center


@transaction.atomic
def department_create(
    *, actor: Actor, center: Center, code: str, name: str, short_name: str,
    credit_code: str = "", phone: str = "", complaint_phone: str = "", source: str = "",
) -> Department:
    """Station a department (进驻单位) at ``center``."""
    _require_org_admin(actor, center)
    if Department.objects.filter(code=code).exists():
        raise DomainError(_("部门编码已存在。"), field="code")
    department = Department.objects.create(
        center=center, code=code, name=name, short_name=short_name, credit_code=credit_code,
        phone=phone, complaint_phone=complaint_phone, source=source,
    )
    audit_record(actor=actor, action="department_create", target=department, data={"code": code})
    return department


@transaction.atomic
def window_create(
    *, actor: Actor, center: Center, number: str, name: str, kind: str,
    department: Department | None = None,
) -> Window:
    """Open a window: comprehensive (no department) or dedicated (one department)."""
    _require_org_admin(actor, center)
    if kind == WindowKind.COMPREHENSIVE and department is not None:
        raise DomainError(_("综合窗口不属于单一部门。"), field="department")
    if kind == WindowKind.DEDICATED and department is None:
        raise DomainError(_("专业窗口必须指定所属部门。"), field="department")
    if Window.objects.filter(center=center, number=number).exists():
        raise DomainError(_("该中心已有此窗口号。"), field="number")
    window = Window.objects.create(center=center, number=number, name=name, kind=kind, department=department)
    audit_record(actor=actor, action="window_create", target=window, data={"number": number, "kind": kind})
    return window


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str = "", password_hash: str = "", role: str, full_name: str = "",
    center: Center | None = None, department: Department | None = None, window: Window | None = None,
    phone: str = "", id_number: str = "",
) -> User:
    """Create a login: staff (with center, department and window as the role
    needs) or an applicant. ``password_hash`` (from ``make_password``) lets a
    loader that creates many logins with one password hash it once."""
    if role not in Role.values:
        raise DomainError(_("未知的角色。"), field="role")
    if role in GLOBAL_ROLES and not _is_system_admin(actor):
        raise NotPermitted(_("只有系统管理员可以授予该角色。"), field="role")
    if role != Role.APPLICANT:
        _require_org_admin(actor, center or (department.center if department else None))
    if role in DEPARTMENT_REQUIRED_ROLES and department is None:
        raise DomainError(_("部门岗位人员必须指定所属部门。"), field="department")
    if role != Role.APPLICANT and center is None:
        center = department.center if department else None
        if center is None:
            raise DomainError(_("工作人员必须指定所属中心。"), field="center")
    if User.objects.filter(username=username).exists():
        raise DomainError(_("用户名已存在。"), field="username")
    phone, id_number = _contact(phone=phone, id_number=id_number)
    user = User(
        username=username, role=role, full_name=full_name, center=center, department=department,
        window=window, phone=phone, id_number=id_number,
        # Only system administrators reach the Django admin (reference data).
        is_staff=role == Role.SYSTEM_ADMIN, is_superuser=role == Role.SYSTEM_ADMIN,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        raise DomainError(_("请设置密码。"), field="password")
    user.save()
    audit_record(actor=actor, action="user_create", target=user, data={"username": username, "role": role})
    return user


# What may change after creation, per kind of record (the rest — codes,
# levels, the tree, kinds, roles — is fixed by creation: changing it would
# move cases, scopes and numbers under people's feet).
EDITABLE = {
    Center: ("name", "address", "phone", "office_hours"),
    Department: ("name", "short_name", "credit_code", "phone", "complaint_phone", "source"),
    Window: ("name", "active"),
}
# A login's fields: everything but the username (the login's identity in
# cases and audit events) and the password (``user_set_password``).
USER_EDITABLE = ("full_name", "role", "center", "department", "window", "phone", "id_number", "is_active")
# Shown masked in the audit record (DESIGN 5).
MASKED = {"phone": mask_phone, "id_number": mask_id_number}


def _center_of(record) -> Center | None:
    if isinstance(record, Center):
        return record
    if isinstance(record, Department | Window):
        return record.center
    return record.center or (record.department.center if record.department_id else None)


def _audit_value(field: str, value):
    if field in MASKED:
        return MASKED[field](value or "")
    if isinstance(value, models.Model):
        return str(value)
    return value


@transaction.atomic
def org_record_update(*, actor: Actor, record: Center | Department | Window | User, changes: dict):
    """Change the descriptive fields of a center, department, window or
    login (the admin's edit form): only the fields of ``EDITABLE``, checked
    as creation checks them, with one audit event naming each change (old
    and new, phones and identity numbers masked). A login is changed by
    ``user_update``. Returns the record."""
    if isinstance(record, User):
        return user_update(actor=actor, user=record, changes=changes)
    model = type(record)
    editable = EDITABLE.get(model, ())
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise DomainError(_("该字段不能修改。"), field=unknown[0])
    _require_org_admin(actor, _center_of(record))
    before = {field: getattr(record, field) for field in changes}
    for field, value in changes.items():
        setattr(record, field, value)
    if model is Window and record.kind == WindowKind.COMPREHENSIVE and record.department_id:
        raise DomainError(_("综合窗口不属于单一部门。"), field="department")
    moved = {field: (before[field], getattr(record, field)) for field in changes if before[field] != getattr(record, field)}
    if not moved:
        return record
    record.save(update_fields=list(moved))
    audit_record(actor=actor, action=f"{model._meta.model_name}_update", target=record,
                 data={field: {"old": _audit_value(field, old), "new": _audit_value(field, new)}
                       for field, (old, new) in moved.items()})
    return record


def _check_staff_placement(actor: Actor, user: User) -> None:
    """A staff login's department, center and window fit its role, and stay
    within what the actor administers."""
    if user.role in DEPARTMENT_REQUIRED_ROLES and user.department_id is None:
        raise DomainError(_("部门岗位人员必须指定所属部门。"), field="department")
    if user.role != Role.APPLICANT and user.center_id is None:
        if user.department_id is None:
            raise DomainError(_("工作人员必须指定所属中心。"), field="center")
        user.center = user.department.center
    if user.window_id and user.center_id and user.window.center_id != user.center_id:
        raise DomainError(_("窗口不属于该人员所在的中心。"), field="window")
    if user.role != Role.APPLICANT:
        _require_org_admin(actor, user.center)


def _contact(*, phone: str, id_number: str) -> tuple[str, str]:
    """A login's phone and identity number, each optional, checked when given
    (an applicant's identity number is what his online applications must carry)."""
    phone = (phone or "").strip()
    id_number = (id_number or "").strip()
    return (identity.phone(phone, field="phone") if phone else "",
            identity.resident_id(id_number, field="id_number") if id_number else "")


@transaction.atomic
def user_update(*, actor: Actor, user: User, changes: dict) -> User:
    """Change a login (the admin's edit form): name, role, center,
    department, window, phone, identity number, active flag — checked as
    ``user_create`` checks them (the role's department, the window in the
    person's center, within what the actor administers). A role that sees
    everything is given or taken by a system administrator only; a staff
    login does not become an applicant's or the other way round (their
    records are of different kinds); nobody changes their own role or
    deactivates themselves. Access to the Django admin follows the role.
    One audit event names each change (old and new, phones and identity
    numbers masked); no change, no event. Returns the user."""
    return _user_change(actor=actor, user=user, changes=changes, action="user_update")


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> User:
    """Deactivate a login (停用): it can no longer sign in or act. Logins
    are never deleted — cases and audit events point to them — and keep
    their authorizations and posts for the day they are activated again.
    One audit event; none if it was inactive already."""
    return _user_change(actor=actor, user=user, changes={"is_active": False}, action="user_deactivate")


@transaction.atomic
def user_activate(*, actor: Actor, user: User) -> User:
    """Activate a deactivated login again (启用), with one audit event;
    none if it was active already."""
    return _user_change(actor=actor, user=user, changes={"is_active": True}, action="user_activate")


def _user_change(*, actor: Actor, user: User, changes: dict, action: str) -> User:
    unknown = sorted(set(changes) - set(USER_EDITABLE))
    if unknown:
        raise DomainError(_("该字段不能修改。"), field=unknown[0])
    _require_user_admin(actor, user)
    role = changes.get("role", user.role)
    if role != user.role:
        if role not in Role.values:
            raise DomainError(_("未知的角色。"), field="role")
        if (role == Role.APPLICANT) != (user.role == Role.APPLICANT):
            raise DomainError(_("申请人账号与工作人员账号不能互相转换。"), field="role")
        if role in GLOBAL_ROLES and not _is_system_admin(actor):
            raise NotPermitted(_("只有系统管理员可以授予该角色。"), field="role")
    if not is_system(actor) and actor.pk == user.pk:
        # An administrator locking themselves out (or demoting themselves)
        # by mistake needs another administrator to undo it.
        if role != user.role:
            raise DomainError(_("不能修改自己的角色。"), field="role")
        if user.is_active and changes.get("is_active", True) is False:
            raise DomainError(_("不能停用自己的账号。"), field="is_active")
    if "phone" in changes or "id_number" in changes:
        checked = _contact(phone=changes.get("phone", ""), id_number=changes.get("id_number", ""))
        changes = {**changes, **{f: v for f, v in zip(("phone", "id_number"), checked) if f in changes}}
    # The center too: the placement check may take it from the department.
    before = {field: getattr(user, field) for field in {*changes, "center"}}
    for field, value in changes.items():
        setattr(user, field, value)
    if user.role != Role.APPLICANT:
        _check_staff_placement(actor, user)
    moved = {field: (old, getattr(user, field)) for field, old in sorted(before.items()) if old != getattr(user, field)}
    if not moved:
        return user
    fields = list(moved)
    if "role" in moved:
        # Only system administrators reach the Django admin (as user_create sets it).
        user.is_staff = user.is_superuser = user.role == Role.SYSTEM_ADMIN
        fields += ["is_staff", "is_superuser"]
    user.save(update_fields=fields)
    audit_record(actor=actor, action=action, target=user,
                 data={field: {"old": _audit_value(field, old), "new": _audit_value(field, new)}
                       for field, (old, new) in moved.items()})
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    """Set a login's password (the administrator's reset), checked by the
    password validators; the audit event says that it changed, never what to."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    _require_user_admin(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user_set_password", target=user, data={"username": user.username})
    return user


@transaction.atomic
def token_issue(*, actor: Actor, user: User):
    """Issue the API token (接口令牌) with which another system calls the
    API as ``user``, replacing any earlier one. Whoever may reset the
    login's password may issue it. The audit event's target is the login
    and it names whether a token was replaced — never the key, which is
    the token's primary key and a password in all but name."""
    from rest_framework.authtoken.models import Token

    _require_user_admin(actor, user)
    if not user.is_active:
        raise DomainError(_("该账号已停用。"), field="user")
    replaced, _counts = Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=actor, action="token_issue", target=user,
                 data={"username": user.username, "replaced": bool(replaced)})
    return token


@transaction.atomic
def token_revoke(*, actor: Actor, user: User) -> None:
    """Revoke ``user``'s API token: the system that used it is refused from
    the next request on. One audit event on the login."""
    from rest_framework.authtoken.models import Token

    _require_user_admin(actor, user)
    deleted, _counts = Token.objects.filter(user=user).delete()
    if not deleted:
        raise DomainError(_("该账号没有接口令牌。"), field="user")
    audit_record(actor=actor, action="token_revoke", target=user, data={"username": user.username})


@transaction.atomic
def authorization_grant(
    *, actor: Actor, staff: User, department: Department, action: str, item_code: str = "",
) -> Authorization:
    """Authorize ``staff`` for ``action`` on the items of ``department``
    (one item by base code, or all of them when ``item_code`` is empty)."""
    _require_org_admin(actor, staff.center)
    if action not in Action.values:
        raise DomainError(_("未知的操作。"), field="action")
    if staff.role == Role.APPLICANT:
        raise DomainError(_("申请人不能被授权办理事项。"), field="staff")
    authorization, created = Authorization.objects.get_or_create(
        staff=staff, department=department, item_code=item_code, action=action,
        defaults={"granted_by": person(actor), "granted_at": clock.now()},
    )
    if created:
        audit_record(
            actor=actor, action="authorization_grant", target=authorization,
            data={"staff": staff.username, "department": department.code, "item_code": item_code, "action": action},
        )
    return authorization


@transaction.atomic
def authorization_revoke(*, actor: Actor, authorization: Authorization) -> None:
    """Withdraw an authorization; the audit event keeps whose it was and for what."""
    _require_org_admin(actor, authorization.staff.center)
    audit_record(
        actor=actor, action="authorization_revoke", target=authorization,
        data={"staff": authorization.staff.username, "action": authorization.action},
    )
    authorization.delete()


@transaction.atomic
def post_create(*, actor: Actor, window: Window, name: str, holder: User, backup: User) -> Post:
    """Set up an A/B post: ``backup`` acts while ``holder`` is away."""
    _require_org_admin(actor, window.center)
    if holder.pk == backup.pk:
        raise DomainError(_("B岗不能与A岗为同一人。"), field="backup")
    for field, staff in (("holder", holder), ("backup", backup)):
        if staff.role == Role.APPLICANT:
            raise DomainError(_("申请人不能担任窗口岗位。"), field=field)
    post = Post.objects.create(window=window, name=name, holder=holder, backup=backup)
    audit_record(actor=actor, action="post_create", target=post, data={"holder": holder.username, "backup": backup.username})
    return post


def _attendance_for(staff: User, day: date) -> Attendance:
    # get_or_create retries the read when a concurrent click created the row.
    attendance, _created = Attendance.objects.get_or_create(
        staff=staff, date=day, defaults={"status": AttendanceStatus.PRESENT}
    )
    return attendance


@transaction.atomic
def attendance_check_in(*, staff: User, at: datetime | None = None) -> Attendance:
    """A staff member signs in for the day (签到)."""
    if staff.role == Role.APPLICANT:
        raise NotPermitted(_("申请人无需签到。"))
    at = at or clock.now()
    attendance = _attendance_for(staff, clock.to_local_date(at))
    if attendance.check_in is not None:
        raise DomainError(_("今天已经签到。"), field="check_in")
    attendance.check_in = at
    attendance.status = AttendanceStatus.PRESENT
    attendance.save(update_fields=["check_in", "status"])
    audit_record(actor=staff, action="attendance_check_in", target=attendance)
    return attendance


@transaction.atomic
def attendance_check_out(*, staff: User, at: datetime | None = None) -> Attendance:
    """A staff member signs out (签退); signing in first is required."""
    at = at or clock.now()
    attendance = Attendance.objects.filter(staff=staff, date=clock.to_local_date(at)).first()
    if attendance is None or attendance.check_in is None:
        raise DomainError(_("请先签到。"), field="check_out")
    if attendance.check_out is not None:
        raise DomainError(_("今天已经签退。"), field="check_out")
    attendance.check_out = at
    attendance.save(update_fields=["check_out"])
    audit_record(actor=staff, action="attendance_check_out", target=attendance)
    return attendance


@transaction.atomic
def attendance_record(*, actor: Actor, staff: User, day: date, status: str, note: str = "") -> Attendance:
    """A manager records leave, a trip or an absence (or corrects a day)."""
    _require_org_admin(actor, staff.center)
    if status not in AttendanceStatus.values:
        raise DomainError(_("未知的考勤状态。"), field="status")
    if status != AttendanceStatus.PRESENT and not note:
        raise DomainError(_("请假、公出或缺勤须填写说明。"), field="note")
    attendance = _attendance_for(staff, day)
    attendance.status = status
    attendance.note = note
    attendance.recorded_by = person(actor)
    attendance.save(update_fields=["status", "note", "recorded_by"])
    audit_record(actor=actor, action="attendance_record", target=attendance, data={"status": status, "note": note})
    return attendance
