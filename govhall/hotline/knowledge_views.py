"""The knowledge base's screens (知识库): the suggestions on the intake page
while the operator types the caller's words, the list with the expiry
warnings, an entry with its versions and actions, and the edit form.
Views parse input and call ``hotline.knowledge``'s services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import DomainError
from govhall.hotline import knowledge as kb
from govhall.hotline.knowledge_search import knowledge_source, knowledge_suggest
from govhall.hotline.models import KnowledgeState, MemberUnit
from govhall.hotline.policy import OPERATORS
from govhall.hotline.selectors import unit_ids_for, units_for_dispatch
from govhall.org.roles import STAFF_ROLES, Role


class KnowledgeForm(forms.Form):
    source_unit = forms.ModelChoiceField(label=gettext_lazy("来源单位"), queryset=MemberUnit.objects.none())
    question = forms.CharField(label=gettext_lazy("问题"), max_length=200)
    answer = forms.CharField(label=gettext_lazy("答复口径"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    keywords = forms.CharField(label=gettext_lazy("关键词"), max_length=200, required=False,
                               help_text=gettext_lazy("以空格或顿号分隔，如：停水 供水"))
    valid_from = forms.DateField(label=gettext_lazy("有效期起"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=gettext_lazy("有效期止"), required=False,
                                  help_text=gettext_lazy("留空表示长期有效"), widget=forms.DateInput(attrs={"type": "date"}))
    change_note = forms.CharField(label=gettext_lazy("修改说明"), max_length=300, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_unit"].queryset = units


def _reader(request):
    if not kb.knowledge_may_read(request.user):
        raise PermissionDenied
    return request.user


def _units_for(user):
    """The source units ``user`` may write for: a hotline's active units, or a handler's own."""
    if user.role == Role.MEMBER_UNIT_HANDLER:
        return MemberUnit.objects.filter(pk__in=unit_ids_for(user), active=True)
    if user.role in OPERATORS and user.center_id:
        return units_for_dispatch(center=user.center)
    return MemberUnit.objects.none()


# --- on the intake page -----------------------------------------------------------

@login_required
def suggest(request):
    """The knowledge that best answers what the operator has typed (htmx)."""
    user = _reader(request)
    text = request.GET.get("content", "")[:1000]
    return render(request, "hotline/_knowledge_suggest.html", {
        "suggestions": knowledge_suggest(user=user, text=text, at=clock.now()), "text": text.strip()})


@login_required
def pick(request):
    """The direct answer filled from the suggestion chosen (htmx)."""
    user = _reader(request)
    try:
        entry, guide = knowledge_source(request.GET.get("key", ""))
    except DomainError:
        raise Http404 from None
    if entry is not None and kb.knowledge_get_visible(user=user, pk=entry.entry_id) is None:
        raise Http404
    if entry is not None:
        answer, label = entry.answer, f"{entry.question}（K{entry.entry_id} v{entry.number}）"
    elif guide is not None:
        from govhall.hotline.knowledge_search import guide_answer

        answer, label = guide_answer(guide), _("办事指南：%(name)s") % {"name": guide.name}
    else:
        answer, label = "", ""
    return render(request, "hotline/_direct_answer.html", {
        "answer": answer, "key": request.GET.get("key", "") if label else "", "label": label})


# --- the knowledge base -----------------------------------------------------------

@login_required
def knowledge_list(request):
    user = _reader(request)
    state = request.GET.get("state", "")
    state = state if state in KnowledgeState.values else ""
    versions = kb.knowledge_list_visible(user=user, state=state)
    page = Paginator(versions, 50).get_page(request.GET.get("page"))
    return render(request, "hotline/knowledge_list.html", {
        "page": page, "state": state, "states": KnowledgeState.choices, "now": clock.now(),
        "expiring": kb.knowledge_expiring(user=user, at=clock.now()), "warning_days": kb.EXPIRY_WARNING_DAYS,
        "may_create": _units_for(user).exists(), "query": f"state={state}&" if state else ""})


@login_required
def knowledge_new(request):
    user = _reader(request)
    units = _units_for(user)
    if not units.exists():
        raise PermissionDenied
    form = KnowledgeForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = kb.knowledge_create(
                actor=user, source_unit=data["source_unit"], question=data["question"], answer=data["answer"],
                keywords=data["keywords"], valid_from=data["valid_from"], valid_until=data["valid_until"],
                client_address=client_address(request))
        except DomainError as error:
            if error.status == 403:
                raise PermissionDenied from error
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("知识条目已保存为草稿。"))
            return redirect("hotline_knowledge", pk=version.entry_id)
    return render(request, "hotline/knowledge_edit.html", {"form": form, "entry": None},
                  status=400 if form.errors else 200)


def _entry(request, pk: int):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied  # a workbench page, as an order's (applicants: 403)
    entry = kb.knowledge_get_visible(user=request.user, pk=pk)
    if entry is None:
        raise Http404  # outside the person's scope: not revealed
    return entry


def _latest(entry):
    return entry.versions.order_by("-number").first()


@login_required
def knowledge_detail(request, pk: int, *, errors=None, status=200):
    entry = _entry(request, pk)
    latest = _latest(entry)
    return render(request, "hotline/knowledge_detail.html", {
        "entry": entry, "latest": latest, "versions": kb.entry_versions(entry),
        "actions": kb.knowledge_actions_for(request.user, entry, latest), "labels": kb.KACT_LABELS,
        "current_actions": (kb.knowledge_actions_for(request.user, entry, entry.current)
                            if entry.current and entry.current != latest else []),
        "errors": errors or [], "today": clock.to_local_date(clock.now())}, status=status)


@login_required
def knowledge_edit(request, pk: int):
    """Edit the draft, or start the next version from the latest one."""
    entry = _entry(request, pk)
    latest = _latest(entry)
    if request.method != "POST" and kb.KAct.EDIT not in kb.knowledge_actions_for(request.user, entry, latest):
        raise PermissionDenied  # a POST is refused by the service, naming why
    initial = {"source_unit": entry.source_unit, "question": latest.question, "answer": latest.answer,
               "keywords": latest.keywords, "valid_from": latest.valid_from, "valid_until": latest.valid_until}
    form = KnowledgeForm(request.POST or None, initial=initial,
                         units=MemberUnit.objects.filter(pk=entry.source_unit_id))
    form.fields["source_unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kb.knowledge_edit(actor=request.user, version=latest, question=data["question"], answer=data["answer"],
                              keywords=data["keywords"], valid_from=data["valid_from"],
                              valid_until=data["valid_until"], change_note=data["change_note"],
                              client_address=client_address(request))
        except DomainError as error:
            if error.status == 403:
                raise PermissionDenied from error
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("已保存为草稿，提交来源单位审核后发布。"))
            return redirect("hotline_knowledge", pk=entry.pk)
    return render(request, "hotline/knowledge_edit.html", {"form": form, "entry": entry, "latest": latest},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def knowledge_act(request, pk: int, act: str):
    entry = _entry(request, pk)
    version = entry.versions.filter(pk=request.POST.get("version", "")).first() if request.POST.get(
        "version", "").isdigit() else None
    if version is None:
        raise Http404
    user, address = request.user, client_address(request)
    calls = {
        kb.KAct.SUBMIT: lambda: kb.knowledge_submit(actor=user, version=version, client_address=address),
        kb.KAct.REVIEW: lambda: kb.knowledge_review(actor=user, version=version,
                                                    approve=request.POST.get("approve") == "1",
                                                    note=request.POST.get("note", ""), client_address=address),
        kb.KAct.PUBLISH: lambda: kb.knowledge_publish(actor=user, version=version, client_address=address),
        kb.KAct.WITHDRAW: lambda: kb.knowledge_withdraw(actor=user, version=version,
                                                        reason=request.POST.get("note", ""), client_address=address),
    }
    if act not in calls:
        raise Http404
    try:
        calls[act]()
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        return knowledge_detail(request, pk, errors=[error.message], status=error.status)
    messages.success(request, _("已%(act)s。") % {"act": kb.KACT_LABELS[act]})
    return redirect("hotline_knowledge", pk=entry.pk)
