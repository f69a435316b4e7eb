"""Green channel (绿色通道) and joint pre-review (联合预审) of a case or a
joint case: one page each, its forms posted back to it (docs/joint.md)."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.policy import green_channel_refusal
from govhall.cases.selectors import case_get_for_staff
from govhall.core import clock
from govhall.core.errors import DomainError, NotFound, NotPermitted
from govhall.joint import green, tracking
from govhall.joint.models import (
    JointCase,
    PreReview,
    PreReviewOpinion,
    PreReviewVerdict,
)
from govhall.joint.selectors import joint_case_get
from govhall.org.models import Department
from govhall.org.roles import STAFF_ROLES


class FlagForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OpenForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(label=gettext_lazy("参加预审的部门"), queryset=Department.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=gettext_lazy("预审说明"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        root = center.path.split(".")[0] + "."
        self.fields["departments"].queryset = Department.objects.filter(center__path__startswith=root).order_by("code")


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(label=gettext_lazy("预审意见"), choices=PreReviewVerdict.choices,
                                widget=forms.RadioSelect)
    text = forms.CharField(label=gettext_lazy("意见内容"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _staff(request):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied
    return request.user


def _target(request, *, case_id=None, number=None):
    user = _staff(request)
    if case_id is not None:
        target = case_get_for_staff(user=user, case_id=case_id)
    else:
        target = joint_case_get(user=user, number=number)
    if target is None and user.department_id:
        # A department asked for its pre-review opinion sees the project's page.
        invited = {"pre_reviews__opinions__department": user.department_id}
        if case_id is not None:
            target = Case.objects.filter(pk=case_id, **invited).select_related("center").first()
        else:
            target = JointCase.objects.filter(number=number, **invited).select_related("center").first()
    if target is None:
        raise Http404
    return target


@login_required
def green_case(request, case_id: int):
    return _page(request, _target(request, case_id=case_id), is_case=True)


@login_required
def green_joint(request, number: str):
    return _page(request, _target(request, number=number), is_case=False)


def _reviews(target, is_case: bool):
    reviews = PreReview.objects.filter(**{"case" if is_case else "joint_case": target}).select_related("opened_by")
    return list(reviews.prefetch_related("opinions__department", "opinions__given_by"))


def _page(request, target, *, is_case: bool):
    user = request.user
    manages = green_channel_refusal(user, target.center) is None
    flag = open_form = None
    bound_opinion = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("flag", "unflag"):
                if not manages:
                    raise PermissionDenied
                flag = FlagForm(request.POST)
                if flag.is_valid():
                    reason, on = flag.cleaned_data["reason"], action == "flag"
                    if is_case:
                        cases.case_green_channel_set(actor=user, case=target, green=on, reason=reason)
                    else:
                        green.joint_green_channel_set(actor=user, joint_case=target, green=on, reason=reason)
                    messages.success(request, _("已设为绿色通道。") if on else _("已取消绿色通道。"))
                    return redirect(request.path)
            elif action == "open":
                if not manages:
                    raise PermissionDenied
                open_form = OpenForm(request.POST, center=target.center)
                if open_form.is_valid():
                    green.pre_review_open(actor=user, **{"case" if is_case else "joint_case": target},
                                          **open_form.cleaned_data)
                    messages.success(request, _("已发起联合预审。"))
                    return redirect(request.path)
            elif action == "opinion":
                opinion = (PreReviewOpinion.objects.filter(
                    pk=_posted_id(request.POST.get("opinion")),
                    **{"pre_review__case" if is_case else "pre_review__joint_case": target})
                    .select_related("pre_review", "department").first())
                if opinion is None:
                    raise Http404
                bound_opinion = (opinion.pk, OpinionForm(request.POST, prefix=f"op{opinion.pk}"))
                if bound_opinion[1].is_valid():
                    green.pre_review_opinion_give(actor=user, opinion=opinion, **bound_opinion[1].cleaned_data)
                    messages.success(request, _("预审意见已提出。"))
                    return redirect(request.path)
            else:
                raise Http404
        except NotPermitted:
            raise PermissionDenied from None
        except DomainError as error:
            form = flag or open_form or (bound_opinion[1] if bound_opinion else None)
            if form is not None and error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
    today = clock.today()
    reviews = []
    for review in _reviews(target, is_case):
        rows = []
        for opinion in review.opinions.all():
            form = None
            if not opinion.given_at and user.department_id == opinion.department_id and user.role in green.OPINION_ROLES:
                form = bound_opinion[1] if bound_opinion and bound_opinion[0] == opinion.pk \
                    else OpinionForm(prefix=f"op{opinion.pk}")
            rows.append((opinion, opinion.late_on(today), form))
        reviews.append((review, rows))
    errors = any(f is not None and f.errors for f in (flag, open_form, bound_opinion[1] if bound_opinion else None))
    return render(request, "web/green_detail.html", {
        "target": target, "is_case": is_case, "manages": manages,
        "flag": flag or FlagForm(),
        "open_form": (open_form or OpenForm(center=target.center)) if manages and target.green_channel else None,
        "reviews": reviews,
    }, status=400 if errors else 200)


def _posted_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- the project tracking card (审批跟踪卡) ----------------------------------------------

@login_required
def track_search(request):
    """The workbench's search box for a card number (typed, or read by a scanner)."""
    _staff(request)
    number = request.GET.get("number", "").strip()
    if number:
        return redirect("track_card", number=number)
    return render(request, "web/track_search.html", {})


@login_required
def track_card(request, number: str):
    """A card scanned (or its number entered): the project opens and the contact is recorded."""
    user = _staff(request)
    try:
        target, _contact = tracking.card_scan(actor=user, number=number)
    except NotFound:
        return render(request, "web/track_search.html", {"number": number, "missing": True}, status=404)
    url = tracking.card_url(target.number)
    is_case = isinstance(target, Case)
    contacts = (target.contacts.select_related("user", "department", "window").order_by("-at", "-pk")[:50])
    return render(request, "web/track_card.html", {
        "target": target, "is_case": is_case, "url": url,
        "qr": mark_safe(segno.make_qr(url, error="m").svg_inline(scale=4)),
        "holdings": tracking.holding_times(target, today=clock.today()), "contacts": contacts,
    })


@login_required
def track_card_pdf(request, number: str):
    """The printable card (no contact: printing is not a scan)."""
    from django.http import HttpResponse

    from govhall.joint.card_pdf import card_pdf

    try:
        target = tracking.card_target(user=_staff(request), number=number)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(card_pdf(target), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-{target.number}.pdf"'
    return response
