"""The item's own application form (申请表字段), defined with the item: checked
when saved, kept by every new version, carried through Excel and JSON."""

import copy
import io
import json

import pytest
from openpyxl import load_workbook

from govhall.catalog.application_form import delivery_clean, delivery_offered, form_data_clean, form_data_rows
from govhall.catalog.exchange import (
    ImportRefused, catalog_export_json, catalog_export_xlsx, catalog_import_json, catalog_import_xlsx,
)
from govhall.catalog.models import Item
from govhall.catalog.services import SpecInvalid, item_create, item_draft_open
from govhall.catalog.tests.factories import FORM_ANSWERS, FORM_FIELDS, complete_spec
from govhall.catalog.tests.test_exchange import sheets, wipe_catalog
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError


@pytest.fixture
def item(hall):
    return item_create(actor=SYSTEM, spec=complete_spec("A", status="published", form_fields=FORM_FIELDS))


def test_a_published_version_keeps_its_form_and_a_new_draft_copies_it(item):
    assert item.current.form_fields == FORM_FIELDS
    assert item_draft_open(actor=SYSTEM, item=item).form_fields == FORM_FIELDS


def test_a_field_is_stored_with_every_key_and_only_the_bounds_of_its_kind(hall):
    item = item_create(actor=SYSTEM, spec=complete_spec("A", form_fields=[
        {"key": "name", "label": " 字号名称 ", "type": "text"},
        {"key": "scope", "label": "经营范围", "type": "textarea", "required": True, "max_length": 300},
        {"key": "kind", "label": "组成形式", "type": "choice", "options": [" 个人经营", "家庭经营"], "required": True},
    ]))
    assert item.versions.get().form_fields == [
        {"key": "name", "label": "字号名称", "type": "text", "required": False, "options": [], "max_length": None,
         "min": None, "max": None, "help": ""},
        {"key": "scope", "label": "经营范围", "type": "textarea", "required": True, "options": [], "max_length": 300,
         "min": None, "max": None, "help": ""},
        {"key": "kind", "label": "组成形式", "type": "choice", "required": True, "options": ["个人经营", "家庭经营"],
         "max_length": None, "min": None, "max": None, "help": ""},
    ]


def field(**changes) -> dict:
    return {**copy.deepcopy(FORM_FIELDS[0]), **changes}


BAD_DEFINITIONS = [
    ([field(key="Area")], "form_fields[0].key", "小写英文字母开头"),
    ([field(key="")], "form_fields[0].key", "不能为空"),
    ([field(), field(label="面积")], "form_fields[1].key", "重复"),
    ([field(label="")], "form_fields[0].label", "不能为空"),
    ([field(type="photo")], "form_fields[0].type", "无效"),
    ([field(type="choice", options=["只有一个"], min=None, max=None)], "form_fields[0].options", "2 至 30 个选项"),
    ([field(options=["大", "小"])], "form_fields[0].options", "只有单选字段"),
    ([field(type="choice", options=["甲、乙", "丙"], min=None, max=None)], "form_fields[0].options[0]", "顿号"),
    ([field(max_length=20)], "form_fields[0].max_length", "只有文本字段"),
    ([field(type="text", min=None)], "form_fields[0].max", "只有数字字段"),
    ([field(min=10, max=5)], "form_fields[0].max", "最大值不能小于最小值"),
    ([field(min="十")], "form_fields[0].min", "应为数字"),
    ([field(required="yes")], "form_fields[0].required", "是或否"),
    ([field(colour="red")], "form_fields[0].colour", "未知字段"),
    (["面积"], "form_fields[0]", "应为对象"),
    ([field(key=f"f{i}") for i in range(31)], "form_fields", "最多 30 个字段"),
]


@pytest.mark.parametrize("fields, path, message", BAD_DEFINITIONS, ids=[p for _f, p, _m in BAD_DEFINITIONS])
def test_a_bad_field_definition_is_refused_where_it_is(hall, fields, path, message):
    with pytest.raises(SpecInvalid) as refused:
        item_create(actor=SYSTEM, spec=complete_spec("A", form_fields=fields))
    assert any(e.path == path and message in e.message for e in refused.value.errors), refused.value.errors
    assert not Item.objects.exists()


def test_the_form_survives_the_json_and_excel_round_trip(item):
    data = catalog_export_json()
    wipe_catalog()
    catalog_import_json(actor=SYSTEM, data=data)
    assert Item.objects.get().current.form_fields == FORM_FIELDS and catalog_export_json() == data
    workbook = catalog_export_xlsx()
    wipe_catalog()
    catalog_import_xlsx(actor=SYSTEM, data=workbook)
    assert Item.objects.get().current.form_fields == FORM_FIELDS and sheets(catalog_export_xlsx()) == sheets(workbook)


