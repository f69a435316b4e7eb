"""The item's own application form in the workbench: defined in the item
editor, asked at the window receipt, shown on the case page."""

import pytest
from django.urls import reverse

from govhall.cases.models import Case
from govhall.cases.tests.conftest import desk, form_desk  # noqa: F401  (fixtures)
from govhall.catalog.models import Item
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.test import form_as_posted


@pytest.fixture
def item(hall):
    return item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))


def test_a_manager_adds_questions_to_the_form_in_the_editor(client, hall, item):
    client.force_login(hall.manager)
    url = reverse("catalog_edit", args=[item.pk])
    posted = form_as_posted(client.get(url).content.decode(), "editor")
    assert posted["form_fields-TOTAL_FORMS"] == ["1"]  # the blank row to start from
    posted.update({"form_fields-0-key": ["project"], "form_fields-0-label": ["经营项目"], "form_fields-0-type": ["choice"],
                   "form_fields-0-required": ["on"], "form_fields-0-options": ["热食类食品制售、冷食类食品制售，预包装食品销售"]})
    answer = client.post(url, posted)
    assert answer.status_code == 302
    draft = Item.objects.get().versions.order_by("-number").first()
    assert draft.form_fields == [{"key": "project", "label": "经营项目", "type": "choice", "required": True,
                                  "options": ["热食类食品制售", "冷食类食品制售", "预包装食品销售"], "max_length": None,
                                  "min": None, "max": None, "help": ""}]
    again = form_as_posted(client.get(url).content.decode(), "editor")
    assert again["form_fields-0-options"] == ["热食类食品制售、冷食类食品制售、预包装食品销售"]
    assert again["form_fields-TOTAL_FORMS"] == ["2"]


def test_a_bad_question_shows_on_its_row(client, hall, item):
    client.force_login(hall.manager)
    url = reverse("catalog_edit", args=[item.pk])
    posted = form_as_posted(client.get(url).content.decode(), "editor")
    posted.update({"form_fields-0-key": ["Area"], "form_fields-0-label": ["面积"], "form_fields-0-type": ["text"],
                   "form_fields-0-min": ["5"]})
    answer = client.post(url, posted)
    assert answer.status_code == 400 and item.versions.count() == 1
    row = answer.context["formsets"]["form_fields"].forms[0]
    assert "小写英文字母开头" in row.errors["key"][0] and "只有数字字段" in row.errors["min"][0]



def test_the_window_receipt_asks_the_questions_and_the_case_page_shows_the_answers(client, form_desk):
    client.force_login(form_desk.clerk)
    url = reverse("case_receive", args=[form_desk.item.code])
    posted = form_as_posted(client.get(url).content.decode(), "stack")
    posted.update({"applicant_name": ["张三"], "applicant_id_number": ["110101199003070011"],
                   "applicant_phone": ["13912345678"], "checked": ["1"],
                   "form-area": ["85.5"], "form-project": ["热食类食品制售"], "form-pledge": ["on"],
                   "delivery_method": ["electronic"]})
    refused = client.post(url, {**posted, "form-project": ["夜宵"]})
    assert refused.status_code == 400 and "form-project" in refused.context["answers"].errors
    assert not Case.objects.exists()
    answer = client.post(url, posted)
    assert answer.status_code == 302
    case = Case.objects.get()
    assert case.state == "accepted" and case.form_data == {"area": 85.5, "project": "热食类食品制售", "pledge": True}
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    for part in ["经营场所面积（平方米）", "85.5", "热食类食品制售", "承诺所填信息真实有效", "电子送达"]:
        assert part in page, part
