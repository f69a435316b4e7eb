"""The public portal: browse, search, read a guide, download a form."""

import pytest
from django.urls import reverse

from govhall.catalog.models import Material
from govhall.catalog.services import item_create, item_draft_open, item_publish, material_attach_form, theme_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.demo.forms import material_form_xlsx


@pytest.fixture
def published(hall):
    theme_create(actor=SYSTEM, code="canyin", name="开餐馆", kind="theme", description="开小餐馆要办的事")
    item = item_create(actor=SYSTEM, spec=complete_spec("A", themes=["canyin"]))
    draft = item.versions.get()
    material = draft.materials.get(order=1)
    material_attach_form(actor=SYSTEM, material=material, kind="template", filename="申请书.xlsx",
                         content=material_form_xlsx(item_name=draft.name, material_name=material.name, sample=False))
    item_publish(actor=SYSTEM, version=draft)
    item_create(actor=SYSTEM, spec=complete_spec("B", code="B-1", name="城镇污水排入排水管网许可"))  # a draft only
    return item


def test_home_offers_search_themes_and_departments_without_login(client, published):
    text = client.get(reverse("portal_home")).content.decode()
    assert "我要办事" in text and "开餐馆" in text
    assert "审批局（1）" in text
    assert "住建局" not in text  # its only item is unpublished


def test_search_finds_published_items_by_partial_and_colloquial_words(client, published):
    for query in ["食品经营", "经营许可", "开饭店"]:
        text = client.get(reverse("portal_search"), {"q": query}).content.decode()
        assert "食品经营许可（仅销售预包装食品除外）" in text, query
    text = client.get(reverse("portal_search"), {"q": "排水"}).content.decode()
    assert "城镇污水排入排水管网许可" not in text  # drafts never reach the portal
    assert "没有找到相关事项" in text


def test_the_guide_shows_every_element(client, published):
    text = client.get(reverse("portal_item", args=[published.code])).content.decode()
    for element in ["中华人民共和国食品安全法", "第三十五条", "受理条件", "20 个工作日", "10 个工作日", "食品经营许可证",
                    "营业执照", "免提交", "委托他人办理的", "受理", "审查", "决定", "不收费", "0826-2000001",
                    "0826-12345", "15号窗口", "第 1 版"]:
        assert element in text, element


def test_an_unpublished_item_has_no_public_guide(client, published):
    assert client.get(reverse("portal_item", args=["B-1"])).status_code == 404


def test_the_blank_form_downloads(client, published):
    answer = client.get(reverse("portal_material_file", args=[published.code, 1, "template"]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).startswith(b"PK")
    assert "attachment" in answer["Content-Disposition"]
    assert client.get(reverse("portal_material_file", args=[published.code, 2, "template"])).status_code == 404
    assert client.get(reverse("portal_material_file", args=[published.code, 1, "secret"])).status_code == 404


def test_a_new_version_keeps_its_forms_and_the_portal_shows_it(client, published, hall):
    draft = item_draft_open(actor=hall.head, item=published)
    assert draft.materials.get(order=1).template
    draft.name = "食品经营许可（新版）"
    draft.save()
    item_publish(actor=hall.head, version=draft)
    text = client.get(reverse("portal_item", args=[published.code])).content.decode()
    assert "食品经营许可（新版）" in text and "第 2 版" in text
    assert client.get(reverse("portal_material_file", args=[published.code, 1, "template"])).status_code == 200


def test_theme_and_department_pages_list_published_items(client, published):
    assert "食品经营许可" in client.get(reverse("portal_theme", args=["canyin"])).content.decode()
    assert "食品经营许可" in client.get(reverse("portal_department", args=["A"])).content.decode()
    assert client.get(reverse("portal_theme", args=["nope"])).status_code == 404
