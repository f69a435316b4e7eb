"""Import of the three-level category tree (工单分类, issue 15 item 1) from
xlsx or json: one row per category with its code, name and parent code.
All or nothing, as the catalog and history imports: every bad row is
reported (row, field, reason) and nothing is written; each category made or
renamed writes its own audit event (docs/hotline.md,
"Categories"). A row whose code exists renames that category (it cannot
move under another parent); a new code makes a new category under its
parent, found in the file or already in the tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core.errors import DomainError
from govhall.hotline import services
from govhall.hotline.models import Category
from govhall.hotline.suggest_import import (
    MAX_BYTES,
    HistoryRefused,
    _rows_json,
    _rows_xlsx,
    describe,
)

MAX_ROWS = 10_000
MAX_ERRORS = 100
# Field → the column names (or JSON keys) accepted for it.
COLUMNS = {
    "code": ("code", "分类代码", "代码"),
    "name": ("name", "分类名称", "名称"),
    "parent": ("parent", "parent_code", "上级分类代码", "上级代码"),
}
LABELS = {"code": gettext_lazy("分类代码"), "name": gettext_lazy("分类名称"), "parent": gettext_lazy("上级分类代码")}


class CategoriesRefused(HistoryRefused):
    """The file was refused; ``errors`` lists (row, field, message)."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        DomainError.__init__(self, describe(errors[0], LABELS), field="file")
        self.errors = errors


def category_error_text(error: tuple[int, str, str]) -> str:
    return describe(error, LABELS)


@dataclass
class CategoriesImported:
    created: int
    renamed: int
    unchanged: int


def _cell(row: dict[str, Any], field: str) -> str:
    for name in COLUMNS[field]:
        value = row.get(name)
        if value not in (None, ""):
            # Excel turns a code like 0101 into the number 101 unless the cell is text: keep what is there.
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    return ""


def _rows(name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    kind = (name or "").rsplit(".", 1)[-1].lower()
    if kind not in ("xlsx", "json"):
        raise CategoriesRefused([(0, "file", _("只能导入 xlsx 或 json 文件。"))])
    if len(data) > MAX_BYTES:
        raise CategoriesRefused([(0, "file", _("文件不能超过 %(n)d MB。") % {"n": MAX_BYTES // 1024 // 1024})])
    if kind == "xlsx":
        return _rows_xlsx(data)
    return _rows_json(data, key="categories", shape=_("JSON 须为分类对象的数组（或含 categories 数组的对象）。"))


def _plan(rows, errors: list) -> list[tuple[int, str, str, str]]:
    """(row, code, name, parent code) of the rows, in an order where every
    parent comes before its children; errors for the rest."""
    existing = {c.code: c for c in Category.objects.all()}
    seen: dict[str, tuple[int, str, str]] = {}
    for number, row in rows:
        code, name, parent = _cell(row, "code"), _cell(row, "name"), _cell(row, "parent")
        if not code or len(code) > 20:
            errors.append((number, "code", _("请填写 1 至 20 位的分类代码。")))
            continue
        if not name or len(name) > 60:
            errors.append((number, "name", _("请填写 1 至 60 个字的分类名称。")))
            continue
        if code in seen:
            errors.append((number, "code", _("分类代码与第 %(row)d 行重复。") % {"row": seen[code][0]}))
            continue
        if parent == code:
            errors.append((number, "parent", _("上级分类不能是自己。")))
            continue
        seen[code] = (number, name, parent)
    levels: dict[str, int] = {}

    def level_of(code: str, trail: tuple = ()) -> int | None:
        """The level the category would have; None when its chain is broken."""
        if code in levels:
            return levels[code]
        if code in existing and code not in seen:
            return existing[code].level
        number, _name, parent = seen[code]
        if code in existing:
            old_parent = existing[code].parent.code if existing[code].parent_id else ""
            if parent != old_parent:
                errors.append((number, "parent", _("已有分类不能改变上级分类（现为“%(old)s”）。")
                               % {"old": old_parent or _("无")}))
                return None
        if not parent:
            levels[code] = 1
            return 1
        if parent in trail:
            errors.append((number, "parent", _("上级分类形成循环。")))
            return None
        if parent not in seen and parent not in existing:
            errors.append((number, "parent", _("上级分类代码“%(code)s”不存在。") % {"code": parent}))
            return None
        above = level_of(parent, (*trail, code))
        if above is None:
            return None
        if above >= 3:
            errors.append((number, "parent", _("分类最多三级。")))
            return None
        levels[code] = above + 1
        return above + 1

    planned = []
    for code, (number, name, parent) in seen.items():
        level = level_of(code)
        if level is not None:
            planned.append((level, number, code, name, parent))
        if len(errors) >= MAX_ERRORS:
            break
    return [(number, code, name, parent) for _level, number, code, name, parent in sorted(planned)]


def categories_import(*, actor, name: str, data: bytes) -> CategoriesImported:
    """Import one xlsx or json file of categories: every row or none
    (``CategoriesRefused`` lists the rows and fields at fault)."""
    services._require_setup(actor)
    rows = _rows(name, data)
    if not rows:
        raise CategoriesRefused([(0, "file", _("文件中没有分类。"))])
    if len(rows) > MAX_ROWS:
        raise CategoriesRefused([(0, "file", _("一次最多导入 %(n)d 条。") % {"n": MAX_ROWS})])
    errors: list[tuple[int, str, str]] = []
    planned = _plan(rows, errors)
    if errors:
        raise CategoriesRefused(sorted(errors))
    created = renamed = unchanged = 0
    with transaction.atomic():
        by_code = {c.code: c for c in Category.objects.select_for_update()}
        for _number, code, label, parent in planned:
            category = by_code.get(code)
            if category is None:
                by_code[code] = services.category_create(actor=actor, code=code, name=label,
                                                         parent=by_code[parent] if parent else None)
                created += 1
            elif category.name != label:
                services.category_update(actor=actor, category=category, name=label)
                renamed += 1
            else:
                unchanged += 1
    return CategoriesImported(created=created, renamed=renamed, unchanged=unchanged)
