"""Catalog import and export: JSON (the spec dicts) and Excel (the workbook
departments use: one sheet of items and sheets of legal bases, materials,
fees, steps and themes, Chinese column headers). The joint-approval themes
(并联审批主题) travel in the same file, after the items (``joint.exchange``).
See docs/catalog-format.md.

Import is all or nothing: every bad cell is reported (sheet, row, column,
reason) and nothing is written. Export → import into an empty catalog →
export gives the same content.
"""

import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from govhall.catalog.application_form import number_value
from govhall.catalog.models import (
    DeliveryMethod, FormFieldType, ItemType, MaterialForm, MaterialSource, ProcedureClass, ResultType, Theme, ThemeKind,
)
from govhall.catalog.selectors import catalog_export_versions, version_to_spec
from govhall.catalog.services import SpecInvalid, catalog_check_specs, catalog_import_specs, theme_create
from govhall.catalog.spec import SCHEMA_VERSION, SpecError
from govhall.core.actors import Actor
from govhall.org.models import CenterLevel, User
from govhall.org.roles import Role


@dataclass(frozen=True)
class Column:
    key: str          # spec key
    header: str       # Chinese header
    kind: str = "text"  # text | int | number | bool | choice | list
    choices: Any = None


ITEM_COLUMNS = [
    Column("code", "实施编码"), Column("base_code", "基本编码"), Column("name", "事项名称"),
    Column("item_type", "事项类型", "choice", ItemType), Column("department", "实施部门编码"),
    Column("level", "行使层级", "choice", CenterLevel), Column("status", "状态", "choice", None),
    Column("conditions", "受理条件"), Column("procedure_class", "办理程序", "choice", ProcedureClass),
    Column("statutory_days", "法定时限（工作日）", "int"), Column("promised_days", "承诺时限（工作日）", "int"),
    Column("immediate", "即办件", "bool"), Column("no_fee", "不收费", "bool"),
    Column("result_type", "办理结果类型", "choice", ResultType), Column("result_name", "办理结果名称"),
    Column("delivery_methods", "送达方式", "list", DeliveryMethod), Column("visits", "到现场次数", "int"),
    Column("online", "网上可办", "bool"), Column("onsite_inspection", "需现场踏勘", "bool"),
    Column("consult_phone", "咨询电话"), Column("complaint_phone", "投诉电话"), Column("location", "办理地点"),
    Column("office_hours", "办理时间"), Column("themes", "所属主题编码", "list", None), Column("group", "所属主项"), Column("source", "数据来源"),
]
BASIS_COLUMNS = [Column("law", "法律法规名称"), Column("article", "条款"), Column("excerpt", "条文摘录")]
MATERIAL_COLUMNS = [
    Column("name", "材料名称"), Column("required", "必要", "bool"), Column("condition", "适用情形"),
    Column("form", "材料形式", "choice", MaterialForm), Column("copies", "份数", "int"),
    Column("source", "来源", "choice", MaterialSource), Column("source_department", "出具部门"), Column("notes", "备注"),
]
FEE_COLUMNS = [Column("name", "收费项目"), Column("amount", "收费标准（元）"), Column("rule", "计费规则"), Column("basis", "收费依据")]
STEP_COLUMNS = [
    Column("name", "环节名称"), Column("role", "办理角色", "choice", Role), Column("days", "环节时限（工作日）", "int"),
    Column("department", "办理部门编码"),
]
FORM_FIELD_COLUMNS = [
    Column("key", "字段标识"), Column("label", "字段名称"), Column("type", "字段类型", "choice", FormFieldType),
    Column("required", "必填", "bool"), Column("options", "选项", "list", None), Column("max_length", "最多字数", "int"),
    Column("min", "最小值", "number"), Column("max", "最大值", "number"), Column("help", "填写说明"),
]
THEME_COLUMNS = [Column("code", "主题编码"), Column("name", "主题名称"), Column("kind", "类型", "choice", ThemeKind),
                 Column("description", "说明"), Column("order", "排序", "int")]
STATUS_LABELS = {"draft": "草稿", "published": "已发布"}
CHILD_SHEETS = [("legal_basis", "设定依据", BASIS_COLUMNS), ("materials", "申请材料", MATERIAL_COLUMNS),
                ("fees", "收费项目", FEE_COLUMNS), ("steps", "办理环节", STEP_COLUMNS),
                ("form_fields", "申请表字段", FORM_FIELD_COLUMNS)]
