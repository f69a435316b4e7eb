"""Pages of the staff workbench shell and the applicant's home.

Views parse input, call selectors and services, and render; they never
change data themselves.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.calendars.selectors import work_calendar
from govhall.core import clock
from govhall.core.errors import DomainError
from govhall.org import selectors as org_selectors
from govhall.org import services as org_services
from govhall.org.roles import STAFF_ROLES, Role
from govhall.timing import CalendarRangeError, compute_deadline
from govhall.web.forms import AttendanceRecordForm, DeadlineForm


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    description: str


def _links_for(user) -> list[Link]:
    from govhall.supervision.views import WALL_ROLES

    """What this person can do in govhall today, by role."""
    links: list[Link] = []
    if user.role in STAFF_ROLES:
        links.append(Link(_("办件工作台"), reverse("case_worklist"), _("按状态和红黄灯查看办件，窗口收件、审查、决定、送达")))
        links.append(Link(_("并联审批"), reverse("joint_worklist"), _("一件事联办件：综合窗口一窗受理、各部门并联审批、统一出件")))
        links.append(Link(_("事项目录"), reverse("catalog_list"), _("查看、编辑、发布事项与办事指南，导入导出 Excel")))
        links.append(Link(_("组织机构"), reverse("org_overview"), _("本人可见范围内的中心、部门、窗口与人员")))
        links.append(Link(_("考勤签到"), reverse("attendance"), _("签到、签退，查看本人考勤")))
        links.append(Link(_("监察预警"), reverse("alert_list"), _("本人可见范围内的红黄牌预警，签收、整改、审核")))
        if user.role in WALL_ROLES:
            links.append(Link(_("电子监察"), reverse("supervision_wall"), _("按部门和窗口实时查看红黄灯与待处理预警")))
    if user.role == Role.AGENT:
        links.append(Link(_("我的代办件"), reverse("agency_case_list"), _("代申请人办理的办件，按状态和期限")))
    if user.role in {Role.AGENT, Role.CENTER_MANAGER}:
        links.append(Link(_("代办授权"), reverse("agency_list"), _("申请人签字的代办授权：登记、查看、撤销")))
    links.append(Link(_("网上办事大厅"), reverse("portal_home"), _("搜索事项，查看办事指南，下载表格")))
    if user.role == Role.APPLICANT:
        links.append(Link(_("我的办件"), reverse("portal_my_cases"), _("本人申请的办件、进度和文书")))
        links.append(Link(_("我的联办件"), reverse("portal_my_joint_cases"), _("一件事（并联审批）的申请和各阶段进度")))
    links.append(Link(_("办件进度查询"), reverse("portal_progress"), _("凭办件编号和查询码查询进度")))
    links.append(Link(_("工作日与期限计算"), reverse("calendar_tool"),
                      _("按法定工作日计算办理期限（含暂停、延长），查看年度放假安排")))
    if user.is_staff:
        links.append(Link(_("基础数据管理"), reverse("admin:index"), _("中心、部门、窗口、人员、工作日历等基础数据")))
    return links


def _work_counts(user) -> list[Link] | None:
    """The staff member's work at a glance: waiting for him, done by him,
    and the red cases in his scope, each linking to its list."""
    from govhall.cases.policy import may_have_duties
    from govhall.cases.selectors import case_list_done, case_list_for_staff, case_list_todo

    if user.role not in STAFF_ROLES:
        return None
    worklist = reverse("case_worklist")
    counts = []
    today = clock.today()
    if may_have_duties(user, today=today):
        todo = case_list_todo(user=user, today=today)
        counts.append(Link(str(len(todo)), f"{worklist}?view=todo", _("我的待办")))
        counts.append(Link(str(case_list_done(user=user).count()), f"{worklist}?view=done", _("我已办")))
    red = case_list_for_staff(user=user, open_only=True).filter(light="red").count()
    counts.append(Link(str(red), f"{worklist}?view=all&light=red", _("红灯办件")))
    return counts


@login_required
def home(request):
    user = request.user
    context = {
        "work": _work_counts(user),
        "links": _links_for(user),
        "authorizations": user.authorizations.select_related("department") if user.role in STAFF_ROLES else [],
        "is_read_only": org_selectors.is_read_only(user),
        "today": clock.today(),
    }
    return render(request, "web/home.html", context)


def _require_staff(user) -> None:
    if user.role not in STAFF_ROLES:
        raise PermissionDenied


@login_required
def org_overview(request):
    _require_staff(request.user)
    centers = list(org_selectors.center_list_visible(user=request.user).order_by("path"))
    departments = org_selectors.department_list_visible(user=request.user)
    windows = org_selectors.window_list_visible(user=request.user)
    return render(request, "web/org_overview.html", {
        "centers": centers, "departments": departments, "windows": windows,
    })


@login_required
def org_staff(request):
    _require_staff(request.user)
    staff = org_selectors.staff_list_visible(user=request.user)
    return render(request, "web/org_staff.html", {"staff": staff})


def _can_record_attendance(user) -> bool:
    """Center managers and administrators record leave, trips and absences."""
    return user.role in {Role.CENTER_MANAGER, Role.SYSTEM_ADMIN} or user.is_superuser


def _attendance_page(request, *, record_form=None, status=200):
    user = request.user
    today = clock.today()
    if record_form is None and _can_record_attendance(user):
        record_form = AttendanceRecordForm(
            staff_queryset=org_selectors.staff_list_visible(user=user), initial={"day": today}
        )
    sees_team = record_form is not None or org_selectors.is_read_only(user)
    return render(request, "web/attendance.html", {
        "today": today,
        "mine": user.attendance.filter(date=today).first(),
        "history": user.attendance.all()[:10],
        "record_form": record_form,
        "team": org_selectors.attendance_list_visible(user=user, on=today) if sees_team else None,
    }, status=status)


@login_required
def attendance(request):
    _require_staff(request.user)
    return _attendance_page(request)


@login_required
@require_POST
def attendance_sign(request, direction: str):
    """Sign in (签到) or out (签退) for today."""
    _require_staff(request.user)
    service = org_services.attendance_check_in if direction == "in" else org_services.attendance_check_out
    try:
        service(staff=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("签到成功。") if direction == "in" else _("签退成功。"))
    return redirect("attendance")


@login_required
@require_POST
def attendance_record(request):
    user = request.user
    if not _can_record_attendance(user):
        raise PermissionDenied
    form = AttendanceRecordForm(request.POST, staff_queryset=org_selectors.staff_list_visible(user=user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            org_services.attendance_record(
                actor=user, staff=data["staff"], day=data["day"], status=data["status"], note=data["note"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("考勤已记录。"))
            return redirect("attendance")
    return _attendance_page(request, record_form=form, status=400)


@login_required
def calendar_tool(request):
    calendar = work_calendar()
    years = calendar.years()
    today = clock.today()
    try:
        shown_year = int(request.GET.get("year", today.year))
    except ValueError:
        shown_year = today.year
    if not calendar.first.year <= shown_year <= calendar.last.year:
        shown_year = today.year
    return render(request, "web/calendar.html", {
        "form": DeadlineForm(initial={"start": today, "days": 20, "extension": 0}),
        "years": [y for y in years if y.year >= today.year - 2],
        "shown_year": shown_year,
        "shown_provisional": calendar.is_provisional(date(shown_year, 1, 1)),
        "days": calendar.holidays_in(shown_year),
    })


@login_required
@require_POST
def calendar_deadline(request):
    form = DeadlineForm(request.POST)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = compute_deadline(
                work_calendar(), start=data["start"], days=data["days"],
                pauses=data["pauses"], extension=data["extension"] or 0,
            )
        except CalendarRangeError as error:
            form.add_error("start", _("超出工作日历范围：%(error)s") % {"error": error})
        except ValueError as error:
            form.add_error("pauses", str(error))
    template = "web/_deadline_result.html" if request.htmx else "web/calendar_result_page.html"
    # htmx swaps only 2xx answers; a plain form post gets 400 on bad input.
    status = 200 if result is not None or request.htmx else 400
    return render(request, template, {"form": form, "result": result}, status=status)
