"""Open311 GeoReport v2 (docs/hotline.md, "Open311"): every JSON answer is
validated against the specification's JSON forms (open311_schemas.json),
XML answers are parsed (defusedxml) for the specification's element names,
POST requests become work orders through the hotline's services, and
refusals are the specification's errors body with its HTTP status."""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from defusedxml import ElementTree as SafeET
from django.utils import timezone

from govhall.core.actors import SYSTEM
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import Category, OrderChannel, OrderState, OrderType, WorkOrder
from govhall.hotline.tests.conftest import MONDAY, new_order
from govhall.org import services as org
from govhall.org.roles import Role
from govhall.test import PASSWORD

SCHEMAS = json.loads((Path(__file__).parent / "open311_schemas.json").read_text())
BASE = "/open311/v2"
# The window the read tests ask for (the orders are registered on MONDAY).
WINDOW = {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-03-31T00:00:00+08:00"}


def validate(data, name: str):
    """Validates ``data`` against the specification's JSON form ``name``."""
    schema = {**SCHEMAS[name], "$defs": SCHEMAS["$defs"]}
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    return data


def answer(response, name: str, status: int = 200):
    """The JSON body of ``response``, checked: status, content type, form."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return validate(json.loads(response.content), name)


def xml(response, status: int = 200):
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return SafeET.fromstring(response.content)


def error(response, status: int, fmt: str = "json") -> list[str]:
    """The descriptions of an errors body with ``status`` (code = status)."""
    if fmt == "xml":
        root = xml(response, status)
        assert root.tag == "errors" and [child.tag for child in root] == ["error"] * len(root)
        assert all(e.findtext("code") == str(status) for e in root)
        return [e.findtext("description") for e in root]
    body = answer(response, "errors", status)
    assert all(item["code"] == status for item in body)
    return [item["description"] for item in body]


@dataclass
class Gateway:
    user: object
    key: str


@pytest.fixture
def gateway(line):
    """The district hotline's Open311 gateway: a login of role 12345话务员
    at the district with an API token issued by the administrator."""
    user = org.user_create(actor=SYSTEM, username="open311", password=PASSWORD, role=Role.HOTLINE_OPERATOR,
                           full_name="Open311 网关", center=line.hall.district)
    return Gateway(user, org.token_issue(actor=line.hall.admin, user=user).key)


def post_form(gateway, **overrides) -> dict:
    form = {"api_key": gateway.key, "jurisdiction_id": "D1", "service_code": "0101", "lat": "30.123456",
            "long": "106.654321", "description": "小区路灯不亮已经一周。", "first_name": "小明", "last_name": "李",
            "phone": "13800001111", "attribute[type]": OrderType.HELP}
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def post(client, gateway, fmt="json", at=MONDAY, **overrides):
    with time_machine.travel(at, tick=False):
        return client.post(f"{BASE}/requests.{fmt}", post_form(gateway, **overrides))


@pytest.fixture
def orders(line):
    """Orders of the district on MONDAY: an open complaint, a consultation
    answered directly (the answer names the caller's number), a report with
    its place, and an order of the town below; one without a category."""
    complaint = new_order(line, content="投诉：王先生家楼下餐馆油烟扰民，电话 13912345678。", address="滨江路 8 号")
    consult = new_order(line, type=OrderType.CONSULT, content="王先生咨询供水报装需要哪些材料？",
                        when=MONDAY + timedelta(hours=1))
    hotline.workorder_close_direct(actor=line.operator, order=consult, at=MONDAY + timedelta(hours=2),
                                   answer="王先生您好：报装须带房产证，详询 02812345678。")
    report = new_order(line, type=OrderType.REPORT, content="举报某工地夜间施工。", address="工地东门",
                       latitude="30.5", longitude="106.5", when=MONDAY + timedelta(hours=3))
    town = new_order(line, type=OrderType.SUGGEST, content="建议增设公交站。", center=line.hall.town,
                     when=MONDAY + timedelta(hours=4))
    plain = hotline.workorder_create(actor=line.operator, type=OrderType.HELP, channel=OrderChannel.PHONE,
                                     content="无分类的来电。", at=MONDAY)
    return {"complaint": complaint, "consult": consult, "report": report, "town": town, "plain": plain}


# --- discovery, services, service definitions ---------------------------------------

def test_discovery_in_json_and_xml(client, line):
    body = answer(client.get(f"{BASE}/discovery.json"), "discovery")
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_the_categories_at_every_level_grouped_by_the_top_level(client, line):
    hotline.category_create(actor=SYSTEM, code="0102", name="燃气", parent=line.category.parent)
    body = answer(client.get(f"{BASE}/services.json", {"jurisdiction_id": "D1"}), "services")
    assert [(s["service_code"], s["service_name"], s["group"], s["description"]) for s in body] == [
        ("01", "城乡建设", "城乡建设", "城乡建设"), ("0101", "供水", "城乡建设", "城乡建设 / 供水"),
        ("0102", "燃气", "城乡建设", "城乡建设 / 燃气")]
    assert body[0]["metadata"] is True and body[0]["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and [s.tag for s in root] == ["service", "service", "service"]
    assert root.find("service/metadata").text == "true"
    assert [e.tag for e in root.find("service")] == ["service_code", "service_name", "description", "metadata",
                                                     "type", "keywords", "group"]


def test_service_definition_lists_the_work_order_attributes(client, line):
    body = answer(client.get(f"{BASE}/services/0101.json"), "service_definition")
    assert body["service_code"] == "0101"
    by_code = {a["code"]: a for a in body["attributes"]}
    assert list(by_code) == ["type", "urgency", "anonymous", "related_case_number"]
    assert by_code["type"]["required"] is True and by_code["type"]["datatype"] == "singlevaluelist"
    assert [(v["key"], v["name"]) for v in by_code["type"]["values"]] == [
        ("consult", "咨询"), ("help", "求助"), ("complaint", "投诉"), ("report", "举报"), ("suggest", "建议"),
        ("praise", "表扬")]
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4]
    root = xml(client.get(f"{BASE}/services/0101.xml"))
    assert root.tag == "service_definition"
    assert [e.tag for e in root] == ["service_code", "attributes"]
    first = root.find("attributes/attribute")
    assert first.findtext("code") == "type" and first.findtext("variable") == "true"
    assert [v.findtext("key") for v in first.findall("values/value")][:2] == ["consult", "help"]


def test_unknown_service_jurisdiction_and_format_are_404_error_bodies(client, line):
    assert "service_code" in error(client.get(f"{BASE}/services/9999.json"), 404)[0]
    hotline.category_create(actor=SYSTEM, code="0199", name="已停用", parent=line.category.parent)
    Category.objects.filter(code="0199").update(active=False)
    assert "service_code" in error(client.get(f"{BASE}/services/0199.xml"), 404, "xml")[0]  # inactive
    assert "jurisdiction_id" in error(client.get(f"{BASE}/services.json", {"jurisdiction_id": "X9"}), 404)[0]
    assert "jurisdiction_id" in error(client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "X9"}), 404, "xml")[0]
    error(client.get(f"{BASE}/services.html"), 404, "xml")
    error(client.get(f"{BASE}/nothing.json"), 404)
    response = client.delete(f"{BASE}/services.json")
    error(response, 405)
    assert response["Allow"] == "GET, HEAD"


def test_several_top_level_centers_need_a_jurisdiction(client, line):
    from govhall.org.models import CenterLevel

    org.center_create(actor=SYSTEM, code="C2", name="另一市中心", level=CenterLevel.CITY)
    assert "jurisdiction_id" in error(client.get(f"{BASE}/services.json"), 400)[0]
    answer(client.get(f"{BASE}/services.json", {"jurisdiction_id": "C2"}), "services")


# --- POST requests ----------------------------------------------------------------

def test_a_posted_request_is_a_work_order_with_a_chained_event(client, gateway, line):
    body = answer(post(client, gateway, **{"attribute[urgency]": "urgent", "attribute[related_case_number]": "X-1",
                                           "address_string": "滨江路 1 号", "email": "li@example.cn",
                                           "media_url": "https://img.example.cn/1.jpg"}), "post_response")
    order = WorkOrder.objects.get(number=body[0]["service_request_id"])
    assert body[0]["account_id"] is None and "5 个工作日" in body[0]["service_notice"]
    assert order.number.startswith("D1-H20260302-")
    assert (order.center, order.channel, order.type, order.category, order.urgency) == (
        line.hall.district, OrderChannel.OPEN311, OrderType.HELP, line.category, "urgent")
    assert (order.caller_name, order.caller_phone, order.anonymous) == ("李小明", "13800001111", False)
    assert order.content == "小区路灯不亮已经一周。\n媒体链接：https://img.example.cn/1.jpg"
    assert (str(order.latitude), str(order.longitude), order.address) == ("30.123456", "106.654321", "滨江路 1 号")
    assert order.related_case_number == "X-1" and order.created_by == gateway.user
    assert order.state == OrderState.REGISTERED
    event = order.events.get()
    assert (event.action, event.actor, event.data["channel"], event.data["caller_phone"]) == (
        "create", gateway.user, "open311", "138****1111")
    assert order_verify(order) is None


def test_a_posted_request_answers_in_xml_and_may_be_anonymous(client, gateway, line):
    root = xml(post(client, gateway, "xml", **{"attribute[anonymous]": "true", "jurisdiction_id": None}))
    assert root.tag == "service_requests"
    assert [e.tag for e in root.find("request")] == ["service_request_id", "service_notice", "account_id"]
    order = WorkOrder.objects.get(number=root.findtext("request/service_request_id"))
    # Without jurisdiction_id the order is the key's center's.
    assert order.center == line.hall.district and order.anonymous and order.caller_name == ""


@pytest.mark.parametrize(("key", "what"), [(None, "缺少"), ("", "缺少"), ("0" * 40, "无效")])
def test_a_missing_or_bad_key_is_403(client, gateway, key, what):
    descriptions = error(post(client, gateway, api_key=key), 403)
    assert descriptions[0].startswith("api_key") and what in descriptions[0]
    assert not WorkOrder.objects.exists()


def test_the_hotline_policy_refuses_a_key_without_intake_rights(client, gateway, line):
    clerk_key = org.token_issue(actor=line.hall.admin, user=line.hall.clerk).key
    assert "角色" in error(post(client, gateway, api_key=clerk_key), 403)[0]
    # The district's gateway may not register the city's orders.
    assert "热线中心" in error(post(client, gateway, jurisdiction_id="C1"), 403)[0]
    org.user_deactivate(actor=line.hall.admin, user=gateway.user)
    assert "无效" in error(post(client, gateway), 403)[0]
    assert not WorkOrder.objects.exists()


def test_missing_and_unknown_service_and_jurisdiction(client, gateway):
    assert error(post(client, gateway, service_code=None), 400)[0].startswith("service_code")
    assert error(post(client, gateway, service_code="9999"), 404)[0].startswith("service_code")
    assert error(post(client, gateway, jurisdiction_id="X9"), 404)[0].startswith("jurisdiction_id")
    assert error(post(client, gateway, "xml", service_code="nope"), 404, "xml")[0].startswith("service_code")
    assert not WorkOrder.objects.exists()


def test_attribute_and_field_errors_name_the_argument(client, gateway):
    def fields(**overrides):
        return [text.split(":")[0] for text in error(post(client, gateway, **overrides), 400)]

    assert fields(**{"attribute[type]": None}) == ["attribute[type]"]
    assert fields(**{"attribute[type]": "gossip"}) == ["attribute[type]"]
    assert fields(**{"attribute[urgency]": "now", "attribute[colour]": "red"}) == [
        "attribute[urgency]", "attribute[colour]"]
    assert fields(**{"attribute[related_case_number]": "x" * 41}) == ["attribute[related_case_number]"]
    assert fields(**{"attribute[type][]": "help", "attribute[type]": None}) == ["attribute[type]"]
    assert fields(lat=None, long=None) == ["lat"]
    assert fields(lat=None, long=None, address_id="545483") == ["address_id"]
    assert fields(media_url="javascript:alert(1)") == ["media_url"]
    assert fields(lat="north") == ["lat"]
    assert fields(long="200") == ["long"]
    assert fields(description="  ") == ["description"]
    assert fields(description="x" * 4001) == ["description"]
    assert fields(phone="call me") == ["phone"]
    assert not WorkOrder.objects.exists()


# --- GET requests -----------------------------------------------------------------

def test_requests_list_shows_only_public_fields(client, line, orders):
    response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "D1", **WINDOW})
    body = answer(response, "service_requests")
    by_id = {r["service_request_id"]: r for r in body}
    # The town's order is the district's too; an order without a service is not listed.
    assert set(by_id) == {orders[k].number for k in ("complaint", "consult", "report", "town")}
    raw = response.content.decode()
    assert "13912345678" not in raw and "王先生" not in raw
    complaint, consult, report = (by_id[orders[k].number] for k in ("complaint", "consult", "report"))
    assert (complaint["status"], complaint["status_notes"], complaint["description"]) == ("open", "待派单", None)
    assert complaint["address"] == "滨江路 8 号"
    assert consult["status"] == "closed"
    assert consult["status_notes"] == "王**您好：报装须带房产证，详询 02812345678。"  # an office's number
    assert consult["description"] == "王**咨询供水报装需要哪些材料？"
    assert consult["requested_datetime"] == "2026-03-02T11:00:00+08:00"
    assert consult["updated_datetime"] == "2026-03-02T12:00:00+08:00"
    assert (report["description"], report["address"], report["lat"], report["long"]) == (None, None, None, None)
    assert (complaint["service_code"], complaint["service_name"]) == ("0101", "供水")


def test_requests_list_follows_the_jurisdiction_below(client, line, orders):
    body = answer(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "T1", **WINDOW}), "service_requests")
    assert [r["service_request_id"] for r in body] == [orders["town"].number]
    body = answer(client.get(f"{BASE}/requests.json", WINDOW), "service_requests")  # the one top-level center
    assert len(body) == 4


def test_dispatched_orders_name_the_agency_and_expected_time(client, line, orders):
    hotline.workorder_dispatch(actor=line.operator, order=orders["complaint"], main_unit=line.unit_b,
                               at=MONDAY + timedelta(minutes=5))
    body = answer(client.get(f"{BASE}/requests/{orders['complaint'].number}.json"), "service_requests")
    assert body[0]["agency_responsible"] == "住建局"
    orders["complaint"].refresh_from_db()
    assert body[0]["expected_datetime"] == timezone.localtime(orders["complaint"].due_at).isoformat(timespec="seconds")
    assert body[0]["expected_datetime"].startswith("2026-03-09T")
    assert body[0]["status_notes"] == "待签收"


def test_requests_filters(client, line, orders):
    def ids(**params):
        body = answer(client.get(f"{BASE}/requests.json", {**WINDOW, **params}), "service_requests")
        return {r["service_request_id"] for r in body}

    assert ids(status="closed") == {orders["consult"].number}
    assert ids(status="open,closed") == ids()
    assert ids(service_code="9999") == set()
    wanted = f"{orders['report'].number},{orders['consult'].number}"
    assert ids(service_request_id=wanted, status="open") == {orders["report"].number, orders["consult"].number}
    assert ids(start_date="2026-03-02T12:30:00+08:00", end_date="2026-03-02T13:30:00+08:00") == {
        orders["report"].number}
    assert ids(start_date="2026-03-02T04:30:00Z", end_date="2026-03-02T05:30:00Z") == {orders["report"].number}
    assert error(client.get(f"{BASE}/requests.json", {"status": "pending"}), 400)[0].startswith("status")
    assert error(client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}), 400)[0].startswith("start_date")
    assert error(client.get(f"{BASE}/requests.json", {"start_date": "2026-03-01T00:00:00"}), 400)[0].startswith(
        "start_date")
    assert error(client.get(f"{BASE}/requests.json", {"start_date": "2026-01-01T00:00:00Z",
                                                      "end_date": "2026-06-01T00:00:00Z"}), 400)[0].startswith("end_date")
    assert error(client.get(f"{BASE}/requests.json", {"start_date": "2026-03-05T00:00:00Z",
                                                      "end_date": "2026-03-01T00:00:00Z"}), 400)[0].startswith("end_date")


def test_requests_default_to_the_last_90_days(client, line, orders):
    with time_machine.travel(MONDAY + timedelta(days=10), tick=False):
        assert len(answer(client.get(f"{BASE}/requests.json"), "service_requests")) == 4
    with time_machine.travel(MONDAY + timedelta(days=91), tick=False):
        assert answer(client.get(f"{BASE}/requests.json"), "service_requests") == []


def test_requests_in_xml(client, line, orders):
    root = xml(client.get(f"{BASE}/requests.xml", WINDOW))
    assert root.tag == "service_requests" and {r.tag for r in root} == {"request"}
    assert [e.tag for e in root.find("request")] == [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url"]
    root = xml(client.get(f"{BASE}/requests/{orders['consult'].number}.xml"))
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/service_request_id") == orders["consult"].number


def test_single_request_and_unknown_ones(client, line, orders):
    body = answer(client.get(f"{BASE}/requests/{orders['report'].number}.json"), "service_requests")
    assert len(body) == 1 and body[0]["status"] == "open"
    assert error(client.get(f"{BASE}/requests/D1-H20260302-99999.json"), 404)[0].startswith("service_request_id")
    # Outside the jurisdiction asked for, and without a service: not found either.
    error(client.get(f"{BASE}/requests/{orders['complaint'].number}.json", {"jurisdiction_id": "T1"}), 404)
    error(client.get(f"{BASE}/requests/{orders['plain'].number}.xml"), 404, "xml")


def test_a_created_request_is_read_back(client, gateway, line):
    number = answer(post(client, gateway), "post_response")[0]["service_request_id"]
    body = answer(client.get(f"{BASE}/requests/{number}.json"), "service_requests")
    assert (body[0]["status"], body[0]["description"], body[0]["lat"]) == ("open", "小区路灯不亮已经一周。", 30.123456)
    assert "13800001111" not in json.dumps(body) and "李小明" not in json.dumps(body, ensure_ascii=False)


def test_a_category_with_children_is_a_service_posted_and_read_back_alike(client, gateway, line):
    """The top-level category (with a child) is listed, defined, accepted by
    POST requests and shown by GET requests under the same code."""
    codes = [s["service_code"] for s in answer(client.get(f"{BASE}/services.json"), "services")]
    assert "01" in codes
    assert answer(client.get(f"{BASE}/services/01.json"), "service_definition")["service_code"] == "01"
    number = answer(post(client, gateway, service_code="01"), "post_response")[0]["service_request_id"]
    assert WorkOrder.objects.get(number=number).category == line.category.parent
    body = answer(client.get(f"{BASE}/requests/{number}.json"), "service_requests")
    assert (body[0]["service_code"], body[0]["service_name"]) == ("01", "城乡建设")
    listed = answer(client.get(f"{BASE}/requests.json", {"service_code": "01", **WINDOW}), "service_requests")
    assert [r["service_request_id"] for r in listed] == [number]


def test_status_notes_keep_public_service_numbers_and_mask_personal_ones(client, line):
    order = new_order(line, type=OrderType.HELP, content="家里停水了。")
    hotline.workorder_close_direct(
        actor=line.operator, order=order, at=MONDAY + timedelta(hours=1),
        answer="王先生您好：抢修电话 96596，营业厅 0826-2222110，电力 95598；"
               "抢修员手机 13912340000，登记身份证 511602199001010014。")
    body = answer(client.get(f"{BASE}/requests/{order.number}.json"), "service_requests")
    assert body[0]["status_notes"] == ("王**您好：抢修电话 96596，营业厅 0826-2222110，电力 95598；"
                                       "抢修员手机 139****0000，登记身份证 5116**********0014。")
    root = xml(client.get(f"{BASE}/requests/{order.number}.xml"))
    assert "0826-2222110" in root.findtext("request/status_notes") and "13912340000" not in root.findtext(
        "request/status_notes")
    # The caller's own words still hide every number.
    words = new_order(line, type=OrderType.CONSULT, content="我的座机 0826-2338001 打不通热线？")
    shown = answer(client.get(f"{BASE}/requests/{words.number}.json"), "service_requests")[0]["description"]
    assert "2338001" not in shown


def test_calls_are_rate_limited_per_client(client, line, settings):
    settings.GOVHALL_OPEN311_CALLS_PER_MINUTE = 2
    answer(client.get(f"{BASE}/services.json"), "services")
    answer(client.get(f"{BASE}/services.json"), "services")
    response = client.get(f"{BASE}/services.json")
    error(response, 429)
    assert response["Retry-After"] == "60"