# Sheets a workbook may lack (made before they existed): no rows then.
OPTIONAL_SHEETS = {"申请表字段"}
ITEMS_SHEET, THEMES_SHEET = "事项", "主题"
CODE_HEADER = "实施编码"
LIST_SEPARATOR = "、"


class ImportRefused(Exception):
    """The file was refused; ``errors`` are (location, reason) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _joint_exchange():
    """``govhall.joint.exchange``, imported when used: joint approval builds
    on the catalog (and imports this module)."""
    from govhall.joint import exchange

    return exchange


# --- export -----------------------------------------------------------------

def catalog_export_data(*, user: User | None = None) -> dict:
    """Everything the catalog holds (with ``user``: the items of their
    scope, ``catalog_export_versions``, and the joint-approval themes they
    configure), as one JSON-ready dict."""
    joint_exchange = _joint_exchange()
    return {
        "schema_version": SCHEMA_VERSION,
        "themes": [
            {"code": t.code, "name": t.name, "kind": t.kind, "description": t.description, "order": t.order}
            for t in Theme.objects.order_by("code")
        ],
        "items": [version_to_spec(v) for v in catalog_export_versions(user=user)],
        joint_exchange.KEY: joint_exchange.themes_export(user=user),
    }


def catalog_export_json(*, user: User | None = None) -> bytes:
    return (json.dumps(catalog_export_data(user=user), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _label(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "bool":
        return "是" if value else "否"
    if column.key == "status":
        return STATUS_LABELS[value]
    if column.kind == "choice":
        return str(column.choices(value).label) if value else None
    if column.kind == "list":
        labels = [str(column.choices(v).label) for v in value] if column.choices else list(value)
        return LIST_SEPARATOR.join(labels) or None
    return value if value != "" else None


def _sheet(workbook: Workbook, title: str, columns: list[Column], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
    for row in rows:
        sheet.append(row)
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, min(40, len(column.header) * 2 + 4))
    sheet.freeze_panes = "A2"


def catalog_export_xlsx(*, user: User | None = None) -> bytes:
    joint_exchange = _joint_exchange()
    data = catalog_export_data(user=user)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, ITEMS_SHEET, ITEM_COLUMNS,
           [[_label(c, spec[c.key]) for c in ITEM_COLUMNS] for spec in data["items"]])
    code_column = Column("code", CODE_HEADER)
    for key, title, columns in CHILD_SHEETS:
        rows = [[spec["code"]] + [_label(c, child[c.key]) for c in columns]
                for spec in data["items"] for child in spec[key]]
        _sheet(workbook, title, [code_column, *columns], rows)
    _sheet(workbook, THEMES_SHEET, THEME_COLUMNS,
           [[_label(c, theme[c.key]) for c in THEME_COLUMNS] for theme in data["themes"]])
    joint_exchange.themes_sheet(workbook, data[joint_exchange.KEY])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


# --- import -------------------------------------------------------------------

class Locator:
    """Maps a spec path ("materials[2].name") to a place in the file."""

    def __init__(self, default: str):
        self.default = default
        self.places: dict[str, str] = {}

    def at(self, path: str) -> str:
        probe = path
        while probe:
            if probe in self.places:
                return self.places[probe]
            # form_fields[0].options[1] → form_fields[0].options → form_fields[0] → form_fields
            if probe.endswith("]"):
                probe = probe.rsplit("[", 1)[0]
            else:
                probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        return self.default


def _import(actor: Actor, themes: list[dict], specs: list[tuple[Locator, dict]], errors: list[tuple[str, str]],
            progress=None, joint_themes: list | None = None) -> dict:
    """Check everything (cells already checked by the reader, then every spec,
    then the joint-approval themes), refuse the whole file on any error,
    else write it in one transaction: the items first, so that a theme may
    name an item of the same file."""
    joint_exchange = _joint_exchange()
    keyed = [(str(i), spec) for i, (_locator, spec) in enumerate(specs)]

    def locate(spec_errors: list[SpecError]) -> list[tuple[str, str]]:
        located = []
        for e in spec_errors:
            index, _sep, path = e.path.partition(" ")
            located.append((specs[int(index)][0].at(path) if index.isdigit() else e.path, e.message))
        return located

    _cleaned, spec_errors = catalog_check_specs(actor=actor, specs=keyed, new_theme_codes={t["code"] for t in themes},
                                                progress=progress)
    # A cell the reader refused already has its own message; skip the
    # follow-on spec error at the same place.
    reported = {where for where, _reason in errors}
    errors = errors + [e for e in locate(spec_errors) if e[0] not in reported]
    if joint_themes:
        codes = {spec.get("code") for _locator, spec in specs if isinstance(spec, dict)}
        errors += [e for e in joint_exchange.themes_check(joint_themes, item_codes={c for c in codes if isinstance(c, str)})
                   if e[0] not in reported]
    if errors:
        raise ImportRefused(errors)
    try:
        with transaction.atomic():
            existing = set(Theme.objects.values_list("code", flat=True))
            for theme in themes:
                if theme["code"] not in existing:
                    theme_create(actor=actor, **theme)
            result = catalog_import_specs(actor=actor, specs=keyed)
            if joint_themes:  # raises ImportRefused, undoing the items too
                result[joint_exchange.KEY] = joint_exchange.themes_import(actor=actor, entries=joint_themes)
            return result
    except SpecInvalid as error:
        raise ImportRefused(locate(error.errors)) from None


def _theme_errors(themes: Any, where) -> tuple[list[dict], list[tuple[str, str]]]:
    errors, cleaned = [], []
    if not isinstance(themes, list):
        return [], [(where("themes"), _("应为列表。"))]
    for i, theme in enumerate(themes):
        if not isinstance(theme, dict) or not theme.get("code") or not theme.get("name") or theme.get("kind") not in ThemeKind.values:
            errors.append((where(f"themes[{i}]"), _("主题须有编码、名称和类型（theme 或 life_event）。")))
            continue
        cleaned.append({"code": str(theme["code"]), "name": str(theme["name"]), "kind": theme["kind"],
                        "description": str(theme.get("description") or ""), "order": int(theme.get("order") or 0)})
    return cleaned, errors


def catalog_import_json(*, actor: Actor, data: bytes, progress=None) -> dict:
    """Import a JSON export (or the demo's item file)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused([("JSON", _("不是有效的 UTF-8 JSON 文件：%(error)s") % {"error": error})]) from None
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise ImportRefused([("schema_version", _("应为 %(v)s。") % {"v": SCHEMA_VERSION})])
    themes, errors = _theme_errors(document.get("themes", []), lambda p: p)
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportRefused([("items", _("应为列表。"))])
    specs = [(_JsonLocator(i), spec) for i, spec in enumerate(items)]
    joint_exchange = _joint_exchange()
    joint_themes = joint_exchange.themes_from_json(document.get(joint_exchange.KEY, []), errors)
    return _import(actor, themes, specs, errors, progress, joint_themes)


class _JsonLocator(Locator):
    def __init__(self, index: int, key: str = "items"):
        super().__init__(f"{key}[{index}]")

    def at(self, path: str) -> str:
        return f"{self.default}.{path}" if path else self.default


def _cell_value(column: Column, raw: Any, where: str, errors: list) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return [] if column.kind == "list" else (None if column.kind in {"int", "number", "bool"} else "")
    if column.kind == "int":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if not isinstance(raw, int) or isinstance(raw, bool):
            errors.append((where, _("“%(value)s”不是整数。") % {"value": raw}))
            return None
        return raw
    if column.kind == "number":
        value = number_value(raw)
        if value is None:
            errors.append((where, _("“%(value)s”不是数字（最多两位小数）。") % {"value": raw}))
        return value
    text = str(raw).strip()
    if column.kind == "bool":
        if text in {"是", "否"}:
            return text == "是"
        errors.append((where, _("应填“是”或“否”，而不是“%(value)s”。") % {"value": text}))
        return None
    if column.key == "status":
        by_label = {v: k for k, v in STATUS_LABELS.items()}
        if text in by_label:
            return by_label[text]
        errors.append((where, _("应填“草稿”或“已发布”。")))
        return "draft"
    if column.kind == "choice":
        by_label = {str(label): value for value, label in column.choices.choices}
        if text in by_label or text in column.choices.values:
            return by_label.get(text, text)
        errors.append((where, _("“%(value)s”不是可选值（%(choices)s）。") % {"value": text, "choices": "、".join(by_label)}))
        return ""
    if column.kind == "list":
        parts = [p.strip() for p in text.replace(",", LIST_SEPARATOR).replace("，", LIST_SEPARATOR).split(LIST_SEPARATOR) if p.strip()]
        if column.choices is None:
            return parts
        by_label = {str(label): value for value, label in column.choices.choices}
        values = []
        for part in parts:
            if part in by_label or part in column.choices.values:
                values.append(by_label.get(part, part))
            else:
                errors.append((where, _("“%(value)s”不是可选值（%(choices)s）。") % {"value": part, "choices": "、".join(by_label)}))
        return values
    return text


def _read_sheet(workbook, title: str, columns: list[Column], errors: list, *, required: bool = True):
    """Yield (row number, {key: value}, {key: location}) for each non-empty row."""
    if title not in workbook.sheetnames:
        if required:
            errors.append((title, _("缺少工作表“%(title)s”。") % {"title": title}))
        return
    sheet = workbook[title]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    positions = {}
    for column in columns:
        if column.header not in header:
            errors.append((f"{title}!1", _("缺少列“%(header)s”。") % {"header": column.header}))
        else:
            positions[column.key] = header.index(column.header)
    if len(positions) < len(columns):
        return
    for number, row in enumerate(rows, start=2):
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        values, places = {}, {}
        for column in columns:
            place = f"{title}!{number} {column.header}"
            raw = row[positions[column.key]] if positions[column.key] < len(row) else None
            values[column.key] = _cell_value(column, raw, place, errors)
            places[column.key] = place
        yield number, values, places


def catalog_import_xlsx(*, actor: Actor, data: bytes, progress=None) -> dict:
    """Import a workbook in the export's format."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportRefused([("xlsx", _("不是有效的 Excel（.xlsx）文件：%(error)s") % {"error": error})]) from None
    errors: list[tuple[str, str]] = []
    specs: dict[str, tuple[Locator, dict]] = {}
    for number, values, places in _read_sheet(workbook, ITEMS_SHEET, ITEM_COLUMNS, errors):
        code = values["code"]
        locator = Locator(f"{ITEMS_SHEET}!{number}")
        locator.places.update(places)
        if code in specs:
            errors.append((places["code"], _("实施编码与第 %(row)s 行重复。") % {"row": specs[code][0].default.split("!")[1]}))
            continue
        values.update(legal_basis=[], materials=[], fees=[], steps=[], form_fields=[])
        specs[code] = (locator, values)
    code_column = Column("code", CODE_HEADER)
    for key, title, columns in CHILD_SHEETS:
        for number, values, places in _read_sheet(workbook, title, [code_column, *columns], errors,
                                                  required=title not in OPTIONAL_SHEETS):
            code = values.pop("code")
            if code not in specs:
                errors.append((places["code"], _("实施编码“%(value)s”不在“事项”表中。") % {"value": code}))
                continue
            locator, spec = specs[code]
            index = len(spec[key])
            spec[key].append(values)
            locator.places[f"{key}[{index}]"] = f"{title}!{number}"
            for field, place in places.items():
                locator.places[f"{key}[{index}].{field}"] = place
    themes = []
    for number, values, places in _read_sheet(workbook, THEMES_SHEET, THEME_COLUMNS, errors, required=False):
        cleaned, theme_errors = _theme_errors([{**values, "order": values["order"] or 0}], lambda p, n=number: f"{THEMES_SHEET}!{n}")
        themes += cleaned
        errors += theme_errors
    joint_exchange = _joint_exchange()
    joint_themes = joint_exchange.themes_from_workbook(workbook, errors)
    return _import(actor, themes, list(specs.values()), errors, progress, joint_themes)


def catalog_import_file(*, actor: Actor, name: str, data: bytes, progress=None) -> dict:
    """Import by file suffix (.xlsx or .json). ``progress(done, total)`` is
    called while the rows are checked."""
    if name.lower().endswith(".xlsx"):
        return catalog_import_xlsx(actor=actor, data=data, progress=progress)
    if name.lower().endswith(".json"):
        return catalog_import_json(actor=actor, data=data, progress=progress)
    raise ImportRefused([(name, _("只支持 .xlsx 或 .json 文件。"))])


