"""Joint-approval themes in the catalog's files (docs/catalog-format.md):
exported with the catalog, imported after its items through the joint
services, every bad cell located, nothing half-written."""

import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from govhall.catalog.exchange import (
    ImportRefused,
    catalog_export_json,
    catalog_export_xlsx,
    catalog_import_json,
    catalog_import_xlsx,
)
from govhall.catalog.models import Item
from govhall.catalog.tests.test_exchange import sheets, wipe_catalog
from govhall.core.actors import SYSTEM
from govhall.core.models import AuditEvent
from govhall.joint.models import Theme, ThemeStatus
from govhall.joint.services import configured_stages, theme_revise

SHEET = "并联审批主题"


def wipe_all():
    """A fresh database state: no joint theme, no catalog item (the same
    centers and departments)."""
    Theme.objects.all().delete()
    wipe_catalog()


def stages_by_code() -> dict:
    return {t.code: (t.name, t.center.code, t.whole_days, t.status, t.version, configured_stages(t))
            for t in Theme.objects.exclude(status=ThemeStatus.SUPERSEDED).select_related("center")}


def workbook_with(data: bytes, change) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    change(workbook[SHEET], [c.value for c in workbook[SHEET][1]])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def row_of(sheet, header, stage_name: str) -> int:
    column = header.index("阶段名称") + 1
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, column).value == stage_name)


def test_json_round_trip_recreates_both_themes_through_the_services(joint_hall):
    before = stages_by_code()
    first = catalog_export_json()
    themes = {t["code"]: t for t in json.loads(first)["joint_themes"]}
    assert themes["startup"]["stages"] == [{
        "name": "企业开办", "lead_department": "D", "stage_days": None, "depends_on": [],
        "items": [joint_hall.items[k].code for k in ("licence", "seal", "tax", "insurance")]}]
    assert [s["depends_on"] for s in themes["construction"]["stages"]] == [[], ["立项用地规划"], ["工程建设许可"], ["施工许可"]]
    wipe_all()
    counts = catalog_import_json(actor=SYSTEM, data=first)
    assert counts["joint_themes"] == {"created": 2, "updated": 0, "unchanged": 0, "published": 2}
    assert stages_by_code() == before
    assert catalog_export_json() == first
    assert AuditEvent.objects.filter(action="joint_theme_configure").count() == 4  # the hall's two, the import's two


def test_excel_round_trip_one_row_per_stage(joint_hall):
    before = stages_by_code()
    first = catalog_export_xlsx()
    content = sheets(first)
    rows = content[SHEET]
    assert rows[0] == ["主题编码", "主题名称", "中心编码", "整体时限（工作日）", "状态", "说明",
                       "阶段序号", "阶段名称", "牵头部门编码", "阶段时限（工作日）", "前置阶段", "事项编码"]
    assert rows[1][:9] == ["construction", "工程建设项目审批", "D1", 45, "已发布", None, 1, "立项用地规划", "C"]
    assert rows[2][10] == "立项用地规划" and len(rows) == 1 + 4 + 1
    assert rows[5][11] == "、".join(joint_hall.items[k].code for k in ("licence", "seal", "tax", "insurance"))
    wipe_all()
    counts = catalog_import_xlsx(actor=SYSTEM, data=first)
    assert counts["joint_themes"]["created"] == 2
    assert stages_by_code() == before
    assert sheets(catalog_export_xlsx()) == content


def test_a_clerk_may_leave_the_theme_cells_of_later_rows_empty_and_order_stages_by_number(joint_hall):
    before = stages_by_code()["construction"][5]

    def edit(sheet, header):
        for r in (3, 4, 5):
            for name in ("主题名称", "中心编码", "整体时限（工作日）", "状态"):
                sheet.cell(r, header.index(name) + 1).value = None
        # the first and last stages swapped on the sheet: the 阶段序号 orders
        # them, the theme's cells are read from the row that has them
        first, last = [[c.value for c in sheet[r]] for r in (2, 5)]
        for col, (a, b) in enumerate(zip(first, last), start=1):
            sheet.cell(2, col).value, sheet.cell(5, col).value = b, a

    data = workbook_with(catalog_export_xlsx(), edit)
    Theme.objects.all().delete()
    catalog_import_xlsx(actor=SYSTEM, data=data)
    assert stages_by_code()["construction"][5] == before


