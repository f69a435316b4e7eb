"""The hotline's workbench screens (DESIGN 3.12): the operator's intake
page with the repeat-caller history, the order lists of the hotline and of
a member unit, and the order page with its actions and events. Views parse
input and call the services; who sees what is the selectors' business."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import DomainError
from govhall.hotline import services
from govhall.hotline.bulletin import orders_filter
from govhall.hotline.forms import (
    CloseForm,
    DispatchForm,
    ExtensionAskForm,
    IntakeForm,
    ReopenForm,
)
from govhall.hotline.knowledge import EXPIRY_WARNING_DAYS, knowledge_expiring
from govhall.hotline.knowledge_search import knowledge_source
from govhall.hotline.models import AT_UNIT, OrderChannel, OrderState, OrderType
from govhall.hotline.policy import ACT_LABELS, OPERATORS, Act, order_actions_for
from govhall.hotline.selectors import (
    OFFICE_WORK,
    caller_history,
    categories_active,
    escalations_to,
    office_work_counts,
    office_work_orders,
    order_assignments,
    order_attachments,
    order_children,
    order_escalations,
    order_events,
    order_get_visible,
    order_list_visible,
    unit_assignment,
    unit_ids_for,
    units_for_dispatch,
)
from govhall.org.roles import CENTER_ROLES, GLOBAL_ROLES, STAFF_ROLES, Role

# Who reads the hotline's list: its staff, center managers, supervisors, administrators.
LIST_ROLES = CENTER_ROLES | GLOBAL_ROLES


def _operator(request):
    if request.user.role not in OPERATORS or request.user.center_id is None:
        raise PermissionDenied
    return request.user


def _intake_form(user, data=None, initial=None):
    return IntakeForm(data, initial=initial, units=units_for_dispatch(center=user.center),
                      categories=categories_active(), center=user.center)


@login_required
def intake(request):
    """The operator's screen during a call: caller, history, the matter, and
    register, dispatch or answer at once."""
    user = _operator(request)
    # The telephony system opens the page with the caller's number: ?caller_phone=…
    form = _intake_form(user, request.POST or None, initial={"caller_phone": request.GET.get("caller_phone", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        step = request.POST.get("step", "register")
        try:
            if step == "dispatch" and data["main_unit"] is None:
                raise DomainError(_("派单须选择主办单位。"), field="main_unit")
            if step == "close_direct" and not data["answer"].strip():
                raise DomainError(_("直接办结须填写答复内容。"), field="answer")
            with transaction.atomic():  # registered and dispatched (or answered), or nothing
                order = services.workorder_create(
                    actor=user, type=data["type"], channel=OrderChannel.PHONE, content=data["content"],
                    caller_phone=data["caller_phone"], caller_name=data["caller_name"],
                    anonymous=data["anonymous"], category=data["category"], address=data["address"],
                    town=data["town"], latitude=data["latitude"], longitude=data["longitude"],
                    urgency=data["urgency"], related_case_number=data["related_case_number"],
                    client_address=client_address(request))
                files = _uploads(request, "attachments")
                if files:
                    services.workorder_attach(actor=user, order=order, files=files,
                                              client_address=client_address(request))
                if step == "dispatch":
                    services.workorder_dispatch(actor=user, order=order, main_unit=data["main_unit"],
                                                co_units=data["co_units"], client_address=client_address(request))
                elif step == "close_direct":
                    entry, guide = knowledge_source(data["knowledge"])
                    services.workorder_close_direct(actor=user, order=order, answer=data["answer"],
                                                    knowledge=entry, guide=guide,
                                                    client_address=client_address(request))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("工单 %(number)s 已%(what)s。") % {
                "number": order.number, "what": {"dispatch": _("派单"), "close_direct": _("直接办结")}.get(
                    step, _("登记"))})
            return redirect("hotline_order", number=order.number)
    if form.errors:
        status = 400
    phone = (request.POST.get("caller_phone") or request.GET.get("caller_phone") or "").strip()
    history = caller_history(user=user, phone=phone, at=clock.now()) if phone else []
    return render(request, "hotline/intake.html", {"form": form, "history": history, "phone": phone},
                  status=status)


@login_required
def history(request):
    """The repeat-caller history for the number typed (htmx, as the operator types)."""
    user = _operator(request)
    phone = request.GET.get("caller_phone", "").strip()
    return render(request, "hotline/_history.html", {
        "history": caller_history(user=user, phone=phone, at=clock.now()) if phone else [], "phone": phone})


@login_required
def order_list(request):
    """The hotline's orders, by state, type and overdue, and the office's
    tabs by work type with their counts."""
    user = request.user
    if user.role not in LIST_ROLES and not user.is_superuser:
        raise PermissionDenied
    state = request.GET.get("state", "")
    state = state if state in OrderState.values else ""
    kind = request.GET.get("type", "")
    kind = kind if kind in OrderType.values else ""
    overdue = request.GET.get("overdue") == "1"
    now = clock.now()
    orders = order_list_visible(user=user, state=state, type=kind, overdue_at=now if overdue else None)
    # The office's list by work type (a tab), by time limit.
    work = request.GET.get("work", "")
    work = work if work in OFFICE_WORK else ""
    if work:
        orders = office_work_orders(orders, work, at=now)
    counts = office_work_counts(user=user, at=now)
    # The operation bulletin's links: its figures' orders (hotline/bulletin.py).
    orders, bulletin = orders_filter(orders, request.GET)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "hotline/list.html", {
        "page": page, "state": state, "type": kind, "overdue": overdue, "now": now,
        "states": OrderState.choices, "types": OrderType.choices, "is_operator": user.role in OPERATORS,
        "expiring": knowledge_expiring(user=user, at=now), "warning_days": EXPIRY_WARNING_DAYS,
        "bulletin": bulletin, "work": work,
        "tabs": [(key, label, counts[key]) for key, label in OFFICE_WORK.items()],
        "query": urlencode({**bulletin, **{k: v for k, v in (("state", state), ("type", kind),
                                                             ("overdue", "1" if overdue else ""), ("work", work))
                                           if v}}) + "&",
    })


@login_required
def unit_list(request):
    """A member unit's work list: the orders its unit holds now."""
    user = request.user
    if user.role != Role.MEMBER_UNIT_HANDLER:
        raise PermissionDenied
    now, show_all = clock.now(), request.GET.get("all") == "1"
    if show_all:  # every order ever dispatched to the unit, newest first
        orders = order_list_visible(user=user)
    else:  # what the unit holds now, by time limit
        orders = order_list_visible(user=user, unit_active=True).filter(state__in=sorted(AT_UNIT)).order_by(
            "due_at", "pk")
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "hotline/unit_list.html", {"page": page, "now": now, "show_all": show_all,
                                                      "escalations": escalations_to(user=user),
                                                      "expiring": knowledge_expiring(user=user, at=now),
                                                      "warning_days": EXPIRY_WARNING_DAYS,
                                                      "query": "all=1&" if show_all else ""})


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def _uploads(request, name: str) -> list[tuple[str, bytes]]:
    """The files posted under ``name``, as the attachment services take them."""
    return services.files_read(request.FILES.getlist(name))


