"""Reads of the organization, each carrying the reader's scope.

The scope rules are written once here (DESIGN 5):
- staff of a department see their department (window clerks also the
  departments they are authorized to accept for at a comprehensive window);
- center managers and hotline operators see their center and every center
  below it;
- supervisors and system administrators see everything (supervisors only
  read);
- applicants see no staff-side data.

Other apps scope their own querysets with ``scope_q``, naming the lookups
that lead from their model to a department id and to a center path.
"""

import functools
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from govhall.org.models import (
    AWAY_STATUSES,
    Attendance,
    Authorization,
    Center,
    Department,
    Post,
    User,
    Window,
)
from govhall.org.roles import (
    CENTER_ROLES,
    DEPARTMENT_ROLES,
    GLOBAL_ROLES,
    READ_ONLY_ROLES,
)

NOTHING = Q(pk__in=[])


def user_department_ids(user: User) -> set[int]:
    """The departments a department-role user works for: their own and those
    they hold authorizations in (comprehensive windows accept for many), and
    today those of the A/B posts' holders they cover (still one query)."""
    from govhall.core import clock

    ids = {department_id for department_id, _action, _code in staff_authorizations(user, on=clock.today())}
    if user.department_id:
        ids.add(user.department_id)
    return ids


def scope_q(user: User, *, department_id: str, center_path: str) -> Q:
    """A filter limiting any queryset to what ``user`` may see.

    ``department_id`` is the lookup from the model to a department id (e.g.
    ``"department_id"``, or ``"id"`` on Department itself) and
    ``center_path`` the lookup to the path of the center it belongs to.
    """
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.role in GLOBAL_ROLES or user.is_superuser:
        return Q()
    if user.role in CENTER_ROLES:
        if user.center_id is None:
            return NOTHING
        return Q(**{f"{center_path}__startswith": user.center.path})
    if user.role in DEPARTMENT_ROLES:
        return Q(**{f"{department_id}__in": user_department_ids(user)})
    return NOTHING


def is_read_only(user: User) -> bool:
    """Supervisors watch everything and change nothing."""
    return user.role in READ_ONLY_ROLES


def center_list_visible(*, user: User) -> QuerySet[Center]:
    if user.role in DEPARTMENT_ROLES:
        ids = set(Department.objects.filter(pk__in=user_department_ids(user)).values_list("center_id", flat=True))
        if user.center_id:
            ids.add(user.center_id)
        return Center.objects.filter(pk__in=ids)
    return Center.objects.filter(scope_q(user, department_id="departments__id", center_path="path")).distinct()


def department_list_visible(*, user: User) -> QuerySet[Department]:
    return Department.objects.filter(
        scope_q(user, department_id="id", center_path="center__path")
    ).select_related("center")


def window_list_visible(*, user: User) -> QuerySet[Window]:
    q = scope_q(user, department_id="department_id", center_path="center__path")
    if user.role in DEPARTMENT_ROLES and user.window_id:
        q |= Q(pk=user.window_id)  # a clerk at a comprehensive window sees it
    return Window.objects.filter(q).select_related("center", "department")


def staff_list_visible(*, user: User) -> QuerySet[User]:
    """Staff (not applicants) in the user's scope. A center's managers lead
    the people placed at their centers and the staff of the departments
    sitting there, whatever center (if any) the login itself names."""
    scope = scope_q(user, department_id="department_id", center_path="center__path")
    if user.role in CENTER_ROLES and scope != NOTHING:
        scope |= scope_q(user, department_id="department_id", center_path="department__center__path")
    return (
        User.objects.exclude(role="applicant")
        .filter(scope)
        .select_related("center", "department", "window")
        .order_by("center__path", "department__code", "username")
    )


def staff_get_visible(*, user: User, staff_id: int) -> User | None:
    return staff_list_visible(user=user).filter(pk=staff_id).first()


def attendance_list_visible(*, user: User, on: date) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(date=on)
        .filter(scope_q(user, department_id="staff__department_id", center_path="staff__center__path"))
        .select_related("staff", "staff__department")
    )


def staff_is_authorized(staff: User, *, department: Department, action: str, item_code: str = "",
                        on: date | None = None) -> bool:
    """Whether ``staff`` may do ``action`` on the item ``item_code`` of
    ``department`` (an authorization for all of the department's items, or
    for this very item) — his own, or on ``on``, one of a holder whose A/B
    post he backs up while that holder is away (A/B岗)."""
    sql, params = authorization_condition(staff, department=department, action=action, item_code=item_code, on=on)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 WHERE {sql}", params)
        return cursor.fetchone() is not None