def test_importing_the_same_file_again_changes_nothing(joint_hall):
    data = catalog_export_json()
    versions = Theme.objects.count()
    counts = catalog_import_json(actor=SYSTEM, data=data)
    assert counts["joint_themes"] == {"created": 0, "updated": 0, "unchanged": 2, "published": 0}
    assert Theme.objects.count() == versions


def test_a_changed_theme_gets_a_new_version_published_as_the_file_says(joint_hall):
    data = json.loads(catalog_export_json())
    construction = next(t for t in data["joint_themes"] if t["code"] == "construction")
    construction["name"] = "工程建设项目审批（改）"
    construction["whole_days"] = 40
    stages = construction["stages"]
    stages[0]["stage_days"] = 10  # a time limit of its own (分阶段审批时限)
    stages[1]["depends_on"] = []  # 工程建设许可 no longer waits for 立项用地规划
    stages[3]["depends_on"] = ["施工许可", "工程建设许可"]
    stages[3]["items"] = stages[3]["items"][::-1]
    startup = next(t for t in data["joint_themes"] if t["code"] == "startup")
    startup["status"] = "draft"
    startup["stages"][0]["lead_department"] = "E"
    counts = catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert counts["joint_themes"] == {"created": 0, "updated": 2, "unchanged": 0, "published": 1}
    versions = {(t.code, t.version): t.status for t in Theme.objects.all()}
    assert versions == {("construction", 1): "superseded", ("construction", 2): "published",
                        ("startup", 1): "published", ("startup", 2): "draft"}
    current = Theme.objects.get(code="construction", status="published")
    assert (current.name, current.whole_days) == ("工程建设项目审批（改）", 40)
    got = configured_stages(current)
    assert got[0]["stage_days"] == 10 and got[1]["depends_on"] == [] and sorted(got[3]["depends_on"]) == ["工程建设许可", "施工许可"]
    assert got[3]["items"] == stages[3]["items"]
    assert configured_stages(Theme.objects.get(code="startup", version=2))[0]["lead_department"] == "E"
    # the open draft is configured again, not revised a second time
    startup["stages"][0]["lead_department"] = "F"
    catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert Theme.objects.filter(code="startup").count() == 2
    assert configured_stages(Theme.objects.get(code="startup", version=2))[0]["lead_department"] == "F"


def test_a_theme_may_name_an_item_of_the_same_file(joint_hall):
    data = json.loads(catalog_export_json())
    item = dict(next(i for i in data["items"] if i["code"] == joint_hall.items["seal"].code),
                code="5110000000099-D1-000-G-1-00", name="印章刻制信息采集")
    data["items"].append(item)
    data["joint_themes"] = [t for t in data["joint_themes"] if t["code"] == "startup"]
    data["joint_themes"][0]["stages"][0]["items"].append(item["code"])
    counts = catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert counts["created"] == 1 and counts["joint_themes"]["updated"] == 1
    assert item["code"] in configured_stages(Theme.objects.get(code="startup", status="published"))[0]["items"]


def bad_workbook(good: bytes, items) -> bytes:
    def edit(sheet, header):
        col = {name: header.index(name) + 1 for name in header}
        sheet.cell(row_of(sheet, header, "立项用地规划"), col["事项编码"]).value = "NO-SUCH-ITEM、" + items["filing"].code
        sheet.cell(row_of(sheet, header, "工程建设许可"), col["牵头部门编码"]).value = "ZZ"
        sheet.cell(row_of(sheet, header, "施工许可"), col["前置阶段"]).value = "不存在的阶段"
        sheet.cell(row_of(sheet, header, "竣工验收"), col["阶段名称"]).value = None
        startup = row_of(sheet, header, "企业开办")
        sheet.cell(startup, col["主题名称"]).value = None
        sheet.cell(startup, col["中心编码"]).value = "NOWHERE"

    return workbook_with(good, edit)


