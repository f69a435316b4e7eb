"""Import and export (JSON and Excel): all or nothing, exact round trip."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from govhall.catalog.exchange import (
    ImportRefused, catalog_export_json, catalog_export_xlsx, catalog_import_json, catalog_import_xlsx,
)
from govhall.catalog.models import FeeLine, Item, ItemVersion, Theme, ThemeItem
from govhall.catalog.services import item_create, theme_create
from govhall.catalog.tests.factories import FORM_FIELDS, complete_spec
from govhall.core.actors import SYSTEM


@pytest.fixture
def catalog(hall):
    theme_create(actor=SYSTEM, code="canyin", name="开餐馆", kind="theme")
    theme_create(actor=SYSTEM, code="jiuye", name="就业创业", kind="life_event", order=2)
    item_create(actor=SYSTEM, spec=complete_spec("A", status="published", themes=["canyin", "jiuye"],
                                                 form_fields=FORM_FIELDS))
    item_create(actor=SYSTEM, spec=complete_spec(
        "B", code="B-2", name="城镇污水排入排水管网许可", no_fee=False, themes=["canyin"],
        fees=[{"name": "检测费", "amount": "", "rule": "按检测项目计", "basis": "某价费文件"}]))
    item_create(actor=SYSTEM, spec=complete_spec("A", code="A-3", name="草稿事项", statutory_days=None, promised_days=None))
    return hall


def wipe_catalog():
    ThemeItem.objects.all().delete()
    Item.objects.update(current=None)
    FeeLine.objects.all().delete()
    ItemVersion.objects.all().delete()
    Item.objects.all().delete()
    Theme.objects.all().delete()


def sheets(data: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook}


def test_json_round_trip_is_exact(catalog):
    first = catalog_export_json()
    wipe_catalog()
    counts = catalog_import_json(actor=SYSTEM, data=first)
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "published": 1}
    assert catalog_export_json() == first


def test_excel_round_trip_is_exact(catalog):
    first = catalog_export_xlsx()
    content = sheets(first)
    assert content["事项"][0][:3] == ["实施编码", "基本编码", "事项名称"]
    assert {"事项", "设定依据", "申请材料", "收费项目", "办理环节", "申请表字段", "主题", "并联审批主题"} == set(content)
    wipe_catalog()
    catalog_import_xlsx(actor=SYSTEM, data=first)
    assert sheets(catalog_export_xlsx()) == content


def test_importing_again_makes_new_versions_not_duplicates(catalog):
    data = json.loads(catalog_export_json())
    data["items"][0]["promised_days"] = 9
    data["items"][0]["steps"][1]["days"] = 5
    counts = catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 1, 2)
    item = Item.objects.get(code=data["items"][0]["code"])
    assert item.current.promised_days == 9 and item.current.number == 2
    versions = ItemVersion.objects.count()
    again = catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert (again["updated"], again["unchanged"], again["published"]) == (0, 3, 0)
    assert ItemVersion.objects.count() == versions


def bad_workbook(good: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(good))
    items = workbook["事项"]
    header = [c.value for c in items[1]]
    items.cell(2, header.index("事项类型") + 1, "许可证")          # not a type
    items.cell(4, header.index("承诺时限（工作日）") + 1, 99)       # > statutory (20)
    items.cell(3, header.index("即办件") + 1, "也许")                # not 是/否
    materials = workbook["申请材料"]
    materials.cell(2, 2).value = None                               # empty material name
    materials.append(["NO-SUCH-ITEM", "某材料", "是"])               # unknown item code
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_a_bad_workbook_is_refused_whole_with_every_error_located(catalog):
    bad = bad_workbook(catalog_export_xlsx())
    wipe_catalog()
    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=bad)
    located = dict(refused.value.errors)
    assert "“许可证”不是可选值" in located["事项!2 事项类型"]
    assert "承诺时限不得超过法定时限" in located["事项!4 承诺时限（工作日）"]
    assert "应填“是”或“否”" in located["事项!3 即办件"]
    assert "不能为空" in located["申请材料!2 材料名称"]
    assert any(where.startswith("申请材料!") and "NO-SUCH-ITEM" in reason for where, reason in refused.value.errors)
    assert not Item.objects.exists() and not Theme.objects.exists()


def test_a_missing_sheet_or_column_is_named(hall):
    workbook_bytes = io.BytesIO()
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "事项"
    workbook.active.append(["实施编码", "事项名称"])
    workbook.save(workbook_bytes)
    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=workbook_bytes.getvalue())
    reasons = " ".join(r for _, r in refused.value.errors)
    assert "缺少列“基本编码”" in reasons and "缺少工作表“申请材料”" in reasons


def test_garbage_files_are_refused_clearly(hall):
    with pytest.raises(ImportRefused, match="error"):
        catalog_import_xlsx(actor=SYSTEM, data=b"not a zip")
    with pytest.raises(ImportRefused):
        catalog_import_json(actor=SYSTEM, data=b"{")
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps({"schema_version": 1, "items": [{"code": "x"}]}).encode())
    assert ("items[0].name", "不能为空。") in refused.value.errors


def test_the_command_exports_and_imports_by_suffix(catalog, tmp_path):
    path = tmp_path / "catalog.xlsx"
    call_command("catalog", "export", str(path))
    wipe_catalog()
    out = io.StringIO()
    call_command("catalog", "import", str(path), stdout=out)
    assert "3 created" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bad_workbook(path.read_bytes()))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("catalog", "import", str(bad), stderr=err)
    assert "事项!2 事项类型" in err.getvalue()
    with pytest.raises(CommandError, match=".xlsx or .json"):
        call_command("catalog", "export", str(tmp_path / "catalog.csv"))
