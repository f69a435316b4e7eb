"""The catalog API: public reads, staff writes, errors with their fields."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def published(hall):
    return item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))


def test_anyone_reads_published_items_and_searches_them(api, published):
    listing = api.get(reverse("api_items")).json()
    assert listing["count"] == 1 and listing["results"][0]["code"] == published.code
    assert api.get(reverse("api_items"), {"q": "开饭店"}).json()["count"] == 1
    assert api.get(reverse("api_items"), {"department": "B"}).json()["count"] == 0
    detail = api.get(reverse("api_item", args=[published.code])).json()
    assert detail["promised_days"] == 10 and detail["materials"][1]["source"] == "elicence"


def test_unpublished_items_are_not_public(api, hall):
    item = item_create(actor=SYSTEM, spec=complete_spec("A"))
    answer = api.get(reverse("api_item", args=[item.code]))
    assert answer.status_code == 404 and answer.json()["detail"]


def test_staff_create_edit_and_publish_through_the_api(api, hall):
    token = Token.objects.create(user=hall.head)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    created = api.post(reverse("api_manage_items"), complete_spec("A", consult_phone=""), format="json")
    assert created.status_code == 201
    assert created.json()["missing"] == ["咨询电话"]
    code = created.json()["spec"]["code"]
    refused = api.post(reverse("api_manage_publish", args=[code]))
    assert refused.status_code == 400 and "咨询电话" in refused.json()["detail"]
    updated = api.put(reverse("api_manage_item", args=[code]), complete_spec("A"), format="json")
    assert updated.status_code == 200 and updated.json()["missing"] == []
    published = api.post(reverse("api_manage_publish", args=[code]))
    assert published.status_code == 200 and published.json()["status"] == "published"
    # Editing now opens version 2; version 1 stays public until it is published.
    second = api.put(reverse("api_manage_item", args=[code]), complete_spec("A", promised_days=8,
                     steps=[{"name": "受理", "role": "clerk", "days": 8}]), format="json")
    assert second.json()["version"] == 2
    assert api.get(reverse("api_item", args=[code])).json()["promised_days"] == 10


def test_bad_input_gets_400_naming_every_field(api, hall):
    api.force_authenticate(hall.head)
    answer = api.post(reverse("api_manage_items"), complete_spec("A", promised_days=30, item_type="x"), format="json")
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"promised_days", "item_type"} <= fields
    assert api.post(reverse("api_manage_items"), ["not", "an", "object"], format="json").status_code == 400


def test_staff_of_another_department_cannot_write(api, hall, published):
    api.force_authenticate(hall.clerk_b)
    assert api.post(reverse("api_manage_items"), complete_spec("A", code="A-9"), format="json").status_code == 403
    assert api.get(reverse("api_manage_item", args=[published.code])).status_code == 404
    api.force_authenticate(None)
    assert api.post(reverse("api_manage_items"), complete_spec("A", code="A-9"), format="json").status_code in {401, 403}


def test_the_schema_and_its_docs_are_served(client, db):
    schema = client.get(reverse("api_schema"))
    assert schema.status_code == 200 and b"/api/catalog/items/" in schema.content
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn.jsdelivr" not in docs.content  # served locally


@pytest.mark.parametrize("changes, field", [
    ({"promised_days": "10"}, "promised_days"),  # a string where a number is expected
    ({"promised_days": True}, "promised_days"),  # a boolean is not a number
    ({"name": "食" * 201}, "name"),  # longer than its column
    ({"consult_phone": "0" * 41}, "consult_phone"),
    ({"materials": [{"name": "申请书", "copies": True}]}, "materials[0].copies"),
    ({"no_fee": False, "fees": [{"name": "工本费", "amount": "1e15", "basis": "文件"}]}, "fees[0].amount"),
    ({"no_fee": False, "fees": [{"name": "工本费", "amount": "9999999999.999", "basis": "文件"}]}, "fees[0].amount"),
])
def test_bad_elements_are_400_naming_them(api, hall, changes, field):
    api.force_authenticate(hall.head)
    answer = api.post(reverse("api_manage_items"), complete_spec("A", **changes), format="json")
    assert answer.status_code == 400 and field in {e["field"] for e in answer.json()["errors"]}
    assert answer.json()["field"] == field.split("[")[0]


def test_the_largest_fee_the_column_holds_is_accepted(api, hall):
    api.force_authenticate(hall.head)
    spec = complete_spec("A", no_fee=False, fees=[{"name": "工本费", "amount": "9999999999.99", "basis": "文件"}])
    answer = api.post(reverse("api_manage_items"), spec, format="json")
    assert answer.status_code == 201 and answer.json()["spec"]["fees"][0]["amount"] == "9999999999.99"


def test_an_edit_note_longer_than_its_column_is_refused(api, hall, published):
    api.force_authenticate(hall.head)
    answer = api.put(reverse("api_manage_item", args=[published.code]) + "?note=" + "改" * 301,
                     complete_spec("A"), format="json")
    assert answer.status_code == 400 and answer.json()["field"] == "note"
    assert published.versions.count() == 1


def test_an_item_is_sent_as_json(api, hall):
    api.force_authenticate(hall.head)
    answer = api.post(reverse("api_manage_items"), {"code": "A-1"})  # a form body
    assert answer.status_code == 415 and answer.json()["field"] is None


@pytest.mark.parametrize("query, field", [
    ({"item_type": "unknown"}, "item_type"),
    ({"q": "施" * 101}, "q"),
    ({"department": "A\x00"}, "department"),
])
def test_bad_search_parameters_are_400_naming_them(api, published, query, field):
    answer = api.get(reverse("api_items"), query)
    assert answer.status_code == 400 and answer.json()["field"] == field


@pytest.mark.parametrize("url", [
    "/api/catalog/items/A%00/", "/api/catalog/themes/T%00/", "/api/catalog/manage/items/A%00/",
    "/api/catalog/items/" + "X" * 81 + "/",
])
def test_codes_no_row_can_have_are_not_found(api, hall, url):
    # PostgreSQL refuses a NUL even in a query: it must not reach the database.
    api.force_authenticate(hall.head)
    answer = api.get(url)
    assert answer.status_code == 404 and answer.json()["field"] is None


def test_an_unknown_theme_is_a_404_in_chinese(api, db):
    answer = api.get(reverse("api_theme", args=["none"]))
    assert answer.status_code == 404 and answer.json() == {"detail": "没有该主题。", "field": None}