def test_a_bad_sheet_is_refused_whole_with_every_error_located(joint_hall):
    bad = bad_workbook(catalog_export_xlsx(), joint_hall.items)
    wipe_all()
    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=bad)
    located = dict(refused.value.errors)
    assert "NO-SUCH-ITEM" in located[f"{SHEET}!2 事项编码"]
    assert "没有编码为“ZZ”的部门" in located[f"{SHEET}!3 牵头部门编码"]
    assert "前置阶段“不存在的阶段”不是本主题的另一阶段" in located[f"{SHEET}!4 前置阶段"]
    assert located[f"{SHEET}!5 阶段名称"] == "请填写阶段名称。"
    assert located[f"{SHEET}!6 主题名称"] == "请填写主题名称。"
    assert "没有编码为“NOWHERE”的中心" in located[f"{SHEET}!6 中心编码"]
    assert not Item.objects.exists() and not Theme.objects.exists()  # the good items are not written either


def test_a_cycle_is_named_at_the_stage_that_closes_it(joint_hall):
    def edit(sheet, header):
        sheet.cell(row_of(sheet, header, "立项用地规划"), header.index("前置阶段") + 1).value = "施工许可"

    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=workbook_with(catalog_export_xlsx(), edit))
    assert refused.value.errors == [
        (f"{SHEET}!2 前置阶段", "前置阶段形成循环：立项用地规划 → 施工许可 → 工程建设许可 → 立项用地规划。")]


def test_inconsistent_theme_cells_and_repeated_stage_numbers_are_named(joint_hall):
    def edit(sheet, header):
        sheet.cell(3, header.index("整体时限（工作日）") + 1).value = 30
        sheet.cell(4, header.index("阶段序号") + 1).value = 2

    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=workbook_with(catalog_export_xlsx(), edit))
    assert dict(refused.value.errors) == {f"{SHEET}!3 整体时限（工作日）": "与本主题第 2 行不一致。",
                                          f"{SHEET}!4 阶段序号": "阶段序号与第 3 行重复。"}


def test_json_errors_name_the_key(joint_hall):
    data = json.loads(catalog_export_json())
    construction = next(i for i, t in enumerate(data["joint_themes"]) if t["code"] == "construction")
    stages = data["joint_themes"][construction]["stages"]
    stages[0]["items"][1] = "NO-SUCH-ITEM"
    stages[1]["lead_department"] = "ZZ"
    stages[2]["depends_on"] = ["不存在的阶段"]
    stages[3]["name"] = ""
    data["joint_themes"][1 - construction]["name"] = ""
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    where = f"joint_themes[{construction}].stages"
    assert set(dict(refused.value.errors)) == {
        f"{where}[0].items[1]", f"{where}[1].lead_department", f"{where}[2].depends_on[0]", f"{where}[3].name",
        f"joint_themes[{1 - construction}].name"}
    data = json.loads(catalog_export_json())
    data["joint_themes"][0]["stages"][0]["items"] = "x"
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert refused.value.errors == [("joint_themes[0].stages[0].items", "应为文字的列表。")]


def test_a_refusal_of_the_services_is_located_and_undoes_the_items(joint_hall):
    """An item the same file leaves as a draft cannot be in a theme
    (theme_configure), and a whole time limit above 45 days is refused
    (art. 42): found only while writing, still located, nothing kept."""
    data = json.loads(catalog_export_json())
    licence = next(i for i in data["items"] if i["code"] == joint_hall.items["licence"].code)
    startup = next(i for i, t in enumerate(data["joint_themes"]) if t["code"] == "startup")
    wipe_all()
    licence["status"] = "draft"
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert refused.value.errors == [(f"joint_themes[{startup}].stages[0].items[0]",
                                     f"事项“{licence['name']}”没有已发布的版本。")]
    licence["status"] = "published"
    data["joint_themes"][startup]["whole_days"] = 60
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert refused.value.errors[0][0] == f"joint_themes[{startup}].whole_days"
    assert not Item.objects.exists() and not Theme.objects.exists()


def test_only_those_who_configure_a_center_s_themes_change_them_by_import(joint_hall):
    """A department head imports his items, and the themes unchanged with
    them; a changed theme is refused at its center (theme_configure's rule:
    center managers of the center or above, system administrators)."""
    data = json.loads(catalog_export_json())
    assert catalog_import_json(actor=joint_hall.head, data=json.dumps(
        {**data, "items": [i for i in data["items"] if i["department"] == "A"]}).encode())["joint_themes"]["unchanged"] == 2
    data["joint_themes"][0]["name"] = "改名"
    for actor in (joint_hall.head, joint_hall.town_manager):
        with pytest.raises(ImportRefused) as refused:
            catalog_import_json(actor=actor, data=json.dumps({**data, "items": []}).encode())
        assert refused.value.errors == [("joint_themes[0].center", "您无权配置该中心的并联审批主题。")]
    assert catalog_import_json(actor=joint_hall.manager, data=json.dumps(data).encode())["joint_themes"]["updated"] == 1


