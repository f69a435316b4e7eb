"""The hall's screens: the kiosk (取号机) and the ticket it gives, the hall
display (叫号屏, polled every 2 s), the clerk's calling panel and the
categories page of center managers. Views parse input and call the
services; what a screen shows comes from the selectors."""

import re
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.client import client_address, rate_limited
from govhall.core.errors import DomainError, NotPermitted
from govhall.hall import roster as hall_roster
from govhall.hall import selectors, services, staffing
from govhall.hall import stats as hall_stats
from govhall.hall.models import (
    HalfDay,
    ServiceCategory,
    Ticket,
    TicketPriority,
    TicketSource,
    TicketState,
)
from govhall.org.models import Center, Window
from govhall.org.roles import Role

# --- public: kiosk, ticket, display -------------------------------------------------


def _center(code: str) -> Center:
    center = selectors.center_get_public(code=code)
    if center is None:
        raise Http404
    return center


class KioskForm(forms.Form):
    category = forms.IntegerField(label=gettext_lazy("取号类别"))
    care = forms.BooleanField(label=gettext_lazy("老年人、残疾人等优先（关怀通道）"), required=False)
    phone = forms.CharField(label=gettext_lazy("手机号码（选填，用于叫号提醒）"), max_length=20, required=False)


# Items a touch-screen search lists (a screen, not a results page to scroll).
GUIDE_RESULTS = 8


def guide(request, center: str):
    """The hall's touch-screen guide (导办屏): big buttons — take a number,
    check in a booking, find an item, check a case's progress — and the
    item search on the screen itself: where to go, when, and what to bring.
    Public and read-only."""
    from govhall.catalog.selectors import version_search_published

    center = _center(center)
    query = request.GET.get("q", "").strip()[:50]
    results = version_search_published(query=query, limit=GUIDE_RESULTS) if query else []
    return render(request, "hall/guide.html", {"center": center, "query": query, "results": results})


def _take_number(request, form, categories, *, scope: str, issue) -> tuple[Ticket | None, int]:
    """A posted request for a number (the kiosk, the online page): the
    client's rate limit, the chosen category among ``categories``, then
    ``issue(category, cleaned_data)``. The ticket, or None and the status
    with the error on ``form``."""
    if rate_limited(scope=scope, key=client_address(request) or "unknown",
                    limit=settings.GOVHALL_KIOSK_TICKETS_PER_MINUTE, seconds=60):
        form.add_error(None, _("取号过于频繁，请一分钟后再试。"))
        return None, 429
    if not form.is_valid():
        return None, 400
    category = next((c for c in categories if c.pk == form.cleaned_data["category"]), None)
    try:
        if category is None:
            raise DomainError(_("请选择本中心的取号类别。"), field="category")
        return issue(category, form.cleaned_data), 302
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None, error.status


def guide_item(request, center: str, code: str):
    """An item's guide on the touch screen (导办屏): where, when, how long,
    what to bring and what it costs — in the kiosk's frame, with a big
    back button to the search (no link leaves the screen)."""
    from govhall.catalog.selectors import version_get_published

    center = _center(center)
    version = version_get_published(code=code)
    if version is None:
        raise Http404
    return render(request, "hall/guide_item.html", {
        "center": center, "version": version, "query": request.GET.get("q", "").strip()[:50],
        "materials": list(version.materials.all()), "fees": list(version.fees.all()),
    })


def guide_progress(request, center: str):
    """The progress query (办件进度查询) on the touch screen: the portal's
    answer (``portal.views.progress_answer``) in the kiosk's frame."""
    from govhall.portal.views import progress_answer

    center = _center(center)
    context, status = progress_answer(request)
    return render(request, "hall/guide_progress.html", {"center": center, **context}, status=status)


def kiosk(request, center: str):
    """The touch screen of the hall (自助取号): one big button per category.
    Public; a client may take only a few numbers a minute."""
    center = _center(center)
    categories = list(selectors.categories_public(center_id=center.pk))
    form = KioskForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        ticket, status = _take_number(request, form, categories, scope="kiosk", issue=lambda category, data: (
            services.ticket_issue(
                actor=SYSTEM, category=category, source=TicketSource.KIOSK,
                priority=TicketPriority.CARE if data["care"] else TicketPriority.NONE,
                phone=data["phone"], client_address=client_address(request))))
        if ticket is not None:
            return redirect("hall_ticket", code=ticket.code)
    counts = selectors.waiting_counts(center_id=center.pk, on=clock.today())
    return render(request, "hall/kiosk.html", {
        "center": center, "form": form,
        "categories": [(c, counts.get(c.pk, 0)) for c in categories],
    }, status=status)