def _visible(request, number: str):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied  # a workbench page, as the cases' (applicants: 403)
    order = order_get_visible(user=request.user, number=number)
    if order is None:
        raise Http404
    return order


@login_required
def order_detail(request, number: str, *, forms=None, status=200):
    order = _visible(request, number)
    assignment = unit_assignment(user=request.user, order=order)
    actions = order_actions_for(request.user, order, assignment=assignment)
    forms = forms or {}
    context = {
        "order": order, "assignment": assignment, "assignments": order_assignments(order),
        "children": order_children(order), "escalations": order_escalations(order),
        "attachments": order_attachments(order),
        # The acts of the 办理 section (files and urging notes have their own sections).
        "handling": [act for act in actions if act not in {Act.ATTACH, Act.ESCALATION_NOTE}],
        "superior_of": set(unit_ids_for(request.user)),
        "events": order_events(order), "actions": actions, "labels": ACT_LABELS, "now": clock.now(),
        "dispatch_form": forms.get(Act.DISPATCH) or DispatchForm(units=units_for_dispatch(center=order.center)),
        "extension_form": forms.get(Act.EXTENSION_ASK) or ExtensionAskForm(),
        "close_form": forms.get(Act.CLOSE) or CloseForm(), "reopen_form": forms.get(Act.REOPEN) or ReopenForm(),
        "errors": forms.get("errors", []),
    }
    return render(request, "hotline/detail.html", context, status=status)


