"""The category tree: import from xlsx and json (all rows or none, every
bad row named), the management command, and the page to add, rename and
deactivate categories."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from govhall.core.actors import SYSTEM
from govhall.core.audit import AuditEvent
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline.category_import import (
    CategoriesRefused,
    categories_import,
    category_error_text,
)
from govhall.hotline.models import Category


def _json(rows) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode()


def _xlsx(rows, header=("分类代码", "分类名称", "上级分类代码")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TREE = [("01", "城乡建设", ""), ("0101", "供水", "01"), ("010101", "停水", "0101"), ("02", "交通出行", "")]


def _tree() -> dict:
    return {c.code: (c.name, c.parent.code if c.parent_id else "", c.level) for c in Category.objects.all()}


def test_an_xlsx_tree_is_imported_with_its_levels(db):
    # Children may come before their parents in the file.
    done = categories_import(actor=SYSTEM, name="tree.xlsx", data=_xlsx(list(reversed(TREE))))
    assert (done.created, done.renamed, done.unchanged) == (4, 0, 0)
    assert _tree() == {"01": ("城乡建设", "", 1), "0101": ("供水", "01", 2), "010101": ("停水", "0101", 3),
                       "02": ("交通出行", "", 1)}


def test_a_json_tree_renames_existing_codes_and_adds_under_existing_parents(db):
    top = hotline.category_create(actor=SYSTEM, code="01", name="建设")
    rows = [{"code": "01", "name": "城乡建设"}, {"code": "0102", "name": "燃气", "parent": "01"}]
    done = categories_import(actor=SYSTEM, name="tree.json", data=_json({"categories": rows}))
    assert (done.created, done.renamed, done.unchanged) == (1, 1, 0)
    top.refresh_from_db()
    assert top.name == "城乡建设" and Category.objects.get(code="0102").parent == top


def test_every_bad_row_is_reported_and_nothing_is_written(db):
    hotline.category_create(actor=SYSTEM, code="09", name="其他")
    rows = [
        {"code": "01", "name": "城乡建设"},  # JSON rows count from 1
        {"code": "01", "name": "重复"},  # 2: the code again
        {"code": "", "name": "无代码"},  # 3
        {"code": "0101", "name": "供水", "parent": "99"},  # 4: no such parent
        {"code": "x1", "name": "", "parent": "01"},  # 5: no name
        {"code": "a", "name": "甲", "parent": "b"},  # 6 and 7: a loop
        {"code": "b", "name": "乙", "parent": "a"},
        {"code": "09", "name": "其他", "parent": "01"},  # 8: an existing one cannot move
    ]
    before = AuditEvent.objects.count()
    with pytest.raises(CategoriesRefused) as refused:
        categories_import(actor=SYSTEM, name="tree.json", data=_json(rows))
    assert {(row, field) for row, field, _message in refused.value.errors} >= {
        (2, "code"), (3, "code"), (4, "parent"), (5, "name"), (8, "parent")}
    assert any(field == "parent" and row in (6, 7) for row, field, _m in refused.value.errors)
    assert category_error_text((4, "parent", "x")).startswith("第 4 行“上级分类代码”")
    assert refused.value.field == "file"
    assert set(_tree()) == {"09"} and AuditEvent.objects.count() == before


def test_a_fourth_level_is_refused(db):
    rows = [*TREE, ("01010101", "深", "010101")]
    with pytest.raises(CategoriesRefused) as refused:
        categories_import(actor=SYSTEM, name="tree.xlsx", data=_xlsx(rows))
    assert refused.value.errors[0][:2] == (6, "parent")
    assert not Category.objects.exists()


@pytest.mark.parametrize("name, data", [("tree.csv", b"code,name\n01,a\n"), ("tree.xlsx", b"not a workbook"),
                                        ("tree.json", b"{"), ("tree.json", b'{"rows": []}')])
def test_a_file_that_cannot_be_read_is_refused(db, name, data):
    with pytest.raises(DomainError) as refused:
        categories_import(actor=SYSTEM, name=name, data=data)
    assert refused.value.field == "file"
    assert not Category.objects.exists()


def test_only_the_hotline_office_and_administrators_import(line):
    with pytest.raises(NotPermitted):
        categories_import(actor=line.operator, name="tree.json", data=_json([{"code": "05", "name": "教育"}]))
    categories_import(actor=line.office, name="tree.json", data=_json([{"code": "05", "name": "教育"}]))
    assert Category.objects.filter(code="05").exists()


def test_the_command_imports_or_names_the_bad_rows(db, tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(_json([{"code": "01", "name": "城乡建设"}]))
    bad.write_bytes(_json([{"code": "02", "name": "交通", "parent": "77"}]))
    out = io.StringIO()
    call_command("hotline_categories", "--import", str(good), stdout=out)
    assert "1 created" in out.getvalue()
    with pytest.raises(CommandError) as error:
        call_command("hotline_categories", "--import", str(bad))
    assert "第 1 行" in str(error.value) and not Category.objects.filter(code="02").exists()


def test_deactivating_takes_the_branch_and_activating_needs_an_active_parent(line):
    child = hotline.category_create(actor=SYSTEM, code="010101", name="停水", parent=line.category)
    top = line.category.parent
    hotline.category_update(actor=line.office, category=top, active=False)
    assert set(Category.objects.filter(active=False).values_list("code", flat=True)) == {"01", "0101", "010101"}
    child.refresh_from_db()
    with pytest.raises(DomainError) as error:
        hotline.category_update(actor=line.office, category=child, active=True)
    assert error.value.field == "active"
    with pytest.raises(DomainError) as error:
        hotline.category_update(actor=line.office, category=child, name=" ")
    assert error.value.field == "name"
    with pytest.raises(NotPermitted):
        hotline.category_update(actor=line.operator, category=child, name="断水")
    hotline.category_update(actor=line.office, category=top, active=True, name="城乡建设管理")
    top.refresh_from_db()
    assert (top.active, top.name) == (True, "城乡建设管理")


def test_the_page_adds_renames_deactivates_and_imports(client, line):
    client.force_login(line.office)
    page = client.get(reverse("hotline_categories"))
    assert page.status_code == 200 and "供水" in page.content.decode()
    response = client.post(reverse("hotline_categories"),
                           {"new-code": "0102", "new-name": "燃气", "new-parent": line.category.parent_id})
    assert response.status_code == 302 and Category.objects.get(code="0102").level == 2
    # A code that exists: the form names the field, nothing written.
    response = client.post(reverse("hotline_categories"), {"new-code": "0102", "new-name": "又一个"})
    assert response.status_code == 400 and "分类代码已存在" in response.content.decode()
    assert Category.objects.filter(code="0102").count() == 1
    pk = line.category.pk
    response = client.post(reverse("hotline_category_edit", args=[pk]), {f"c{pk}-name": "供水保障"})
    assert response.status_code == 302
    line.category.refresh_from_db()
    assert (line.category.name, line.category.active) == ("供水保障", False)
    upload = SimpleUploadedFile("t.json", _json([{"code": "03", "name": "教育", "parent": "88"}]))
    response = client.post(reverse("hotline_category_import"), {"file": upload})
    assert response.status_code == 400 and "第 1 行“上级分类代码”" in response.content.decode()
    upload = SimpleUploadedFile("t.xlsx", _xlsx([("03", "教育", "")]))
    assert client.post(reverse("hotline_category_import"), {"file": upload}).status_code == 302
    assert Category.objects.filter(code="03", level=1).exists()


def test_operators_cannot_open_the_page(client, line):
    client.force_login(line.operator)
    assert client.get(reverse("hotline_categories")).status_code == 403