class OnlineTicketForm(forms.Form):
    category = forms.IntegerField(label=gettext_lazy("取号类别"))
    care = forms.BooleanField(label=gettext_lazy("老年人、残疾人等优先（关怀通道）"), required=False)
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20, required=False)


def online_ticket(request, center: str):
    """Take a number from the portal (网上取号), phone-sized: a logged-in
    applicant, or someone who gives a phone number; within the hall's hours,
    one open number per person, category and day (services.ticket_issue_online)."""
    center = _center(center)
    user = request.user if request.user.is_authenticated else None
    if user is not None and not user.is_applicant and request.method == "POST":
        raise PermissionDenied(_("工作人员请在工作台或取号机取号。"))
    categories = list(selectors.categories_public(center_id=center.pk))
    initial = {"phone": user.phone} if user is not None and user.is_applicant else {}
    form = OnlineTicketForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        ticket, status = _take_number(request, form, categories, scope="online_ticket", issue=lambda category, data: (
            services.ticket_issue_online(actor=user or SYSTEM, category=category, phone=data["phone"],
                                         care=data["care"], client_address=client_address(request))))
        if ticket is not None:
            return redirect("hall_ticket", code=ticket.code)
    today = clock.today()
    counts = selectors.waiting_counts(center_id=center.pk, on=today)
    mine = list(Ticket.objects.filter(center=center, day=today, issued_by=user, state__in=services.OPEN_STATES)
                .select_related("category").order_by("pk")) if user is not None and user.is_applicant else []
    return render(request, "hall/online_ticket.html", {
        "center": center, "form": form, "mine": mine,
        "categories": [(c, counts.get(c.pk, 0)) for c in categories],
        "office_start": settings.GOVHALL_OFFICE_START, "office_end": settings.GOVHALL_OFFICE_END,
    }, status=status)


def ticket_page(request, code: str):
    """The ticket (排队小票): printable, and the page a phone keeps open —
    the number, the place in line and the expected wait, refreshed."""
    ticket = selectors.ticket_get_public(code=code)
    if ticket is None:
        raise Http404
    place = selectors.ticket_place(ticket, at=clock.now()) if ticket.state == TicketState.WAITING else None
    successor = Ticket.objects.filter(transferred_from=ticket).first() if ticket.state == TicketState.TRANSFERRED else None
    context = {"ticket": ticket, "place": place, "successor": successor}
    if request.htmx:
        return render(request, "hall/_ticket_status.html", context)
    return render(request, "hall/ticket.html", context)


def display(request, center: str):
    """The hall display (叫号屏, LED/TV): large type, polled every 2 s."""
    center = _center(center)
    return render(request, "hall/display.html", {"center": center, **_calls(center)})


def display_calls(request, center: str):
    return render(request, "hall/_display_calls.html", _calls(_center(center)))


def _calls(center: Center) -> dict:
    current, recent = selectors.display_calls(center_id=center.pk, on=clock.today())
    return {"current": current, "recent": recent}


# --- the clerk's calling panel --------------------------------------------------------


