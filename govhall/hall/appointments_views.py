"""Appointment pages (docs/hall.md "Appointments"): booking and my
appointments on the portal (applicants, phone-sized), the kiosk's check-in
(预约签到), and the hall manager's slot patterns and day's bookings. Views
parse input and call ``hall.appointments``."""

from datetime import date, datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.client import client_address, rate_limited
from govhall.core.errors import DomainError
from govhall.hall import appointments as appts
from govhall.hall import selectors
from govhall.hall.models import Appointment, ServiceCategory, SlotPattern
from govhall.hall.views import _center, _managed_centers
from govhall.portal.views import _applicant

WEEKDAY_NAMES = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
                 gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def parse_start(value: str) -> datetime | None:
    """A slot's start as the pages and the API send it (ISO 8601; local time
    when it has no offset); None when it is not a moment."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- portal: book, my appointments -------------------------------------------------------


class BookForm(forms.Form):
    category = forms.IntegerField(label=gettext_lazy("业务类别"))
    start = forms.CharField(label=gettext_lazy("预约时段"), max_length=40)
    phone = forms.CharField(label=gettext_lazy("接收提醒短信的手机号码"), max_length=20, required=False)


def portal_appointment_book(request):
    """Book (我要预约): pick a category, then a day and a slot with places left."""
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    categories = list(appts.bookable_categories())
    chosen_id = request.POST.get("category") or request.GET.get("category")
    category = next((c for c in categories if str(c.pk) == str(chosen_id)), None)
    form = BookForm(request.POST if request.method == "POST" else None, initial={"phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                raise DomainError(_("请选择可预约的业务类别。"), field="category")
            start = parse_start(form.cleaned_data["start"])
            appointment = appts.appointment_book(actor=user, category=category, start=start,
                                                 phone=form.cleaned_data["phone"],
                                                 client_address=client_address(request))
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("预约成功，预约码 {code}。请在预约时段开始前 {early} 分钟至开始后 {late} 分钟内到大厅自助取号机签到。")
                             .format(code=appointment.code, early=settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES,
                                     late=settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES))
            return redirect("portal_my_appointments")
    at = clock.now()
    days = appts.bookable_slots(category, at=at) if category else []
    return render(request, "hall/appointment_book.html", {
        "categories": categories, "category": category, "days": days, "form": form,
        "online_centers": selectors.centers_taking_numbers(),
        "blocked_until": appts.blocked_until(user, at=at),
        "checkin_early": settings.GOVHALL_APPOINTMENT_CHECKIN_EARLY_MINUTES,
        "checkin_late": settings.GOVHALL_APPOINTMENT_CHECKIN_LATE_MINUTES,
    }, status=400 if form.errors else 200)


def portal_my_appointments(request):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    at = clock.now()
    rows = list(Appointment.objects.filter(applicant=user).select_related("slot", "category", "category__center",
                                                                          "ticket").order_by("-slot__start")[:50])
    return render(request, "hall/my_appointments.html", {
        "appointments": rows, "now": at, "no_shows": appts.no_show_count(user, at=at),
        "no_show_limit": settings.GOVHALL_APPOINTMENT_NO_SHOW_LIMIT,
        "no_show_days": settings.GOVHALL_APPOINTMENT_NO_SHOW_DAYS,
        "blocked_until": appts.blocked_until(user, at=at),
    })


@require_POST
def portal_appointment_cancel(request, code: str):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    appointment = Appointment.objects.filter(applicant=user, code=code[:12]).select_related("slot", "category").first()
    if appointment is None:
        raise Http404
    try:
        appts.appointment_cancel(actor=user, appointment=appointment, client_address=client_address(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("预约已取消。"))
    return redirect("portal_my_appointments")


# --- the kiosk: 预约签到 ------------------------------------------------------------------


class CheckInForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("预约码"), max_length=20)
    phone = forms.CharField(label=gettext_lazy("手机号码（选填，核对用）"), max_length=20, required=False)


def kiosk_check_in(request, center: str):
    """The kiosk's check-in (预约签到): the booking code (and the phone, if
    typed) → a ticket of appointment priority. Public, rate-limited as the
    kiosk's numbers are."""
    center = _center(center)
    form = CheckInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if rate_limited(scope="kiosk", key=client_address(request) or "unknown",
                        limit=settings.GOVHALL_KIOSK_TICKETS_PER_MINUTE, seconds=60):
            form.add_error(None, _("操作过于频繁，请一分钟后再试。"))
            status = 429
        elif form.is_valid():
            try:
                appointment = appts.appointment_find(center=center, code=form.cleaned_data["code"],
                                                     phone=form.cleaned_data["phone"])
                ticket = appts.appointment_check_in(actor=SYSTEM, appointment=appointment,
                                                    client_address=client_address(request))
            except DomainError as error:
                _form_error(form, error)
                status = error.status
            else:
                return redirect("hall_ticket", code=ticket.code)
    return render(request, "hall/kiosk_check_in.html", {"center": center, "form": form}, status=status)


