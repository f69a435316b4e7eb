"""One rule in one place: the policy table (cases/policy.py) against its
four readers.

For every interface action, a case where the state and the action's
condition allow it, and for every person of the hall (the applicant and a
stranger applicant, the window clerk, the reviewers and approvers of the
case's department and of the department of its review and decision steps,
the head, the head of the step's department, another department's clerk, the center manager, the hotline, the
supervisor, the system administrator), the answer the table gives — read
from its declarative fields and the person's grants — must be what:

1. ``case_actions_for`` offers (the workbench, the portal, the API);
2. the service does (acts, or refuses with NotPermitted);
3. the workbench (staff) and the portal (applicants) do, and the API
   (200, or 403/404) — all through ``case_act``;
4. supervision's integrity rule says of an event by that person (no
   ``case.unauthorized`` alert, or one).

The item is 受理 (clerk) → 审查 (reviewer of department B) → 决定 (approver of
department B): the case belongs to A, its review and decision to B, so the
step and decision departments differ from the case's.
"""

from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.cases.tests.conftest import accept_checked, check_materials
from govhall.cases import services as cases
from govhall.cases.events import event_build
from govhall.cases.models import Case
from govhall.cases.policy import INTERFACE_ACTIONS
from govhall.cases.states import Action
from govhall.cases.tests.conftest import at, policy_allows
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.core.errors import NotPermitted
from govhall.org import services as org
from govhall.org.models import Action as Grant
from govhall.org.roles import Role
from govhall.supervision.engine import integrity_findings
from govhall.test import PASSWORD, sample_pdf

PEOPLE = ("applicant", "stranger", "clerk", "reviewer", "approver", "head", "reviewer_b", "approver_b", "head_b",
          "clerk_b", "manager", "hotline", "supervisor", "admin")

# Valid inputs of each action (the people, not the input, are under test).
PARAMS = {
    Action.SUBMIT: {},
    Action.ATTACH_MATERIAL: {"material_order": 1, "filename": "申请书.pdf", "content": sample_pdf("申请书")},
    Action.CHECK_MATERIALS: {"checks": [{"material_order": 1, "verdict": "ok", "note": ""}]},
    Action.ACCEPT: {},
    Action.REJECT: {"reason": "不属于本部门职权范围", "refer_to": "市市场监管局"},
    Action.REQUEST_CORRECTION: {"items": [{"material": "食品经营许可申请书", "problem": "缺少签字"}]},
    Action.RESUBMIT: {},
    Action.COMPLETE_STEP: {"opinion": "符合条件"},
    Action.SEND_BACK: {"reason": "材料需重新审查"},
    Action.REQUEST_SUSPENSION: {"ground": "expert_review", "reason": "组织专家评审", "expected_days": 5},
    Action.SUSPEND: {},
    Action.RESUME: {},
    Action.REQUEST_EXTENSION: {"days": 5, "reason": "情况复杂"},
    Action.EXTEND: {"days": 5, "reason": "情况复杂"},
    Action.REFUSE_REQUEST: {"reason": "理由不足"},
    Action.APPROVE: {"opinion": "同意"},
    Action.DENY: {"reasons": "不符合法定条件"},
    Action.RECORD_PAYMENT: {"amount": Decimal("80.00"), "method": "cash", "receipt_number": "P-1"},
    Action.CERTIFY: {"certificate_number": "JY-1"},
    Action.DELIVER: {"method": "window", "received_by": "张三"},
    Action.CLOSE: {},
    Action.WITHDRAW: {"reason": "不再申请"},
    Action.TERMINATE: {"reason": "申请人主体资格消灭"},
}


@pytest.fixture
def table(hall):
    """The hall, the item with steps in department B, and two more people of
    B. The clock stands at Friday 2026-03-06 10:00, when every reader is asked."""
    hall.stranger = org.user_create(actor=SYSTEM, username="stranger", password=PASSWORD, role=Role.APPLICANT,
                                    full_name="李四", id_number="110101198505050024", phone="13900000002")
    hall.reviewer_b = org.user_create(actor=SYSTEM, username="reviewer_b", password=PASSWORD, role=Role.REVIEWER,
                                      department=hall.dept_b, full_name="reviewer_b")
    hall.approver_b = org.user_create(actor=SYSTEM, username="approver_b", password=PASSWORD, role=Role.APPROVER,
                                      department=hall.dept_b, full_name="approver_b")
    hall.head_b = org.user_create(actor=SYSTEM, username="head_b", password=PASSWORD, role=Role.DEPARTMENT_HEAD,
                                  department=hall.dept_b, full_name="head_b")
    grants = [(hall.reviewer, hall.dept_a, Grant.REVIEW), (hall.approver, hall.dept_a, Grant.APPROVE),
              (hall.reviewer_b, hall.dept_b, Grant.REVIEW), (hall.approver_b, hall.dept_b, Grant.APPROVE),
              (hall.head_b, hall.dept_b, Grant.APPROVE),
              (hall.clerk_b, hall.dept_b, Grant.ACCEPT)]
    grants += [(hall.clerk, hall.dept_a, action) for action in (Grant.DELIVER, Grant.CERTIFY, Grant.CHARGE)]
    for staff, department, action in grants:
        org.authorization_grant(actor=SYSTEM, staff=staff, department=department, action=action)
    spec = complete_spec("A", no_fee=False, fees=[{"name": "工本费", "amount": "80.00", "rule": "", "basis": "示例依据"}],
                         steps=[{"name": "受理", "role": "clerk", "days": 1, "department": ""},
                                {"name": "审查", "role": "reviewer", "days": 6, "department": "B"},
                                {"name": "决定", "role": "approver", "days": 3, "department": "B"}])
    hall.version = item_create(actor=SYSTEM, spec={**spec, "status": "published"}).current
    with time_machine.travel(at("2026-03-06 10:00"), tick=False):
        yield hall


