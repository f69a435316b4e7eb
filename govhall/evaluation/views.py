"""Pages of evaluation (好差评): the applicant's rating on the portal, the
public page of the SMS link, the window evaluation pad, and the staff pages
of the follow-ups of bad ratings. Views parse input and call the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govhall.cases.models import Case
from govhall.cases.selectors import case_get_for_staff, case_list_for_applicant
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import Conflict, DomainError
from govhall.evaluation import services
from govhall.evaluation.forms import STEP_FORMS, RatingForm
from govhall.evaluation.links import LinkExpired, LinkInvalid, rating_token_case
from govhall.evaluation.models import FollowUpState, Level, RatingChannel
from govhall.evaluation.selectors import (
    followup_get_for_staff, followup_list_for_staff, rating_get_for_case, rating_list_pending_at_window,
)
from govhall.hotline.selectors import order_get_visible
from govhall.org.roles import STAFF_ROLES


def _form_error(form) -> str:
    """The first error of a form, with the field's label, for a message."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return _("输入有误。")


# --- the applicant on the portal --------------------------------------------------

@require_POST
def rating_my_case(request, number: str):
    """The rating form of the portal's "my case" page."""
    if not request.user.is_authenticated:  # back to the case page, not to this POST-only address
        return redirect_to_login(reverse("portal_my_case", args=[number]))
    if not request.user.is_applicant:
        raise PermissionDenied(_("只有办件的申请人本人才能评价。"))
    case = case_list_for_applicant(user=request.user).filter(number=number).first()
    if case is None:
        raise Http404
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
    else:
        try:
            services.rating_submit(actor=request.user, case=case, channel=RatingChannel.PORTAL,
                                   client_address=client_address(request), **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("感谢您的评价！"))
    return redirect("portal_my_case", number=case.number)


# --- the SMS link (no login) ---------------------------------------------------------

def rating_link(request, token: str):
    """The public page the SMS link opens: the case named by the signed
    token, and the five levels. An expired link is 410, a forged one 400."""
    try:
        case = rating_token_case(token)
    except (LinkExpired, LinkInvalid) as error:
        return render(request, "evaluation/link_error.html", {"message": error.message, "expired": error.status == 410},
                      status=error.status)
    rating = rating_get_for_case(case)
    form = RatingForm(request.POST or None)
    status, just_rated = 200, False
    if request.method == "POST":
        if rating is not None:
            status = 409  # rated already: the page shows that rating
        elif form.is_valid():
            try:
                rating = services.rating_submit_by_link(token=token, client_address=client_address(request),
                                                        **form.cleaned_data)
            except Conflict:
                rating, status = rating_get_for_case(case), 409
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                just_rated = True
        if form.errors and rating is None:
            status = 400
    return render(request, "evaluation/link.html", {
        "case": case, "rating": rating, "form": form, "levels": Level.choices,
        "rateable": case.state in services.RATEABLE_STATES, "just_rated": just_rated,
    }, status=status)


# --- the window evaluation pad ----------------------------------------------------

def _staff(request):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    return request.user


@login_required
def window_rate_pick(request):
    """The pad's waiting screen: the cases just delivered at this window,
    refreshed every few seconds, for the clerk to pick the one served."""
    user = _staff(request)
    context = {"cases": rating_list_pending_at_window(clerk=user) if user.window_id else [], "window": user.window}
    # The list alone for its own refresh; the whole page otherwise.
    partial = request.htmx and request.htmx.target == "pending-cases"
    template = "evaluation/_window_pending.html" if partial else "evaluation/window_pick.html"
    return render(request, template, context)


@login_required
def window_rate(request, case_id: int):
    """The pad for one case: five big buttons for the applicant to tap."""
    user = _staff(request)
    if not user.window_id:
        raise PermissionDenied
    case = (Case.objects.filter(services.window_scope_q(user), pk=case_id)
            .select_related("item_version", "department").first())
    if case is None:
        raise Http404
    rating = rating_get_for_case(case)
    form = RatingForm(request.POST or None)
    status = 200
    if request.method == "POST" and rating is None:
        if form.is_valid():
            try:
                rating = services.rating_submit_at_window(actor=user, case=case, client_address=client_address(request),
                                                          **form.cleaned_data)
            except DomainError as error:
                status = getattr(error, "status", 400)
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return render(request, "evaluation/window_thanks.html", {"case": case, "rating": rating})
        if form.errors and status == 200:
            status = 400
    return render(request, "evaluation/window_rate.html", {
        "case": case, "rating": rating, "form": form, "levels": Level.choices,
        "rateable": case.state in services.RATEABLE_STATES,
    }, status=status)


# --- follow-ups of bad ratings (staff) ---------------------------------------------

def _followup(request, followup_id: int):
    followup = followup_get_for_staff(user=_staff(request), followup_id=followup_id)
    if followup is None:
        raise Http404
    return followup


@login_required
def followup_list(request):
    user = _staff(request)
    state = request.GET.get("state", "")
    if state not in FollowUpState.values:
        state = ""
    page = Paginator(followup_list_for_staff(user=user, state=state), 50).get_page(request.GET.get("page"))
    return render(request, "evaluation/followup_list.html", {
        "page": page, "state": state, "states": FollowUpState.choices, "today": clock.today(),
    })


def _followup_page(request, followup, *, form=None, status=200):
    steps = services.followup_actions_for(request.user, followup)
    step = steps[0] if steps else None
    if step and form is None:
        form = STEP_FORMS[step](prefix=step)
    return render(request, "evaluation/followup_detail.html", {
        "followup": followup, "rating": followup.rating, "case": followup.rating.case,
        "order": followup.rating.work_order, "today": clock.today(),
        "can_open_case": (followup.rating.case_id is not None
                          and case_get_for_staff(user=request.user, case_id=followup.rating.case_id) is not None),
        "can_open_order": (followup.rating.work_order_id is not None
                           and order_get_visible(user=request.user, number=followup.rating.work_order.number)
                           is not None),
        "step": step, "step_label": services.STEP_LABELS.get(step, ""), "form": form,
    }, status=status)


@login_required
def followup_detail(request, followup_id: int):
    return _followup_page(request, _followup(request, followup_id))


@login_required
@require_POST
def followup_act(request, followup_id: int, step: str):
    followup = _followup(request, followup_id)
    if step not in STEP_FORMS:
        raise Http404
    _source, _target, allowed = services.STEPS[step]
    if not allowed(request.user, followup):
        raise PermissionDenied
    form = STEP_FORMS[step](request.POST, prefix=step)
    if not form.is_valid():
        return _followup_page(request, followup, form=form, status=400)
    calls = {
        "verify": lambda data: services.followup_verify(actor=request.user, followup=followup, **data),
        "correct": lambda data: services.followup_correct(actor=request.user, followup=followup, **data),
        "callback": lambda data: services.followup_callback(actor=request.user, followup=followup, **data),
        "close": lambda data: services.followup_close(actor=request.user, followup=followup, **data),
    }
    try:
        calls[step](form.cleaned_data)
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _followup_page(request, followup, form=form, status=400)
        messages.error(request, error.message)
    else:
        messages.success(request, _("已%(step)s。") % {"step": services.STEP_LABELS[step]})
    return redirect("followup_detail", followup_id=followup.pk)
