"""The project tracking card (审批跟踪卡): scans record contacts, holding times measured."""

from datetime import date

import pytest

from govhall.cases import services as cases
from govhall.cases.models import Case
from govhall.cases.tests.conftest import at
from govhall.core.errors import NotFound
from govhall.joint import services as joint
from govhall.joint import tracking
from govhall.joint.models import ProjectContact
from govhall.joint.tests.builders import STARTUP_MATERIALS, decide, receive_construction
from govhall.test import sample_pdf


def test_a_scan_opens_the_project_and_records_who_where_when(joint_hall):
    h = joint_hall
    jc = receive_construction(h)
    target, contact = tracking.card_scan(actor=h.clerk, number=jc.number.lower(), at=at("2026-03-03 09:00"))
    assert target == jc
    assert (contact.user, contact.window_id, contact.joint_case) == (h.clerk, h.clerk.window_id, jc)
    tracking.card_scan(actor=h.reviewer, number=jc.number, at=at("2026-03-04 09:00"))
    assert ProjectContact.objects.filter(joint_case=jc).count() == 3  # the receipt, two scans
    assert ProjectContact.objects.get(user=h.reviewer).department == h.dept_a


def test_the_receipt_at_the_comprehensive_window_is_the_cards_first_contact(joint_hall):
    h = joint_hall
    jc = receive_construction(h, when=at("2026-03-02 10:00"))
    (contact,) = ProjectContact.objects.filter(joint_case=jc)
    assert (contact.user, contact.window_id, contact.at) == (h.clerk, h.clerk.window_id, at("2026-03-02 10:00"))
    # Online, the applicant is no staff: the card has no contact until its first scan.
    files = {name: (f"{index}.pdf", sample_pdf(name)) for index, name in enumerate(STARTUP_MATERIALS)}
    online = joint.joint_submit(actor=h.applicant, theme=h.startup, applicant_name="张三",
                                applicant_id_number="110101199003070011", applicant_phone="13912345678",
                                form_data={"company_name": "示例科技有限公司", "capital": 100}, files=files,
                                at=at("2026-03-02 11:00"))
    assert not ProjectContact.objects.filter(joint_case=online).exists()


def test_only_green_channel_cases_and_joint_cases_carry_a_card(joint_hall):
    h = joint_hall
    case = Case.objects.filter(joint_link__joint_case=receive_construction(h)).order_by("pk").first()
    with pytest.raises(NotFound):
        tracking.card_scan(actor=h.manager, number=case.number)
    cases.case_green_channel_set(actor=h.manager, case=case, green=True, reason="重点项目")
    assert tracking.card_scan(actor=h.manager, number=case.number)[0] == case
    with pytest.raises(NotFound):  # outside the scanner's scope
        tracking.card_scan(actor=h.town_manager, number=case.number)
    assert not ProjectContact.objects.filter(user=h.town_manager).exists()


def test_each_departments_holding_time_is_measured_from_its_cases(joint_hall):
    h = joint_hall
    jc = receive_construction(h, when=at("2026-03-02 10:00"))
    subs = {c.department.code: c for c in Case.objects.filter(joint_link__joint_case=jc).select_related("department")}
    # Department C's case decided Thursday 3-5: 3 working days after receipt on Monday 3-2.
    land = Case.objects.filter(joint_link__joint_case=jc, department__code="C").first()
    decide(land, at=at("2026-03-05 10:00"))
    tracking.card_scan(actor=h.reviewer, number=jc.number, at=at("2026-03-06 09:00"))
    rows = {row.department: row for row in tracking.holding_times(jc, today=date(2026, 3, 9))}
    c = rows[h.departments["C"].name]
    assert (c.cases, c.open_cases, c.days) == (1, 0, 3)
    a = rows[h.dept_a.name]  # two cases of A, open since Monday 3-2: 5 working days each by Monday 3-9
    assert (a.cases, a.open_cases, a.days, a.contacts) == (2, 2, 10, 1)
    assert set(subs) == {"A", "C"}