def _window(h, when="2026-03-02 10:00") -> Case:
    return cases.case_submit(actor=h.clerk, item_version=h.version, center=h.district, channel="window",
                             applicant=h.applicant, applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", at=at(when))


def _case_for(action: str, h) -> Case:
    """A case on which ``action`` is possible now (state and condition)."""
    t = lambda text: at(f"2026-03-{text}")  # noqa: E731
    if action == Action.SUBMIT:
        draft = cases.case_draft_create(actor=h.applicant, item_version=h.version, center=h.district,
                                        applicant_name="张三", applicant_id_number="110101199003070011",
                                        applicant_phone="13912345678", at=t("02 10:00"))
        return cases.case_material_attach(actor=h.applicant, case=draft, material_order=1, filename="1.pdf",
                                          content=sample_pdf(), at=t("02 10:01"))
    case = _window(h)
    if action in {Action.ATTACH_MATERIAL, Action.CHECK_MATERIALS, Action.REJECT, Action.REQUEST_CORRECTION,
                  Action.WITHDRAW, Action.TERMINATE}:
        return case
    if action == Action.ACCEPT:
        return check_materials(actor=h.clerk, case=case, at=t("02 10:03"))
    if action == Action.RESUBMIT:
        return cases.case_request_correction(actor=h.clerk, case=case, at=t("02 10:05"),
                                             items=[{"material": "申请书", "problem": "缺签字"}])
    case = accept_checked(actor=h.clerk, case=case, at=t("02 10:05"))
    if action in {Action.COMPLETE_STEP, Action.REQUEST_SUSPENSION, Action.REQUEST_EXTENSION, Action.EXTEND}:
        return case
    if action in {Action.SUSPEND, Action.REFUSE_REQUEST, Action.RESUME}:
        case = cases.case_request_suspension(actor=h.reviewer, case=case, ground="testing", reason="委托检测",
                                             expected_days=3, at=t("03 09:00"))
        if action == Action.RESUME:
            case = cases.case_suspend(actor=h.head, case=case, at=t("03 10:00"))
        return case
    case = cases.case_complete_step(actor=h.reviewer_b, case=case, opinion="符合", at=t("03 10:00"))
    if action in {Action.SEND_BACK, Action.APPROVE, Action.DENY}:
        return case
    case = cases.case_approve(actor=h.approver_b, case=case, opinion="同意", at=t("04 10:00"))
    if action == Action.RECORD_PAYMENT:
        return case
    case = cases.case_record_payment(actor=h.clerk, case=case, amount=Decimal("80.00"), method="cash",
                                     receipt_number="P-0", at=t("04 11:00"))
    if action == Action.CERTIFY:
        return case
    case = cases.case_certify(actor=h.clerk, case=case, certificate_number="JY-0", at=t("04 11:30"))
    if action == Action.DELIVER:
        return case
    return cases.case_deliver(actor=h.clerk, case=case, method="window", received_by="张三", at=t("05 10:00"))


def _params(action: str, h) -> dict:
    return dict(PARAMS[action])


def _service_allows(action: str, person, case: Case, h) -> bool:
    """Whether the service acts (rolled back: every person gets the same case)."""
    try:
        with transaction.atomic():
            cases.case_act(actor=person, case=Case.objects.get(pk=case.pk), action=action, params=_params(action, h),
                           at=at("2026-03-06 10:00"))
            transaction.set_rollback(True)
    except NotPermitted:
        return False
    return True


def _api_status(action: str, person, case: Case, h) -> int:
    client = APIClient()
    client.force_authenticate(person)
    body = {key: value for key, value in _params(action, h).items() if key not in {"content", "filename"}}
    if action == Action.RECORD_PAYMENT:
        body["amount"] = "80.00"
    url = reverse(f"api_case_act_{action}", args=[case.number])
    with transaction.atomic():
        if action == Action.ATTACH_MATERIAL:
            from django.core.files.uploadedfile import SimpleUploadedFile

            body["file"] = SimpleUploadedFile("申请书.pdf", PARAMS[action]["content"], content_type="application/pdf")
            answer = client.post(url, body, format="multipart")
        else:
            answer = client.post(url, body, format="json")
        transaction.set_rollback(True)
    return answer.status_code


PORTAL = {Action.ATTACH_MATERIAL: "upload", Action.SUBMIT: "submit", Action.RESUBMIT: "resubmit",
          Action.WITHDRAW: "withdraw"}


def _web_acts(action: str, person, case: Case, h, client) -> bool:
    """Whether the person's page (workbench, or portal for an applicant) changes the case."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(person)
    if person.role == Role.APPLICANT:
        if action not in PORTAL:
            return False  # no page offers it to an applicant
        url = reverse("portal_my_case_act", args=[case.number, PORTAL[action]])
        form = {"order": "1", "file": SimpleUploadedFile("1.pdf", sample_pdf())} if action == Action.ATTACH_MATERIAL \
            else {"reason": "不再申请"}
    else:
        url = reverse("case_act", args=[case.pk, action])
        values = _params(action, h)
        if action == Action.ATTACH_MATERIAL:
            values = {"material_order": "1", "file": SimpleUploadedFile("1.pdf", sample_pdf())}
        elif action == Action.REQUEST_CORRECTION:
            values = {"items": "食品经营许可申请书：缺少签字"}
        elif action == Action.CHECK_MATERIALS:
            values = {"verdict_1": "ok"}
        form = {f"{action}-{key}": value for key, value in values.items()}
    with transaction.atomic():
        client.post(url, form)
        changed = Case.objects.get(pk=case.pk).version != case.version
        transaction.set_rollback(True)
    return changed


def _integrity_flags(action: str, person, case: Case) -> bool:
    """Whether supervision calls an event of ``action`` by ``person`` unauthorized."""
    data = {"at_step": case.step} if action in {Action.COMPLETE_STEP, Action.SEND_BACK} else {}
    event = event_build(case=case, actor=person, action=action, from_state=case.state, to_state=case.state,
                        data=data, at=at("2026-03-06 10:00"))
    return any(finding.rule == "case.unauthorized" for finding in integrity_findings(event))


@pytest.mark.parametrize("action", INTERFACE_ACTIONS)
def test_every_reader_of_the_policy_gives_the_tables_answer(table, action):
    h = table
    case = _case_for(action, h)
    answers = {}
    client = Client()
    for name in PEOPLE:
        person = getattr(h, name)
        case = Case.objects.get(pk=case.pk)
        allowed = policy_allows(action, person, case)
        offered = action in cases.case_actions_for(person, case)
        acted = _service_allows(action, person, case, h)
        status = _api_status(action, person, case, h)
        paged = _web_acts(action, person, case, h, client)
        flagged = _integrity_flags(action, person, case)
        answers[name] = allowed
        assert offered == allowed, f"{action} by {name}: actions_for says {offered}, the table {allowed}"
        assert acted == allowed, f"{action} by {name}: the service {'acted' if acted else 'refused'}"
        assert (status == 200) == allowed and status in {200, 403, 404}, f"{action} by {name}: API {status}"
        if person.role != Role.APPLICANT or action in PORTAL:
            assert paged == allowed, f"{action} by {name}: the page {'acted' if paged else 'refused'}"
        assert flagged != allowed, f"{action} by {name}: supervision {'flags' if flagged else 'accepts'} it"
    assert any(answers.values()), f"nobody may {action}: the scenario is wrong"
    assert not all(answers.values()), f"everybody may {action}"


def test_the_step_and_decision_departments_decide_not_the_cases(table):
    h = table
    case = _case_for(Action.APPROVE, h)
    assert Action.APPROVE in cases.case_actions_for(h.approver_b, case)
    assert Action.APPROVE not in cases.case_actions_for(h.approver, case)  # the case's department, not the decision's
    case = cases.case_approve(actor=h.approver_b, case=case, opinion="同意", at=at("2026-03-06 10:00"))
    # The lawful decision by the decision step's approver raises no alert.
    assert not any(f.rule == "case.unauthorized" for f in integrity_findings(case.events.order_by("-seq").first()))


def test_the_system_alone_recomputes_deadlines(table):
    case = _window(table)
    assert Action.RECOMPUTE_DEADLINE not in INTERFACE_ACTIONS
    with pytest.raises(Exception) as refused:
        cases.case_act(actor=table.admin, case=case, action=Action.RECOMPUTE_DEADLINE)
    assert refused.value.status == 404
