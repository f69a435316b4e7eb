"""The knowledge screens and API: suggestions while typing, picking one,
the direct close that records it, the list and review pages, the API."""

from datetime import timedelta

import pytest
import time_machine

from govhall.hotline.models import KnowledgeState, OrderState, OrderType, WorkOrder

from .conftest import MONDAY
from .test_knowledge import _fresh_index, publish  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=True):
        yield


def test_the_operator_types_picks_a_suggestion_and_closes_with_it(line, client):
    version = publish(line)
    client.force_login(line.operator)
    page = client.get("/workbench/hotline/intake/knowledge/", {"content": "我家这两天没水了"}).content.decode()
    assert version.question in page and "自来水公司" in page and f"k{version.pk}" in page
    picked = client.get("/workbench/hotline/intake/knowledge/pick/", {"key": f"k{version.pk}"}).content.decode()
    assert version.answer in picked and f'value="k{version.pk}"' in picked
    response = client.post("/workbench/hotline/intake/", {
        "caller_phone": "13912345678", "type": OrderType.CONSULT, "content": "我家这两天没水了", "urgency": "normal",
        "answer": version.answer, "knowledge": f"k{version.pk}", "step": "close_direct"})
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.state, order.knowledge_id) == (OrderState.CLOSED, version.pk)
    detail = client.get(f"/workbench/hotline/{order.number}/").content.decode()
    assert "答复依据" in detail and version.question in detail


def test_a_bad_knowledge_key_is_a_form_error_and_registers_nothing(line, client):
    client.force_login(line.operator)
    response = client.post("/workbench/hotline/intake/", {
        "caller_phone": "13912345678", "type": OrderType.CONSULT, "content": "没水", "urgency": "normal",
        "answer": "答复", "knowledge": "k999999", "step": "close_direct"})
    assert response.status_code == 400 and "所选知识不存在" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_list_review_and_publish_pages(line, client):
    client.force_login(line.office)
    response = client.post("/workbench/hotline/knowledge/new/", {
        "source_unit": line.water.pk, "question": "水费怎么交？", "answer": "微信公众号缴纳。", "keywords": "水费"})
    assert response.status_code == 302
    entry = line.water.knowledge_entries.get()
    version = entry.versions.get()
    client.post(f"/workbench/hotline/knowledge/{entry.pk}/submit/", {"version": version.pk})
    # The wrong unit's handler may not see it; the office may not review it.
    assert client.post(f"/workbench/hotline/knowledge/{entry.pk}/review/",
                       {"version": version.pk, "approve": "1"}).status_code == 403
    client.force_login(line.handler_a)
    assert client.get(f"/workbench/hotline/knowledge/{entry.pk}/").status_code == 404
    client.force_login(line.handler_water)
    assert "审核通过" in client.get(f"/workbench/hotline/knowledge/{entry.pk}/").content.decode()
    client.post(f"/workbench/hotline/knowledge/{entry.pk}/review/", {"version": version.pk, "approve": "1"})
    client.force_login(line.office)
    client.post(f"/workbench/hotline/knowledge/{entry.pk}/publish/", {"version": version.pk})
    version.refresh_from_db()
    assert version.state == KnowledgeState.PUBLISHED
    assert "水费怎么交" in client.get("/workbench/hotline/knowledge/").content.decode()


def test_the_office_screen_warns_of_entries_ending_soon(line, client):
    publish(line, "计划停电在哪里查？", "网上国网。", valid_until=MONDAY.date() + timedelta(days=5))
    client.force_login(line.office)
    assert "计划停电在哪里查" in client.get("/workbench/hotline/").content.decode()


def test_the_api_searches_for_the_hotline_roles_only(line, client, hall):
    version = publish(line)
    client.force_login(line.operator)
    answer = client.get("/api/hotline/knowledge/", {"q": "家里没水了"})
    assert answer.status_code == 200 and answer.json()[0]["key"] == f"k{version.pk}"
    assert client.get("/api/hotline/knowledge/", {"q": ""}).json()["field"] == "q"
    assert client.get("/api/hotline/knowledge/", {"q": "没水", "limit": "x"}).status_code == 400
    client.force_login(hall.clerk)
    assert client.get("/api/hotline/knowledge/", {"q": "没水"}).status_code == 403
    client.logout()
    assert client.get("/api/hotline/knowledge/", {"q": "没水"}).status_code in (401, 403)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/hotline/knowledge/" in schema