def test_the_excel_sheet_lists_one_field_a_row_with_chinese_labels(item):
    workbook = load_workbook(io.BytesIO(catalog_export_xlsx()))
    rows = [list(r) for r in workbook["申请表字段"].iter_rows(values_only=True)]
    assert rows[0] == ["实施编码", "字段标识", "字段名称", "字段类型", "必填", "选项", "最多字数", "最小值", "最大值", "填写说明"]
    assert rows[2] == [item.code, "project", "经营项目", "单选", "是",
                       "预包装食品销售、散装食品销售、热食类食品制售、冷食类食品制售", None, None, None, None]


def test_bad_form_rows_of_a_workbook_are_refused_cell_by_cell(item):
    workbook = load_workbook(io.BytesIO(catalog_export_xlsx()))
    sheet = workbook["申请表字段"]
    sheet["D2"] = "照片"      # 字段类型: not a kind
    sheet["H2"] = "很大"      # 最小值: not a number
    sheet["C3"] = None        # 字段名称 of the second field: empty
    sheet["F4"] = "多"        # 选项 on a number field
    stream = io.BytesIO()
    workbook.save(stream)
    wipe_catalog()
    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=stream.getvalue())
    located = dict(refused.value.errors)
    assert "“照片”不是可选值" in located["申请表字段!2 字段类型"]
    assert "不是数字" in located["申请表字段!2 最小值"]
    assert "不能为空" in located["申请表字段!3 字段名称"]
    assert "只有单选字段" in located["申请表字段!4 选项"]
    assert not Item.objects.exists()


def test_a_bad_field_in_json_is_named_with_its_item(item):
    data = json.loads(catalog_export_json())
    data["items"][0]["form_fields"][1]["options"] = ["热食类"]
    wipe_catalog()
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert refused.value.errors[0][0] == "items[0].form_fields[1].options"


def test_a_workbook_made_before_form_fields_still_imports(item):
    workbook = load_workbook(io.BytesIO(catalog_export_xlsx()))
    del workbook["申请表字段"]
    stream = io.BytesIO()
    workbook.save(stream)
    wipe_catalog()
    catalog_import_xlsx(actor=SYSTEM, data=stream.getvalue())
    assert Item.objects.get().current.form_fields == []


class Version:
    """What the answer checks read of a version."""

    form_fields = FORM_FIELDS
    delivery_methods = ["window", "mail"]


def test_answers_are_normalized_and_printed_in_the_forms_order():
    cleaned = form_data_clean(Version, {"pledge": True, "area": "120", "project": "散装食品销售", "opening": "2026-05-04"})
    assert cleaned == {"area": 120, "project": "散装食品销售", "opening": "2026-05-04", "pledge": True}
    assert form_data_rows(Version, cleaned) == [("经营场所面积（平方米）", "120"), ("经营项目", "散装食品销售"),
                                                ("拟开业日期", "2026年5月4日"), ("承诺所填信息真实有效", "是")]
    assert form_data_clean(Version, FORM_ANSWERS)["area"] == 85.5


def test_a_required_answer_is_required_whatever_the_channel_sends():
    for data in (None, {}, {"area": "  "}):
        with pytest.raises(DomainError) as refused:
            form_data_clean(Version, data)
        assert refused.value.field == "form.area"


def test_delivery_by_mail_needs_an_address_and_only_offered_methods_are_taken():
    offered = delivery_offered(Version)
    assert delivery_clean(offered, "mail", " 建设路 8 号 ") == ("mail", "建设路 8 号")
    assert delivery_clean(offered, "window", "建设路 8 号") == ("window", "")
    assert delivery_clean(offered, "", "") == ("", "")
    for method, address, name in (("mail", "", "delivery_address"), ("electronic", "", "delivery_method"),
                                  (["mail"], "", "delivery_method"), ("mail", "x" * 201, "delivery_address"),
                                  ("mail", "建设路\x00", "delivery_address")):
        with pytest.raises(DomainError) as refused:
            delivery_clean(offered, method, address)
        assert refused.value.field == name


def test_several_items_offer_the_methods_each_of_them_offers():
    """A joint case's results are delivered together: only what every item offers."""
    class Electronic:
        delivery_methods = ["electronic", "window"]

    assert delivery_offered(Version) == ["window", "mail"]
    assert delivery_offered(Version, Electronic) == ["window"]


def test_the_demo_asks_real_questions_for_its_online_items():
    from govhall.catalog.spec import spec_clean
    from govhall.demo.catalog import complete_specs

    with_questions = [spec for spec in complete_specs() if spec["online"] and spec["form_fields"]]
    asking = [spec for spec in with_questions if any(f["required"] for f in spec["form_fields"])]
    assert len(asking) >= 3
    for spec in with_questions:
        cleaned, errors = spec_clean(spec, department_codes={spec["department"]} | {
            s["department"] for s in spec["steps"] if s["department"]})
        assert errors == [] and cleaned["form_fields"] == spec["form_fields"], spec["name"]