class TransferForm(forms.Form):
    category = forms.ModelChoiceField(label=gettext_lazy("转往类别"), queryset=ServiceCategory.objects.none(),
                                      required=False, empty_label=gettext_lazy("（不变）"))
    window = forms.ModelChoiceField(label=gettext_lazy("转往窗口"), queryset=Window.objects.none(), required=False,
                                    empty_label=gettext_lazy("（任一服务该类别的窗口）"))

    def __init__(self, *args, window: Window, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ServiceCategory.objects.filter(center_id=window.center_id, active=True)
        self.fields["window"].queryset = Window.objects.filter(center_id=window.center_id, active=True).exclude(
            pk=window.pk)


def _panel_window(request, window_id=None) -> Window:
    windows = selectors.staff_windows(request.user, on=clock.today())
    if not windows or not services.user_may_call(request.user, on=clock.today()):
        raise PermissionDenied
    if window_id is None:
        return windows[0]
    window = next((w for w in windows if w.pk == int(window_id)), None)
    if window is None:
        raise Http404
    return window


def _queue_context(window: Window) -> dict:
    today = clock.today()
    ids = selectors.window_category_ids(window)
    counts = selectors.waiting_counts(center_id=window.center_id, on=today)
    categories = ServiceCategory.objects.filter(pk__in=ids).order_by("code")
    return {
        "window": window,
        "counts": [(c, counts.get(c.pk, 0)) for c in categories],
        "next_tickets": list(selectors.queue_for_window(window, on=today, category_ids=ids)
                             .select_related("category")[:5]),
    }


@login_required
def panel(request):
    """The clerk's calling panel (叫号): call the next number, recall, no-show,
    transfer, start and end the service."""
    window = _panel_window(request, request.GET.get("window") or None)
    today = clock.today()
    ticket = selectors.ticket_at_window(window, on=today)
    return render(request, "hall/panel.html", {
        **_queue_context(window),
        "windows": selectors.staff_windows(request.user, on=today),
        "on_duty": selectors.staff_on_duty(request.user, on=today),
        "ticket": ticket,
        "transfer_form": TransferForm(window=window) if ticket else None,
    })


@login_required
def panel_queue(request, window_id: int):
    """The waiting counts of the panel, polled."""
    return render(request, "hall/_panel_queue.html", _queue_context(_panel_window(request, window_id)))


def _back(window: Window):
    return redirect(f"{reverse('hall_panel')}?window={window.pk}")


@login_required
@require_POST
def panel_call(request, window_id: int):
    window = _panel_window(request, window_id)
    try:
        ticket = services.ticket_call_next(actor=request.user, window=window)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if ticket is None:
            messages.info(request, _("当前没有等候的号。"))
    return _back(window)


TICKET_ACTIONS = {
    "recall": services.ticket_recall,
    "no_show": services.ticket_no_show,
    "start": services.ticket_start_service,
    "done": services.ticket_done,
}


@login_required
@require_POST
def panel_act(request, ticket_id: int, action: str):
    user = request.user
    windows = {w.pk: w for w in selectors.staff_windows(user, on=clock.today())}
    if not windows or not services.user_may_call(user, on=clock.today()):
        raise PermissionDenied
    ticket = Ticket.objects.filter(pk=ticket_id, window_id__in=windows).select_related("window", "category").first()
    if ticket is None:
        raise Http404
    try:
        if action == "transfer":
            form = TransferForm(request.POST, window=ticket.window)
            if not form.is_valid():
                raise DomainError(_("请选择转往的窗口或类别。"), field="category")
            moved = services.ticket_transfer(actor=user, ticket=ticket, category=form.cleaned_data["category"],
                                             window=form.cleaned_data["window"])
            messages.success(request, _("已转出，新号码 {number}。").format(number=moved.number))
        elif action in TICKET_ACTIONS:
            TICKET_ACTIONS[action](actor=user, ticket=ticket)
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return _back(ticket.window)


# --- categories and windows (center managers) ----------------------------------------


class CategoryForm(forms.Form):
    center = forms.ModelChoiceField(label=gettext_lazy("中心"), queryset=Center.objects.none())
    code = forms.CharField(label=gettext_lazy("号码字母"), max_length=1)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50)
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    service_minutes = forms.IntegerField(label=gettext_lazy("预计每件办理分钟数"), initial=10, min_value=1,
                                         max_value=240)

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers


def _managed_centers(user):
    if user.role == Role.CENTER_MANAGER and user.center_id:
        return Center.objects.filter(path__startswith=user.center.path)
    if user.role == Role.SYSTEM_ADMIN or user.is_superuser:
        return Center.objects.all()
    raise PermissionDenied