def authorization_condition(staff: User, *, department: Department, action: str,
                            item_code: str = "", on: date | None = None) -> tuple[str, list]:
    """The test of ``staff_is_authorized`` as an SQL condition and its
    parameters, for a statement that must change nothing unless the actor
    is authorized (the case services' guarded update)."""
    # Every action of every case asks this: one fixed statement, written out
    # (the ORM spends ten times the query's own cost building it each time).
    params = [getattr(department, "pk", department), action, "", item_code, staff.pk]
    if on is None:
        return _authorized_sql(False), params
    return _authorized_sql(True), [*params, staff.pk, connection.ops.adapt_datefield_value(on), *sorted(AWAY_STATUSES)]


@functools.cache
def _authorized_sql(cover: bool) -> str:
    """``cover``: also the grants of the holders whose posts ``staff`` backs
    up and who are away that day (still one statement: no extra round trip)."""
    column = _column
    grant = (f"SELECT 1 FROM {_table(Authorization)} WHERE {column(Authorization, 'department')} = %s"
             f" AND {column(Authorization, 'action')} = %s AND {column(Authorization, 'item_code')} IN (%s, %s)"
             f" AND ({column(Authorization, 'staff')} = %s")
    if not cover:
        return f"EXISTS ({grant}))"
    return f"EXISTS ({grant} OR {column(Authorization, 'staff')} IN ({_covered_sql()})))"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _covered_holders(staff_id, on: date) -> QuerySet:
    """The ids of the holders whose A/B posts ``staff_id`` backs up and who
    are away on ``on``, as a subquery."""
    away = Attendance.objects.filter(date=on, status__in=AWAY_STATUSES).values("staff_id")
    return Post.objects.filter(backup_id=staff_id, holder_id__in=away).values("holder_id")


def staff_covers(staff: User, *, on: date) -> list[User]:
    """The holders whose A/B posts ``staff`` backs up and who are away on ``on``."""
    return list(User.objects.filter(pk__in=_covered_holders(staff.pk, on)).order_by("pk"))


def staff_authorizations(staff: User, *, on: date | None = None) -> set[tuple[int, str, str]]:
    """Every grant of ``staff`` as (department id, action, item base code or
    "" for all the department's items) — on ``on`` with those of the
    holders he covers (A/B岗): one query for a screen that asks about many
    actions; ``staff_is_authorized`` is the check of one."""
    # Asked by every answer that lists a case's actions: one fixed statement
    # (the ORM would build its subquery again on every call).
    params = [staff.pk]
    if on is not None:
        params += [staff.pk, connection.ops.adapt_datefield_value(on), *sorted(AWAY_STATUSES)]
    with connection.cursor() as cursor:
        cursor.execute(_authorizations_sql(on is not None), params)
        return set(cursor.fetchall())


@functools.cache
def _authorizations_sql(cover: bool) -> str:
    """The grants of ``staff`` and, with ``cover``, of the holders he covers that day."""
    column = _column
    sql = (f"SELECT {column(Authorization, 'department')}, {column(Authorization, 'action')}, "
           f"{column(Authorization, 'item_code')} FROM {_table(Authorization)} "
           f"WHERE {column(Authorization, 'staff')} = %s")
    return f"{sql} OR {column(Authorization, 'staff')} IN ({_covered_sql()})" if cover else sql


@functools.cache
def _covered_sql() -> str:
    """The holders whose posts the staff member (first parameter) backs up
    and who are away on the day (second) with one of the away statuses (the rest)."""
    column, post, attendance = _column, _table(Post), _table(Attendance)
    away = ", ".join(["%s"] * len(AWAY_STATUSES))
    return (f"SELECT {column(Post, 'holder')} FROM {post} WHERE {column(Post, 'backup')} = %s AND EXISTS ("
            f"SELECT 1 FROM {attendance} WHERE {attendance}.{column(Attendance, 'staff')} = {post}.{column(Post, 'holder')}"
            f" AND {column(Attendance, 'date')} = %s AND {column(Attendance, 'status')} IN ({away}))")


def staff_is_away(staff: User, *, on: date) -> bool:
    return Attendance.objects.filter(staff=staff, date=on, status__in=AWAY_STATUSES).exists()


def post_acting_staff(post: Post, *, on: date) -> User:
    """Who acts at this post on ``on``: the holder (A岗), or the backup (B岗)
    when the holder's attendance records leave, a trip or an absence."""
    return post.backup if staff_is_away(post.holder, on=on) else post.holder


def staff_may_act_for(staff: User, *, holder: User, on: date) -> bool:
    """Whether ``staff`` may act for ``holder`` on ``on``: they are the holder,
    or the backup of one of the holder's posts while the holder is away."""
    if staff.pk == holder.pk:
        return True
    if not Post.objects.filter(holder=holder, backup=staff).exists():
        return False
    return staff_is_away(holder, on=on)