def test_a_theme_cannot_move_to_another_center(joint_hall):
    data = json.loads(catalog_export_json())
    data["joint_themes"][0]["center"] = "T1"
    with pytest.raises(ImportRefused) as refused:
        catalog_import_json(actor=SYSTEM, data=json.dumps(data).encode())
    assert refused.value.errors[0][0] == "joint_themes[0].center" and "不能改到其他中心" in refused.value.errors[0][1]


def test_each_exports_the_themes_he_configures(joint_hall):
    def codes(user):
        return [t["code"] for t in json.loads(catalog_export_json(user=user))["joint_themes"]]

    assert codes(joint_hall.manager) == codes(joint_hall.admin) == ["construction", "startup"]
    assert codes(joint_hall.town_manager) == codes(joint_hall.head) == []
    assert sheets(catalog_export_xlsx(user=joint_hall.head))[SHEET] == [list(sheets(catalog_export_xlsx())[SHEET][0])]


def test_the_latest_version_is_exported_a_draft_as_a_draft(joint_hall):
    theme_revise(actor=joint_hall.manager, theme=joint_hall.startup)
    themes = {t["code"]: t["status"] for t in json.loads(catalog_export_json())["joint_themes"]}
    assert themes == {"construction": "published", "startup": "draft"}


def test_a_workbook_without_the_sheet_imports_its_items_and_leaves_themes_alone(joint_hall):
    workbook = load_workbook(io.BytesIO(catalog_export_xlsx()))
    del workbook[SHEET]
    stream = io.BytesIO()
    workbook.save(stream)
    counts = catalog_import_xlsx(actor=SYSTEM, data=stream.getvalue())
    assert "joint_themes" not in counts and Theme.objects.count() == 2


def test_the_command_reports_the_themes(joint_hall, tmp_path):
    path = tmp_path / "catalog.json"
    call_command("catalog", "export", str(path))
    wipe_all()
    out = io.StringIO()
    call_command("catalog", "import", str(path), stdout=out)
    assert "joint-approval themes: 2 created, 0 updated, 0 unchanged, 2 published" in out.getvalue()


def test_a_stage_time_limit_above_the_whole_is_refused_at_its_cell(joint_hall):
    def edit(sheet, header):
        sheet.cell(row_of(sheet, header, "企业开办"), header.index("阶段时限（工作日）") + 1).value = 5

    with pytest.raises(ImportRefused) as refused:
        catalog_import_xlsx(actor=SYSTEM, data=workbook_with(catalog_export_xlsx(), edit))
    assert refused.value.errors == [
        (f"{SHEET}!6 阶段时限（工作日）", "阶段办理时限应为 1 至 3 个工作日（不超过整体办理时限），或留空。")]
    assert configured_stages(joint_hall.startup)[0]["stage_days"] is None


def test_the_workbench_import_lists_the_themes_imported_and_each_error(client, joint_hall,
                                                                       django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(joint_hall.manager)
    exported = client.get(reverse("catalog_export", args=["xlsx"])).content
    assert sheets(exported)[SHEET][1][0] == "construction"
    Theme.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the job once its start commits
        answer = client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.xlsx", exported)})
    text = client.get(answer.url).content.decode()
    assert "并联审批主题：新建 2 个，更新 0 个，未变 0 个，发布 2 个。" in text
    assert reverse("joint_theme_list") in text
    assert Theme.objects.filter(status="published").count() == 2

    def edit(sheet, header):
        sheet.cell(row_of(sheet, header, "施工许可"), header.index("前置阶段") + 1).value = "不存在的阶段"

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("catalog_import"),
                             {"file": SimpleUploadedFile("c.xlsx", workbook_with(exported, edit))})
    text = client.get(answer.url).content.decode()
    assert "未写入任何数据" in text and f"{SHEET}!4 前置阶段" in text and "不存在的阶段" in text
