"""The portal's 12345 form (网上诉求): a visitor with a phone number, an
anonymous suggestion, a logged-in applicant and their "我的诉求", a
complaint about a case, the confirmation, the query by number and query
code, bad input and the rate limit."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from govhall.core.masking import mask_phone
from govhall.hotline.models import (
    OrderChannel,
    OrderState,
    OrderType,
    WorkOrder,
    WorkOrderEvent,
)
from govhall.hotline.portal import order_query_code

PHONE = "13612345678"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    caches["default"].clear()
    yield
    caches["default"].clear()


def _post(client, **data):
    data.setdefault("type", OrderType.CONSULT)
    data.setdefault("content", "社保卡丢了怎么补办？")
    return client.post(reverse("portal_hotline"), data)


def test_a_visitor_files_a_consultation_and_follows_it_by_number_and_code(client, line):
    response = _post(client, phone=PHONE, name="李女士", category=line.category.pk, address="幸福路1号",
                     town=line.hall.town.pk)
    assert response.status_code == 302 and response.url == reverse("portal_hotline_done")
    order = WorkOrder.objects.get()
    assert (order.channel, order.type, order.caller_phone, order.caller_name, order.center, order.category,
            order.town, order.state, order.created_by) == (
        OrderChannel.PORTAL, OrderType.CONSULT, PHONE, "李女士", line.hall.district, line.category,
        line.hall.town, OrderState.REGISTERED, None)
    assert list(order.events.values_list("action", flat=True)) == ["create"]
    done = client.get(reverse("portal_hotline_done")).content.decode()
    code = order_query_code(order)
    assert order.number in done and code in done and PHONE not in done and mask_phone(PHONE) in done
    # Another browser has no confirmation to see.
    client.logout()
    client.cookies.clear()
    assert client.get(reverse("portal_hotline_done")).status_code == 302
    page = client.post(reverse("portal_hotline_query"), {"number": order.number, "query_code": code.lower()})
    assert page.status_code == 200 and "社保卡丢了" in page.content.decode()
    assert PHONE not in page.content.decode()
    wrong = client.post(reverse("portal_hotline_query"), {"number": order.number, "query_code": "AAAAAAAA"})
    assert wrong.status_code == 404 and "社保卡丢了" not in wrong.content.decode()


def test_a_suggestion_may_be_anonymous_but_nothing_else(client, line):
    response = _post(client, type=OrderType.COMPLAINT, content="窗口态度差")
    assert response.status_code == 400 and "请填写联系电话" in response.content.decode()
    assert not WorkOrder.objects.exists() and not WorkOrderEvent.objects.exists()
    assert _post(client, type=OrderType.SUGGEST, content="建议延长午间办事时间").status_code == 302
    order = WorkOrder.objects.get()
    assert (order.anonymous, order.caller_phone, order.type) == (True, "", OrderType.SUGGEST)


@pytest.mark.parametrize("data, field", [
    ({"content": ""}, "content"),
    ({"type": "gossip"}, "type"),
    ({"phone": "abc"}, "phone"),
    ({"category": "999999"}, "category"),
])
def test_bad_input_names_the_field_and_writes_nothing(client, line, data, field):
    data.setdefault("phone", PHONE)
    response = _post(client, **data)
    assert response.status_code == 400
    assert response.context["form"].errors.get(field)
    assert not WorkOrder.objects.exists()


def test_a_town_outside_the_hotline_is_refused(client, line):
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.models import CenterLevel

    other = org.center_create(actor=SYSTEM, code="D9", name="别区", level=CenterLevel.DISTRICT, parent=line.hall.city)
    town = org.center_create(actor=SYSTEM, code="T9", name="别镇", level=CenterLevel.TOWN, parent=other)
    response = _post(client, phone=PHONE, town=town.pk)
    assert response.status_code == 400 and response.context["form"].errors.get("town")
    assert not WorkOrder.objects.exists()


def test_a_complaint_names_the_applicants_own_case_or_a_case_with_its_query_code(client, line, desk):
    from govhall.cases.tests.test_lifecycle import submit

    own = submit(desk, applicant=line.hall.applicant)
    other = submit(desk, applicant=None)
    client.force_login(line.hall.applicant)
    # Someone else's case by its number alone: refused, naming the field.
    response = _post(client, type=OrderType.COMPLAINT, content="办件超期", related_case_number=other.number)
    assert response.status_code == 400 and response.context["form"].errors.get("related_case_number")
    # Only a complaint names a case.
    response = _post(client, type=OrderType.CONSULT, related_case_number=own.number)
    assert response.context["form"].errors.get("related_case_number")
    assert not WorkOrder.objects.exists()
    assert _post(client, type=OrderType.COMPLAINT, content="办件超期", related_case_number=own.number).status_code == 302
    assert _post(client, type=OrderType.COMPLAINT, content="办件超期", related_case_number=other.number,
                 related_query_code=other.query_code).status_code == 302
    orders = WorkOrder.objects.order_by("pk")
    assert [o.related_case for o in orders] == [own, other]
    # The account gives the phone and the name; the orders are the applicant's.
    assert {(o.caller_phone, o.caller_name, o.created_by) for o in orders} == {
        (line.hall.applicant.phone, line.hall.applicant.full_name, line.hall.applicant)}


def test_my_orders_lists_the_applicants_own_with_the_reply_and_call_back(client, line):
    from govhall.hotline import services as hotline

    client.force_login(line.hall.applicant)
    assert _post(client, type=OrderType.HELP, content="路灯不亮").status_code == 302
    order = WorkOrder.objects.get()
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b)
    hotline.workorder_sign(actor=line.handler_b, order=order)
    hotline.workorder_reply(actor=line.handler_b, order=order, reply="已安排维修路灯。")
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=5)
    # An order of the same phone taken by telephone is not in "my orders".
    hotline.workorder_create(actor=line.operator, type=OrderType.CONSULT, channel=OrderChannel.PHONE,
                             caller_phone=line.hall.applicant.phone, content="电话咨询")
    page = client.get(reverse("portal_my_orders")).content.decode()
    assert order.number in page and "电话咨询" not in page
    assert line.hall.applicant.phone not in page and mask_phone(line.hall.applicant.phone) in page
    detail = client.get(reverse("portal_my_order", args=[order.number])).content.decode()
    assert "已安排维修路灯。" in detail and "已解决" in detail and "非常满意" in detail
    other = WorkOrder.objects.get(channel=OrderChannel.PHONE)
    assert client.get(reverse("portal_my_order", args=[other.number])).status_code == 404


def test_staff_use_the_workbench(client, line):
    client.force_login(line.operator)
    assert client.get(reverse("portal_hotline")).status_code == 403
    assert _post(client, phone=PHONE).status_code == 403
    assert not WorkOrder.objects.exists()


def test_submissions_are_rate_limited_per_client(client, line, settings):
    settings.GOVHALL_PROGRESS_QUERIES_PER_MINUTE = 2
    assert _post(client, phone=PHONE).status_code == 302
    assert _post(client, phone=PHONE).status_code == 302
    response = _post(client, phone=PHONE)
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert WorkOrder.objects.count() == 2
