"""The item's own form through the API: the item answers its fields, a
receipt or draft carries the answers and the delivery, a bad answer is a 400
naming the field and no case."""

import pytest
from django.urls import reverse

from govhall.api.tests.test_cases_api import api, receive  # noqa: F401  (fixture)
from govhall.cases.models import Case
from govhall.cases.tests.conftest import desk, form_desk  # noqa: F401  (fixtures)
from govhall.catalog.tests.factories import FORM_ANSWERS, FORM_FIELDS


def test_the_published_item_lists_its_form_fields(api, form_desk):
    answer = api.get(reverse("api_item", args=[form_desk.item.code]))
    assert answer.status_code == 200 and answer.json()["form_fields"] == FORM_FIELDS


def test_a_receipt_carries_the_answers_and_the_delivery(api, form_desk):
    api.force_authenticate(form_desk.clerk)
    answer = receive(api, form_desk, form_data=FORM_ANSWERS, delivery_method="mail", delivery_address="建设路 8 号 张三")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["form_data"] == FORM_ANSWERS and body["delivery_method"] == "mail"
    assert body["delivery_address"] == "建设路 8 号 张三"
    assert receive(api, form_desk, form_data=FORM_ANSWERS, delivery_method="mail",
                   delivery_address="建设路 8 号 张三").status_code == 200  # the same request again: the same case


@pytest.mark.parametrize("changes, field", [
    ({"form_data": {**FORM_ANSWERS, "area": None}}, "form.area"),
    ({"form_data": {**FORM_ANSWERS, "area": "很大"}}, "form.area"),
    ({"form_data": {**FORM_ANSWERS, "project": "夜宵烧烤"}}, "form.project"),
    ({"form_data": {**FORM_ANSWERS, "secret": 1}}, "form.secret"),
    ({"form_data": FORM_ANSWERS, "delivery_method": "mail"}, "delivery_address"),
    ({"form_data": FORM_ANSWERS, "delivery_method": "pigeon"}, "delivery_method"),
    ({"form_data": "热食类"}, "form_data"),
])
def test_a_bad_answer_is_a_400_naming_the_field_and_no_case(api, form_desk, changes, field):
    api.force_authenticate(form_desk.clerk)
    answer = receive(api, form_desk, **changes)
    assert answer.status_code == 400 and answer.json()["field"] == field, answer.json()
    assert not Case.objects.exists()


def test_an_applicant_s_draft_carries_the_answers(api, form_desk):
    api.force_authenticate(form_desk.applicant)
    answer = receive(api, form_desk, draft=True, form_data=FORM_ANSWERS, delivery_method="electronic")
    assert answer.status_code == 201 and answer.json()["state"] == "draft"
    assert Case.objects.get().form_data == FORM_ANSWERS