# --- hall managers: slot patterns and the day's bookings -------------------------------------


class PatternForm(forms.Form):
    weekdays = forms.MultipleChoiceField(label=gettext_lazy("开放预约的星期"), required=False,
                                         choices=list(enumerate(WEEKDAY_NAMES)), widget=forms.CheckboxSelectMultiple)
    periods = forms.CharField(label=gettext_lazy("时间段"), max_length=200, required=False,
                              help_text=gettext_lazy("如 09:00-12:00, 14:00-17:00；留空则停止预约"))
    minutes = forms.IntegerField(label=gettext_lazy("每个时段分钟数"), initial=30)
    capacity = forms.IntegerField(label=gettext_lazy("每个时段可预约人数"), initial=4)


def _pattern_initial(category: ServiceCategory) -> dict:
    """The form's values from the stored pattern (the first weekday's periods)."""
    rows = list(SlotPattern.objects.filter(category=category).order_by("weekday", "start"))
    if not rows:
        return {"weekdays": ["0", "1", "2", "3", "4"], "periods": "09:00-12:00, 14:00-17:00", "minutes": 30,
                "capacity": 4}
    first = [r for r in rows if r.weekday == rows[0].weekday]
    periods, current = [], None
    for row in first:
        if current and current[1] == row.start:
            current[1] = row.end
        else:
            current = [row.start, row.end]
            periods.append(current)
    minutes = (datetime.combine(date.min, first[0].end) - datetime.combine(date.min, first[0].start)).seconds // 60
    return {"weekdays": sorted({str(r.weekday) for r in rows}),
            "periods": ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in periods),
            "minutes": minutes, "capacity": first[0].capacity}


def _managed_category(request, category_id) -> ServiceCategory:
    centers = _managed_centers(request.user)
    return get_object_or_404(ServiceCategory.objects.filter(center__in=centers).select_related("center"),
                             pk=category_id)


@login_required
def manage(request):
    """预约管理: each category's weekly pattern, and the day's bookings of one category."""
    centers = _managed_centers(request.user)
    categories = list(selectors.category_list_managed(user=request.user).filter(center__in=centers)
                      .select_related("center"))
    if not categories:
        return render(request, "hall/appointments_manage.html", {"categories": []})
    chosen = next((c for c in categories if str(c.pk) == request.GET.get("category")), categories[0])
    try:
        day = date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        day = clock.today()
    bookings = list(Appointment.objects.filter(category=chosen, day=day).select_related("slot", "applicant", "ticket")
                    .order_by("slot__start", "pk"))
    return render(request, "hall/appointments_manage.html", {
        "categories": categories, "category": chosen, "day": day,
        "form": PatternForm(initial=_pattern_initial(chosen)),
        "slots": appts.day_slots(chosen, day), "bookings": bookings,
        "open_day": appts.is_open_day(day),
    })


@login_required
@require_POST
def manage_pattern(request, category_id: int):
    category = _managed_category(request, category_id)
    form = PatternForm(request.POST)
    try:
        if not form.is_valid():
            field = next(iter(form.errors))
            raise DomainError(f"{form.fields[field].label}: {form.errors[field][0]}", field=field)
        data = form.cleaned_data
        rows = appts.pattern_rows(weekdays=data["weekdays"], periods=data["periods"], minutes=data["minutes"],
                                  capacity=data["capacity"]) if data["periods"].strip() else []
        count = appts.slot_pattern_set(actor=request.user, category=category, rows=rows)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("{category} 的预约时段已保存：每周 {count} 个时段。").format(
            category=category, count=count))
    return redirect(f"{reverse('hall_appointments_manage')}?category={category.pk}")
