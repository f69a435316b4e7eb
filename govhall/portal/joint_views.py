"""Joint approval on the portal (外网): the published themes (一件事), the
online combined application (一表制, each shared file uploaded once) and
the applicant's own joint cases with their stages and sub-cases."""

from django.http import Http404
from django.shortcuts import redirect, render

from govhall.cases.models import Case
from govhall.core.errors import DomainError
from govhall.joint import services as joint_services
from govhall.joint.forms import theme_form
from govhall.joint.models import Theme, ThemeStatus
from govhall.joint.selectors import (
    joint_case_get,
    joint_case_list_visible,
    joint_sub_cases,
    theme_get_published,
)
from govhall.portal.forms import ApplyForm
from govhall.portal.views import _applicant
from govhall.web.joint_forms import CombinedAnswersForm


def portal_joint_themes(request):
    """The published themes, each with its stages and items."""
    themes = (Theme.objects.filter(status=ThemeStatus.PUBLISHED).select_related("center")
              .prefetch_related("stages__items__item__current", "stages__lead_department").order_by("name"))
    return render(request, "portal/joint_themes.html", {"themes": themes})


def portal_joint_apply(request, code: str):
    """Apply online for a published theme: the combined form, each shared file once."""
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    theme = theme_get_published(code=code)
    if theme is None:
        raise Http404
    combined = theme_form(joint_services._theme_versions(theme))
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None, initial={
        "applicant_name": user.full_name, "applicant_id_number": user.id_number, "applicant_phone": user.phone})
    answers = CombinedAnswersForm(request.POST if posted else None, request.FILES if posted else None,
                                  combined=combined, online=True)
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        try:
            joint = joint_services.joint_submit(actor=user, theme=theme, **form.cleaned_data,
                                                form_data=answers.form_data(), files=answers.uploads())
        except DomainError as error:
            if not answers.place_error(error):
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("portal_my_joint_case", number=joint.number)
    return render(request, "portal/joint_apply.html", {"theme": theme, "form": form, "answers": answers},
                  status=400 if form.errors or answers.errors else 200)


def portal_my_joint_cases(request):
    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    return render(request, "portal/my_joint_cases.html", {"joints": joint_case_list_visible(user=user)})


def portal_my_joint_case(request, number: str):
    """The applicant's own joint case: its stages and, in each, the
    sub-cases with their state and deadline, each linked to its own page."""
    from govhall.cases.deadlines import case_clock
    from govhall.core import clock

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    joint = joint_case_get(user=user, number=number)
    if joint is None:
        raise Http404
    today = clock.today()
    subs: dict[int, list] = {}
    for sub in joint_sub_cases(user=user, joint=joint).select_related("case__item_version"):
        subs.setdefault(sub.joint_stage_id, []).append((sub, case_clock(sub.case, today=today)))
    own = set(Case.objects.filter(applicant=user, joint_link__joint_case=joint).values_list("pk", flat=True))
    return render(request, "portal/my_joint_case.html", {
        "joint": joint, "own": own,
        "stages": [(s, subs.get(s.pk, [])) for s in joint.stages.select_related("stage__lead_department")],
    })