@login_required
def categories(request):
    """Categories and which windows call them (取号类别设置), for center managers."""
    centers = _managed_centers(request.user)
    form = CategoryForm(request.POST if request.method == "POST" else None, centers=centers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.category_create(actor=request.user, center=data["center"], code=data["code"], name=data["name"],
                                     description=data["description"], service_minutes=data["service_minutes"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("取号类别已新建。"))
            return redirect("hall_categories")
    rows = list(selectors.category_list_managed(user=request.user).filter(center__in=centers))
    by_center: dict[int, list] = {}
    for category in rows:
        by_center.setdefault(category.center_id, []).append(category)
    windows = [(w, by_center.get(w.center_id, []), {c.category_id for c in w.hall_categories.all()})
               for w in Window.objects.filter(center__in=centers, active=True, center_id__in=by_center)
               .select_related("center").prefetch_related("hall_categories").order_by("center__path", "number")]
    return render(request, "hall/categories.html", {"form": form, "categories": rows, "windows": windows},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def window_categories(request, window_id: int):
    window = get_object_or_404(Window.objects.filter(center__in=_managed_centers(request.user)), pk=window_id)
    chosen = ServiceCategory.objects.filter(center_id=window.center_id, pk__in=[
        int(value) for value in request.POST.getlist("categories") if value.isdigit()])
    try:
        services.window_categories_set(actor=request.user, window=window, categories=list(chosen))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("窗口 {number} 的服务类别已保存。").format(number=window.number))
    return redirect("hall_categories")


# --- statistics and staffing (center managers) ---------------------------------------

# The longest period the statistics pages compute.
STATS_MAX_DAYS = 366


def _stats_centers(user):
    """The centers whose hall statistics ``user`` sees: a center manager's
    center and those below it; everything for supervisors (read only) and
    system administrators. Nobody else."""
    if user.role == Role.CENTER_MANAGER and user.center_id:
        return Center.objects.filter(path__startswith=user.center.path)
    if user.role in (Role.SYSTEM_ADMIN, Role.SUPERVISOR) or user.is_superuser:
        return Center.objects.all()
    raise PermissionDenied


class HallPeriodForm(forms.Form):
    center = forms.ModelChoiceField(label=gettext_lazy("中心"), queryset=Center.objects.none(), empty_label=None)
    first = forms.DateField(label=gettext_lazy("开始日期"))
    last = forms.DateField(label=gettext_lazy("结束日期"))

    def __init__(self, data, *, centers, user):
        today = clock.today()
        own = user.center_id if centers.filter(pk=user.center_id).exists() else None
        initial = {"center": own or getattr(centers.order_by("path").first(), "pk", None),
                   "first": today - timedelta(days=29), "last": today}
        data = {**initial, **{k: v for k, v in data.items() if v != ""}} if data else initial
        super().__init__(data)
        self.fields["center"].queryset = centers.order_by("path")

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first > last:
                self.add_error("last", _("结束日期不能早于开始日期。"))
            elif (last - first).days >= STATS_MAX_DAYS:
                self.add_error("first", _("统计期间最长一年。"))
        return data


class StaffingForm(HallPeriodForm):
    target = forms.FloatField(label=gettext_lazy("目标平均等候（分钟）"), min_value=1, max_value=120)
    idle = forms.IntegerField(label=gettext_lazy("空闲线：利用率低于（%）"), min_value=1, max_value=99)
    pool = forms.MultipleChoiceField(label=gettext_lazy("模拟合并为综合窗口的类别"), required=False,
                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, data, *, centers, user):
        super().__init__({"target": 10, "idle": 30, **(data or {})}, centers=centers, user=user)
        center = self._center()
        self.fields["pool"].choices = [(str(c.pk), str(c)) for c in
                                       ServiceCategory.objects.filter(center=center).order_by("code")] if center else []

    def _center(self):
        try:
            return self.fields["center"].queryset.filter(pk=int(self.data.get("center"))).first()
        except (TypeError, ValueError):
            return None

    def clean_pool(self):
        pool = self.cleaned_data["pool"]
        if len(pool) == 1:
            raise forms.ValidationError(_("合并模拟须至少选择两个类别。"))
        return pool


def _period_form(request, form_class):
    centers = _stats_centers(request.user)
    query = {key: (request.GET.getlist(key) if key == "pool" else request.GET.get(key)) for key in request.GET}
    return form_class(query or None, centers=centers, user=request.user)


@login_required
def stats(request):
    """Waiting and service times per category, window and hour; window
    utilization (排队统计), for center managers."""
    form = _period_form(request, HallPeriodForm)
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        context["stats"] = hall_stats.hall_stats(center_id=data["center"].pk, first=data["first"], last=data["last"],
                                                 at=clock.now())
        context["center"] = data["center"]
    return render(request, "hall/stats.html", context, status=200 if form.is_valid() else 400)


@login_required
def staffing_view(request):
    """Windows needed per hour and category for a target wait (Erlang C),
    idle and overloaded windows, and a merge simulation (窗口配置分析)."""
    form = _period_form(request, StaffingForm)
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        period = hall_stats.hall_stats(center_id=data["center"].pk, first=data["first"], last=data["last"],
                                       at=clock.now())
        pool = list(ServiceCategory.objects.filter(center=data["center"], pk__in=[int(p) for p in data["pool"]]))
        plan = staffing.staffing_plan(period, target_minutes=data["target"], idle=data["idle"] / 100, pool=pool)
        rostered = hall_roster.rostered_windows_per_category(center_id=data["center"].pk, first=data["first"],
                                                             last=data["last"], open_days=period.open_days)
        context.update(center=data["center"], stats=period, plan=plan, chart=plan.chart(),
                       plan_rows=[(p, rostered.get(p.category.pk, 0.0)) for p in plan.plans])
    return render(request, "hall/staffing.html", context, status=200 if form.is_valid() else 400)


# --- duty roster (排班) ---------------------------------------------------------------

ROSTER_CELL = re.compile(r"^c-(\d+)-(\d{4}-\d{2}-\d{2})-(am|pm)$")


def _roster_cells(post) -> dict:
    """The grid's posted cells: ``c-<window>-<day>-<half>`` → staff id or None."""
    cells = {}
    for key, value in post.items():
        match = ROSTER_CELL.match(key)
        if not match:
            continue
        try:
            day = date.fromisoformat(match[2])
        except ValueError as error:
            raise DomainError(_("日期格式不正确。"), field="day") from error
        if value and not value.isdigit():
            raise DomainError(_("请选择本中心的窗口工作人员。"), field="staff")
        cells[(int(match[1]), day, match[3])] = int(value) if value else None
    return cells


def _roster_week(value) -> date:
    try:
        return hall_roster.week_start(date.fromisoformat(value)) if value else hall_roster.week_start(clock.today())
    except ValueError:
        return hall_roster.week_start(clock.today())


@login_required
def roster(request):
    """The duty roster (排班): the week's grid window × day × half-day, which
    the center's managers edit and its clerks read; today's rostered clerks
    with their attendance and the A/B backups covering absent ones."""
    try:
        centers = hall_roster.roster_centers(request.user).order_by("path")
    except NotPermitted as error:
        raise PermissionDenied from error
    params = request.POST if request.method == "POST" else request.GET
    chosen = params.get("center", "")
    if chosen and not chosen.isdigit():
        raise Http404
    # Another center's roster is not found.
    center = get_object_or_404(centers, pk=int(chosen)) if chosen else (
        centers.filter(pk=request.user.center_id).first() or centers.first())
    if center is None:
        raise PermissionDenied
    monday = _roster_week(params.get("week"))
    editable = hall_roster.roster_editable(request.user, center)
    posted, status = None, 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "copy":
                hall_roster.roster_week_copy(actor=request.user, center=center, monday=monday)
            else:
                posted = _roster_cells(request.POST)
                hall_roster.roster_week_set(actor=request.user, center=center, monday=monday, cells=posted)
        except DomainError as error:
            messages.error(request, error.message)
            status = 400
        else:
            messages.success(request, _("排班已保存。"))
            return redirect(f"{reverse('hall_roster')}?center={center.pk}&week={monday.isoformat()}")
    days = hall_roster.week_days(monday)
    week = hall_roster.roster_week(center, monday)
    halves = [(half, label) for half, label in HalfDay.choices]
    grid = []
    for window in Window.objects.filter(center=center, active=True).order_by("number"):
        row = []
        for day in days:
            for half, label in halves:
                entry = week.get((window.pk, day, half))
                staff_id = posted.get((window.pk, day, half)) if posted is not None else (
                    entry.staff_id if entry else None)
                row.append({"key": f"c-{window.pk}-{day.isoformat()}-{half}", "entry": entry, "staff_id": staff_id,
                            "label": f"{window.number} {day:%m-%d} {label}"})
        grid.append((window, row))
    today = clock.today()
    return render(request, "hall/roster.html", {
        "center": center, "centers": centers, "monday": monday, "days": days, "halves": halves, "grid": grid,
        "editable": editable, "staff": list(hall_roster.rosterable_staff(center)) if editable else [],
        "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "today": today, "today_rows": hall_roster.roster_day(center, on=today),
    }, status=status)
