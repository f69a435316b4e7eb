"""The public progress query (办件进度查询) answers for a joint case by its
own number and query code: the whole, each stage with its items, and the
unified delivery once done; a wrong code answers as a wrong number, and
the same rate limit holds."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from govhall.joint import services as joint
from govhall.joint.models import SubCase
from govhall.joint.tests.builders import STARTUP_MATERIALS, at, decide
from govhall.joint.tests.conftest import joint_hall  # noqa: F401  (the hall with both themes published)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    caches["default"].clear()


def start_up(hall):
    return joint.joint_submit(actor=hall.clerk, theme=hall.startup, applicant_name="张三",
                              applicant_id_number="110101199003070011", applicant_phone="13912345678",
                              form_data={"company_name": "示例科技有限公司", "capital": 100},
                              materials=STARTUP_MATERIALS, at=at("2026-03-02 10:00"))


def ask(client, number, code):
    return client.post(reverse("portal_progress"), {"number": number, "query_code": code})


def test_a_joint_case_shows_the_whole_its_stage_and_each_items_state(client, joint_hall):
    jc = start_up(joint_hall)
    answer = ask(client, jc.number, jc.query_code.lower())
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "开办企业" in page and "办理中" in page and jc.due_date.isoformat() in page
    assert f'class="light {jc.light}"' in page and "并联审批中" in page
    for link in SubCase.objects.filter(joint_case=jc).select_related("case__item_version", "case__department"):
        assert link.case.item_version.name in page and link.case.department.name in page
    # no identity number, phone, answers or staff
    assert "110101199003070011" not in page and "13912345678" not in page and "示例科技有限公司" not in page
    assert joint_hall.clerk.full_name not in page


def test_once_delivered_the_page_shows_the_unified_delivery_with_each_decision(client, joint_hall):
    jc = start_up(joint_hall)
    subs = list(SubCase.objects.filter(joint_case=jc).select_related("case"))
    for link in subs:
        decide(link.case, at=at("2026-03-03 10:00"))
    jc.refresh_from_db()
    jc = joint.joint_deliver(actor=joint_hall.clerk, joint_case=jc, method="window", received_by="张三",
                             at=at("2026-03-04 10:00"))
    page = ask(client, jc.number, jc.query_code).content.decode()
    assert "已统一出件" in page and "统一出件日" in page and "2026-03-04" in page
    for link in subs:
        notice = link.case.notices.get(kind="approval")
        assert reverse("portal_verify", args=[notice.verify_code]) in page


def test_a_wrong_code_answers_as_a_wrong_number_and_the_rate_limit_holds(client, joint_hall):
    jc = start_up(joint_hall)
    wrong_code, wrong_number = ask(client, jc.number, "WRONG123"), ask(client, "D1-LB20260302-99999", jc.query_code)
    assert wrong_code.status_code == wrong_number.status_code == 404
    def main(answer, number):  # the page's content, the number typed in put back, without the csrf tokens
        text = answer.content.decode().replace(number, "N")
        return re.sub(r'<input[^>]*csrfmiddlewaretoken[^>]*>', "", text[text.index("<main"):])

    assert main(wrong_code, jc.number) == main(wrong_number, "D1-LB20260302-99999")
    assert "办件编号或查询码不正确" in main(wrong_code, jc.number)
    statuses = [ask(client, jc.number, jc.query_code).status_code for _ in range(9)]
    assert statuses[:8] == [200] * 8 and statuses[-1] == 429