def _act(act, request, order):
    """Parse the act's form and call its service; returns the bound form (None: no form)."""
    user, address = request.user, client_address(request)
    if act == Act.DISPATCH:
        form = DispatchForm(request.POST, units=units_for_dispatch(center=order.center))
        if form.is_valid():
            services.workorder_dispatch(actor=user, order=order, main_unit=form.cleaned_data["main_unit"],
                                        co_units=form.cleaned_data["co_units"], client_address=address)
        return form
    if act == Act.EXTENSION_ASK:
        form = ExtensionAskForm(request.POST)
        if form.is_valid():
            services.workorder_extension_ask(actor=user, order=order, days=form.cleaned_data["days"],
                                             reason=form.cleaned_data["reason"], client_address=address)
        return form
    if act == Act.CLOSE:
        form = CloseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.workorder_close(actor=user, order=order, solved=data["solved"], rating=data["rating"],
                                     note=data["note"], client_address=address)
        return form
    if act == Act.REOPEN:
        form = ReopenForm(request.POST)
        if form.is_valid():
            services.workorder_reopen(actor=user, order=order, reason=form.cleaned_data["reason"],
                                      rating=form.cleaned_data["rating"], client_address=address)
        return form
    if act == Act.MERGE:
        number = request.POST.get("parent", "").strip()
        parent = order_get_visible(user=user, number=number) if number else None
        services.workorder_merge(actor=user, order=order, parent=parent, reason=request.POST.get("reason", ""),
                                 client_address=address)
        return None
    if act == Act.ATTACH:
        services.workorder_attach(actor=user, order=order, files=_uploads(request, "file"), client_address=address)
        return None
    if act == Act.ESCALATION_NOTE:
        escalation = order.escalations.filter(pk=_int(request.POST.get("escalation"))).first()
        if escalation is None:
            raise Http404
        services.workorder_escalation_note(actor=user, escalation=escalation, note=request.POST.get("note", ""),
                                           client_address=address)
        return None
    if act == Act.CLOSE_DIRECT:
        # As on the intake page: the answer, and the knowledge entry or service guide it was taken from.
        entry, guide = knowledge_source(request.POST.get("knowledge", ""))
        services.workorder_close_direct(actor=user, order=order, answer=request.POST.get("answer", ""),
                                        knowledge=entry, guide=guide, client_address=address)
        return None
    if act == Act.SIGN:
        services.workorder_sign(actor=user, order=order, client_address=address)
    elif act == Act.EXTENSION_DECIDE:
        services.workorder_extension_decide(actor=user, order=order, approve=request.POST.get("approve") == "1",
                                            client_address=address)
    else:
        text = request.POST.get("text", "")
        call = {Act.REPLY: lambda: services.workorder_reply(actor=user, order=order, reply=text, client_address=address),
                Act.RETURN: lambda: services.workorder_return(actor=user, order=order, reason=text,
                                                              client_address=address)}.get(act)
        if call is None:
            raise Http404
        call()
    return None


@login_required
def order_file(request, number: str, file_id: int):
    """An attachment of an order, for whoever may see the order (others:
    403 for non-staff, 404 otherwise), served as case materials are."""
    from govhall.cases.files import material_response

    order = _visible(request, number)
    record = order.attachments.filter(pk=file_id).first() if file_id < 2**63 else None
    if record is None:
        raise Http404
    return material_response(record, download=request.GET.get("download") == "1")


@login_required
@require_POST
def order_act(request, number: str, act: str):
    order = _visible(request, number)
    try:
        form = _act(act, request, order)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        return order_detail(request, number, forms={"errors": [error.message]}, status=error.status)
    if form is not None and not form.is_valid():
        return order_detail(request, number, forms={act: form}, status=400)
    messages.success(request, _("已%(act)s。") % {"act": ACT_LABELS[act]})
    return redirect("hotline_order", number=order.number)
