"""The orders API's files, urging notes and direct answers with their
source (docs/hotline.md, "API"): ``attach`` (multipart, checked as on the
order page, listed in the detail with a download address that serves only
those who see the order), ``escalation_note`` (the superior unit's note,
the detail's escalations) and ``close_direct`` with the knowledge entry or
service guide used — with the API's rules: 404 first, 400 naming the
field with nothing written, 403 for the policy, 409 for a stale version."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.hotline import knowledge as kb
from govhall.hotline import services as hotline
from govhall.hotline.knowledge_search import knowledge_index_forget
from govhall.hotline.models import (
    Escalation,
    MemberUnit,
    OrderType,
    UnitKind,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderEvent,
)
from govhall.org import services as org
from govhall.org.roles import Role
from govhall.test import PASSWORD, sample_pdf

from .conftest import MONDAY, new_order
from .test_attachments import png

pytestmark = pytest.mark.django_db

# The requests' clock: the Monday of the orders, an hour later (the suite also runs on other days).
NOW = MONDAY + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_index():
    knowledge_index_forget()
    yield
    knowledge_index_forget()


@pytest.fixture
def api():
    return APIClient()


def _url(order, act):
    return reverse(f"api_hotline_order_act_{act}", args=[order.number])


def _post(api, user, order, act, body=None, **kwargs):
    api.force_authenticate(user)
    return api.post(_url(order, act), body or {}, **({"format": "json"} | kwargs))


def _attach(api, user, order, *files, **more):
    api.force_authenticate(user)
    return api.post(_url(order, "attach"), {"file": list(files), **more}, format="multipart")


def _snapshot():
    return (
        list(WorkOrder.objects.order_by("pk").values_list("pk", "state", "version")),
        WorkOrderEvent.objects.count(),
        WorkOrderAttachment.objects.count(),
        list(Escalation.objects.order_by("pk").values_list("pk", "note")),
    )


def _dispatched(line, unit=None):
    return hotline.workorder_dispatch(
        actor=line.operator, order=new_order(line), main_unit=unit or line.unit_b, at=MONDAY
    )


# --- attach ---------------------------------------------------------------------------


def test_the_unit_attaches_files_and_the_order_lists_them_with_a_download_address(api, line, client):
    order = _dispatched(line)
    pdf = sample_pdf()
    response = _attach(
        api,
        line.handler_b,
        order,
        SimpleUploadedFile("现场.pdf", pdf),
        SimpleUploadedFile("照片.png", png()),
        version=order.version,
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    rows = data["attachments"]
    assert [(r["name"], r["content_type"], r["uploaded_by"]) for r in rows] == [
        ("现场.pdf", "application/pdf", "handler_b"),
        ("照片.png", "image/png", "handler_b"),
    ]
    assert rows[0]["size"] == len(pdf) and rows[0]["uploaded_at"]
    assert data["version"] == order.version + 2  # one event per file
    assert [e["action"] for e in data["events"]][-2:] == ["attach", "attach"]
    # The download address is the API's: a system signed in with a token reads the file,
    # as a browser session does; whoever does not see the order gets 404.
    assert rows[0]["url"] == reverse("api_hotline_order_file", args=[order.number, rows[0]["id"]])
    download = api.get(rows[0]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    assert "attachment" in download["Content-Disposition"]
    client.force_login(line.handler_b)
    assert client.get(rows[0]["url"]).status_code == 200
    client.force_login(line.handler_a)
    assert client.get(rows[0]["url"]).status_code == 404
    api.force_authenticate(line.handler_a)
    assert api.get(rows[0]["url"]).status_code == 404
    # The detail lists them too, for whoever reads the order.
    api.force_authenticate(line.operator)
    detail = api.get(reverse("api_hotline_order", args=[order.number])).json()
    assert [r["name"] for r in detail["attachments"]] == ["现场.pdf", "照片.png"]


@pytest.mark.parametrize(
    "files, more, field",
    [
        ([("x.exe", b"MZ...")], {}, "file"),  # not an accepted type
        ([("fake.pdf", b"<html><script>alert(1)</script></html>")], {}, "file"),
        ([("ok.pdf", None), ("bad.png", b"not a picture")], {}, "file"),  # one bad: none stored
        ([(f"{n}.pdf", None) for n in range(hotline.ATTACHMENTS_MAX + 1)], {}, "file"),
        ([("ok.pdf", None)], {"files": "x"}, "files"),  # an unknown field
    ],
)
def test_a_bad_file_is_400_naming_the_field_and_nothing_is_stored(api, line, files, more, field):
    order = _dispatched(line)
    before = _snapshot()
    uploads = [SimpleUploadedFile(name, sample_pdf() if content is None else content) for name, content in files]
    response = _attach(api, line.operator, order, *uploads, **more)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert _snapshot() == before


def test_no_file_a_closed_order_a_stale_version_and_another_unit(api, line):
    order = _dispatched(line)
    before = _snapshot()
    assert _post(api, line.operator, order, "attach").json()["field"] == "file"  # JSON, no file
    assert _attach(api, line.operator, order, SimpleUploadedFile("a.pdf", sample_pdf()),
                   version=order.version + 1).status_code == 409
    # Unit A does not see the order: 404 before the file is looked at; the office
    # sees it but the manager's role may not attach: 403.
    assert _attach(api, line.handler_a, order, SimpleUploadedFile("a.exe", b"MZ")).status_code == 404
    assert _attach(api, line.hall.applicant, order, SimpleUploadedFile("a.pdf", sample_pdf())).status_code == 404
    assert _attach(api, line.hall.manager, order, SimpleUploadedFile("a.pdf", sample_pdf())).status_code == 403
    closed = new_order(line)
    hotline.workorder_close_direct(actor=line.operator, order=closed, answer="已告知。", at=MONDAY)
    before = _snapshot()
    response = _attach(api, line.operator, closed, SimpleUploadedFile("a.pdf", sample_pdf()))
    assert (response.status_code, response.json()["field"]) == (400, "state")
    assert _snapshot() == before


# --- escalation_note ------------------------------------------------------------------


@pytest.fixture
def escalated(line):
    """Order dispatched to unit A, whose superior (水务局, handler ``boss``) it is escalated to."""
    boss = org.user_create(actor=SYSTEM, username="boss", password=PASSWORD, role=Role.MEMBER_UNIT_HANDLER,
                           full_name="水务局张科长", department=line.hall.dept_b)
    superior = hotline.member_unit_create(actor=SYSTEM, hotline_center=line.hall.district, code="U-S",
                                          name="水务局", kind=UnitKind.OTHER, members=[boss])
    MemberUnit.objects.filter(pk=line.unit_a.pk).update(superior=superior)
    order = _dispatched(line, unit=line.unit_a)
    escalation = hotline.workorder_escalate(assignment=order.assignments.get(), kind="sign",
                                            at=MONDAY + timedelta(minutes=30))
    order.refresh_from_db()
    return order, escalation, boss


def test_the_superior_writes_its_note_and_the_detail_lists_the_escalations(api, line, escalated):
    order, escalation, boss = escalated
    api.force_authenticate(line.handler_a)  # the late unit reads it: none yet
    [row] = api.get(reverse("api_hotline_order", args=[order.number])).json()["escalations"]
    assert (row["id"], row["kind"], row["unit"], row["superior"], row["note"], row["noted_by"]) == (
        escalation.pk, "sign", "U-A", "U-S", "", None)
    response = _post(api, boss, order, "escalation_note",
                     {"escalation": escalation.pk, "note": " 请今日内签收办理 ", "version": order.version})
    assert response.status_code == 200, response.json()
    [row] = response.json()["escalations"]
    assert (row["note"], row["noted_by"]) == ("请今日内签收办理", "水务局张科长") and row["noted_at"]
    assert response.json()["events"][-1]["action"] == "escalation_note"
    api.force_authenticate(line.handler_a)
    detail = api.get(reverse("api_hotline_order", args=[order.number])).json()
    assert detail["escalations"][0]["note"] == "请今日内签收办理"


def test_urging_notes_refused_name_the_field_or_the_policy_and_write_nothing(api, line, escalated):
    order, escalation, boss = escalated
    other = _dispatched(line, unit=line.water)  # the superior of unit A does not see the water company's
    before = _snapshot()
    for body, field in (
        ({"escalation": escalation.pk, "note": " "}, "note"),
        ({"note": "请尽快"}, "escalation"),
        ({"escalation": escalation.pk + 1000, "note": "请尽快"}, "escalation"),
        ({"escalation": escalation.pk, "note": "请尽快", "urgent": True}, "urgent"),
    ):
        response = _post(api, boss, order, "escalation_note", body)
        assert (response.status_code, response.json()["field"]) == (400, field), body
    good = {"escalation": escalation.pk, "note": "请尽快"}
    assert _post(api, line.handler_a, order, "escalation_note", good).status_code == 403  # the late unit
    assert _post(api, line.operator, order, "escalation_note", good).status_code == 403
    assert _post(api, boss, other, "escalation_note", good).status_code == 404
    assert _post(api, boss, order, "escalation_note", {**good, "version": order.version + 1}).status_code == 409
    assert _snapshot() == before
    assert _post(api, boss, order, "escalation_note", good).status_code == 200
    second = _post(api, boss, order, "escalation_note", {**good, "note": "再次督办"})
    assert (second.status_code, second.json()["field"]) == (400, "note")


# --- close_direct with its source -----------------------------------------------------


def _published(line, *, valid_until=None):
    version = kb.knowledge_create(actor=line.office, source_unit=line.water, question="小区停水怎么办？",
                                  answer="计划停水提前公告，抢修一般 8 小时内恢复。", keywords="停水",
                                  valid_from=MONDAY.date() - timedelta(days=30), valid_until=valid_until, at=MONDAY)
    kb.knowledge_submit(actor=line.office, version=version, at=MONDAY)
    kb.knowledge_review(actor=line.handler_water, version=version, approve=True, at=MONDAY)
    return kb.knowledge_publish(actor=line.office, version=version, at=MONDAY)


def test_a_direct_answer_names_the_knowledge_entry_or_the_service_guide(api, line, hall):
    version = _published(line)
    order = new_order(line, type=OrderType.CONSULT)
    response = _post(api, line.operator, order, "close_direct",
                     {"answer": "抢修一般 8 小时内恢复。", "knowledge": version.entry_id})
    assert response.status_code == 200, response.json()
    assert (response.json()["state"], response.json()["knowledge"], response.json()["guide"]) == (
        "closed", version.entry_id, None)
    assert response.json()["events"][-1]["data"]["knowledge"] == {
        "kind": "entry", "entry": version.entry_id, "version": 1, "id": version.pk}
    item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    order = new_order(line, type=OrderType.CONSULT)
    response = _post(api, line.operator, order, "close_direct", {"answer": "请带身份证。", "guide": item.code})
    assert response.status_code == 200, response.json()
    assert (response.json()["knowledge"], response.json()["guide"]) == (None, item.code)
    assert response.json()["events"][-1]["data"]["knowledge"]["kind"] == "guide"


def test_an_unknown_or_unusable_source_is_400_naming_the_field(api, line, hall):
    published = _published(line)
    expired = kb.knowledge_create(actor=line.office, source_unit=line.water, question="供水管爆了找谁？",
                                  answer="拨打抢修电话。", valid_from=MONDAY.date() - timedelta(days=60),
                                  valid_until=MONDAY.date() + timedelta(days=1), at=MONDAY - timedelta(days=40))
    kb.knowledge_submit(actor=line.office, version=expired, at=MONDAY - timedelta(days=40))
    kb.knowledge_review(actor=line.handler_water, version=expired, approve=True, at=MONDAY - timedelta(days=40))
    kb.knowledge_publish(actor=line.office, version=expired, at=MONDAY - timedelta(days=40))
    draft = kb.knowledge_create(actor=line.office, source_unit=line.water, question="水费怎么交？",
                                answer="网上缴纳。", at=MONDAY)
    order = new_order(line, type=OrderType.CONSULT)
    before = _snapshot()
    for body, field in (
        ({"knowledge": published.entry_id + 1000}, "knowledge"),  # no such entry
        ({"knowledge": draft.entry_id}, "knowledge"),  # never published
        ({"knowledge": "k1"}, "knowledge"),
        ({"guide": "NO-SUCH-ITEM"}, "guide"),
        ({"knowledge": published.entry_id, "guide": "NO-SUCH-ITEM"}, "guide"),
    ):
        response = _post(api, line.operator, order, "close_direct", {"answer": "已答复。", **body})
        assert (response.status_code, response.json()["field"]) == (400, field), body
    # Valid until tomorrow: used the day after tomorrow, it is out of force.
    with time_machine.travel(NOW + timedelta(days=2), tick=True):
        response = _post(api, line.operator, order, "close_direct",
                         {"answer": "已答复。", "knowledge": expired.entry_id})
    assert (response.status_code, response.json()["field"]) == (400, "knowledge")
    # A role that may not answer learns nothing of the entry: 403 first.
    response = _post(api, line.hall.manager, order, "close_direct",
                     {"answer": "已答复。", "knowledge": published.entry_id + 1000})
    assert response.status_code == 403
    assert _snapshot() == before


def test_the_schema_documents_the_new_acts(api, line):
    api.force_authenticate(line.operator)
    schema = api.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    attach = schema["paths"]["/api/hotline/orders/{number}/actions/attach/"]["post"]
    assert list(attach["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"200", "400", "403", "404", "409"} <= set(attach["responses"])
    assert "/api/hotline/orders/{number}/actions/escalation_note/" in schema["paths"]
    detail = schema["components"]["schemas"]["OrderDetail"]["properties"]
    assert {"attachments", "escalations", "knowledge", "guide"} <= set(detail)
    body = schema["components"]["schemas"]["OrderAnswerBody"]["properties"]
    assert {"answer", "knowledge", "guide"} <= set(body)
