from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from govhall.cases import services as cases
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A moment in the center's time zone: at("2026-03-02 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# The Monday every desk scenario starts on (the default of ``submit``).
DESK_MORNING = at("2026-03-02 10:00")


@pytest.fixture
def desk(hall):
    """The hall with an item of department A (受理 → 审查 → 决定, promised 10
    of 20 working days) and the people authorized for each step. The clock
    stands at Monday 2026-03-02 10:00 and ticks on from there: a service
    called without ``at=`` acts then, whatever the real date."""
    with time_machine.travel(DESK_MORNING, tick=True):
        org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
        org.authorization_grant(actor=SYSTEM, staff=hall.approver, department=hall.dept_a, action=Action.APPROVE)
        for action in (Action.DELIVER, Action.CERTIFY, Action.CHARGE):
            org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=hall.dept_a, action=action)
        hall.item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
        hall.version = hall.item.current
        yield hall


@pytest.fixture
def form_desk(desk):
    """The desk's item with its own application form and every delivery method."""
    from govhall.catalog.services import item_edit, item_publish
    from govhall.catalog.tests.factories import FORM_FIELDS

    draft = item_edit(actor=SYSTEM, item=desk.item, spec=complete_spec(
        "A", form_fields=FORM_FIELDS, delivery_methods=["window", "mail", "electronic"]))
    desk.version = item_publish(actor=SYSTEM, version=draft)
    return desk


def apply_online(*, applicant, version, center, when: datetime):
    """An online application by ``applicant`` as himself: a draft, a scan of
    every required material, the submission — all at ``when``."""
    from govhall.cases import services as cases
    from govhall.test import sample_pdf

    case = cases.case_draft_create(actor=applicant, item_version=version, center=center,
                                   applicant_name=applicant.full_name, applicant_id_number=applicant.id_number,
                                   applicant_phone=applicant.phone, at=when)
    for material in version.materials.all():
        if material.handed_in_required:
            case = cases.case_material_attach(actor=applicant, case=case, material_order=material.order,
                                              filename=f"{material.order}.pdf", content=sample_pdf(material.name),
                                              at=when)
    return cases.case_draft_submit(actor=applicant, case=case, at=when)


def policy_allows(action: str, person, case) -> bool:
    """What the policy table says of ``person`` taking ``action`` on ``case``,
    read from its declarative fields and the person's grants — the answer
    every reader of the table (services, action lists, pages, API,
    supervision) must give."""
    from govhall.cases.policy import POLICY, grant_needed
    from govhall.cases.selectors import case_steps
    from govhall.org.models import Authorization
    from govhall.org.roles import Role

    if person is SYSTEM:
        return True
    rule = POLICY[action]
    if person.role == Role.APPLICANT:
        return rule.applicant and case.applicant_id == person.pk
    if person.role not in rule.roles:
        return False
    if rule.head and not (person.role == Role.DEPARTMENT_HEAD and person.department_id == case.department_id):
        return False
    need = grant_needed(action, case, case_steps(case))
    return need is None or Authorization.objects.filter(
        staff=person, department=need.department, action=need.authorization,
        item_code__in=["", case.item_version.item.base_code]).exists()


def check_materials(*, actor, case, at=None):
    """The acceptance check: every required material of the case's item
    found 合格 by ``actor`` (nothing to check: the case as it is)."""
    checks = cases.checks_all_required_ok(case)
    return cases.case_check_materials(actor=actor, case=case, checks=checks, at=at) if checks else case


def accept_checked(*, actor, case, at=None, **kwargs):
    """Acceptance as a clerk does it: the materials checked, then 受理."""
    return cases.case_accept(actor=actor, case=check_materials(actor=actor, case=case, at=at), at=at, **kwargs)
