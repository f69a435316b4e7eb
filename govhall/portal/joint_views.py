"""Joint approval on the portal (外网): the published themes (一件事), the
online combined application (一表制, each shared file uploaded once) and
the applicant's own joint cases with their stages and sub-cases, where an
item not granted is applied for again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from govhall.cases.models import Case
from govhall.core.errors import DomainError, NotPermitted
from govhall.joint import services as joint_services
from govhall.joint.forms import theme_form
from govhall.joint.models import SubCase, Theme, ThemeStatus
from govhall.joint.selectors import (
    joint_case_get,
    joint_case_list_visible,
    joint_sub_cases,
    theme_get_published,
)
from govhall.portal.forms import ApplyForm
from govhall.portal.views import _applicant
from govhall.web.joint_forms import CombinedAnswersForm
from govhall.web.joint_views import posted_id, reapplicable, reapply_answers


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
    combined = theme_form(joint_services.theme_versions(theme))
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None, initial={
        "applicant_name": user.full_name, "applicant_id_number": user.id_number, "applicant_phone": user.phone})
    answers = CombinedAnswersForm(request.POST if posted else None, request.FILES if posted else None,
                                  combined=combined, online=True)
    if request.method == "POST" and form.is_valid() and answers.is_valid():
        try:
            joint = joint_services.joint_submit(actor=user, theme=theme, **form.cleaned_data,
                                                form_data=answers.form_data(), files=answers.uploads(),
                                                **answers.delivery())
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
    sub-cases with their state and deadline, each linked to its own page;
    an item not granted may be applied for again here (补充申请), with
    changed answers to its own questions (docs/joint.md)."""
    from govhall.cases.deadlines import case_clock
    from govhall.core import clock

    user, redirect_response = _applicant(request)
    if redirect_response:
        return redirect_response
    joint = joint_case_get(user=user, number=number)
    if joint is None:
        raise Http404
    bound, status = None, 200
    if request.method == "POST":
        sub = (SubCase.objects.filter(joint_case=joint, pk=posted_id(request.POST.get("sub_case")))
               .select_related("stage_item__item__current", "case").first())
        if sub is None:
            raise Http404
        bound, status = reapply_answers(joint, sub, request.POST), 400
        if bound.is_valid():
            try:
                fresh = joint_services.joint_item_reapply(actor=user, joint_case=joint, sub_case=sub,
                                                          form_data=bound.form_data())
            except NotPermitted:
                raise PermissionDenied from None
            except DomainError as error:
                if not bound.place_error(error):  # applied for again meanwhile, or the joint case ended
                    messages.error(request, error.message)
                    return redirect("portal_my_joint_case", number=joint.number)
            else:
                messages.success(request, _("已重新申请“%(item)s”，新办件 %(number)s 已分送部门办理。")
                                 % {"item": fresh.case.item_version.name, "number": fresh.case.number})
                return redirect("portal_my_joint_case", number=joint.number)
    today = clock.today()
    listed = list(joint_sub_cases(user=user, joint=joint).select_related("case__item_version"))
    subs: dict[int, list] = {}
    for sub in listed:
        subs.setdefault(sub.joint_stage_id, []).append((sub, case_clock(sub.case, today=today)))
    own = set(Case.objects.filter(applicant=user, joint_link__joint_case=joint).values_list("pk", flat=True))
    reapply = [(sub, bound if bound is not None and bound.prefix == f"sub{sub.pk}" else reapply_answers(joint, sub))
               for sub in reapplicable(joint, listed)]
    return render(request, "portal/my_joint_case.html", {
        "joint": joint, "own": own, "reapply": reapply,
        "stages": [(s, subs.get(s.pk, [])) for s in joint.stages.select_related("stage__lead_department")],
    }, status=status)


def joint_progress(*, number: str, query_code: str) -> dict | None:
    """The public progress of a joint case by its number and query code
    (办件进度查询, ``portal_progress``): the whole's state, deadline and
    light; each stage with its state and its sub-cases' items and states;
    once delivered (or ended), the day and the decisions served with their
    verification links. No personal data beyond the applicant's name, as a
    case's progress shows it. None: no such joint case (the caller answers
    as for a wrong case number)."""
    from govhall.cases.models import Notice, NoticeKind
    from govhall.joint.models import JointState
    from govhall.joint.selectors import joint_case_get_public

    joint = joint_case_get_public(number=number, query_code=query_code)
    if joint is None:
        return None
    subs: dict[int, list] = {}
    for sub in (SubCase.objects.filter(joint_case=joint)
                .select_related("case__item_version", "case__department").order_by("stage_item__order", "pk")):
        subs.setdefault(sub.joint_stage_id, []).append(sub)
    finished = joint.state in (JointState.DELIVERED, JointState.ENDED)
    decisions = (Notice.objects.filter(case__joint_link__joint_case=joint,
                                       kind__in=(NoticeKind.APPROVAL, NoticeKind.DENIAL))
                 .select_related("case__item_version").order_by("issued_at", "pk") if finished else [])
    return {"joint": joint, "finished": finished, "decisions": decisions,
            "stages": [(s, subs.get(s.pk, [])) for s in joint.stages.select_related("stage__lead_department")]}
