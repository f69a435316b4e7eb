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
