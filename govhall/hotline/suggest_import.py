"""History import (历史工单导入, issue 15 item 5): the orders a center handled
before govhall, from xlsx, csv or json, so that its dispatch suggestions
learn from them from the first day. All or nothing: one bad row refuses the
file, and every error names its row and field (docs/hotline.md)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhall.core import clock
from govhall.core.actors import person
from govhall.core.audit import audit_record
from govhall.core.errors import DomainError
from govhall.hotline.models import Category, HistoryOrder, OrderType
from govhall.hotline.selectors import units_for_dispatch
from govhall.hotline.suggest_services import manager_check
from govhall.org.models import Center

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# Errors listed at most (the file is refused at the first one anyway).
MAX_ERRORS = 100
TEXT_MAX = 4000

# Field → the column names accepted for it (English, then Chinese).
COLUMNS = {
    "text": ("text", "content", "诉求内容", "内容", "留言详情", "工单内容"),
    "type": ("type", "诉求类型", "类型"),
    "category": ("category", "分类", "工单分类", "一级标签", "分类名称", "分类代码"),
    "unit": ("unit", "主办单位", "承办单位", "办理单位", "单位"),
    "received_at": ("received_at", "received", "受理时间", "登记时间", "留言时间"),
    "closed_at": ("closed_at", "closed", "办结时间"),
    "reply": ("reply", "答复内容", "答复意见", "回复"),
}
LABELS = {"text": gettext_lazy("诉求内容"), "type": gettext_lazy("诉求类型"), "category": gettext_lazy("分类"),
          "unit": gettext_lazy("主办单位"), "received_at": gettext_lazy("受理时间"), "closed_at": gettext_lazy("办结时间"),
          "reply": gettext_lazy("答复内容")}
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
                "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日")


class HistoryRefused(DomainError):
    """The file was refused; ``errors`` lists (row, field, message), row 0 for the file itself."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        first = errors[0]
        super().__init__(describe(first), field="file")
        self.errors = errors


def describe(error: tuple[int, str, str], labels=None) -> str:
    row, field, message = error
    if not row:
        return message
    label = (labels or LABELS).get(field, field)
    return _("第 %(row)d 行“%(field)s”：%(message)s") % {"row": row, "field": label, "message": message}


@dataclass
class Imported:
    batch: str
    count: int


def _rows_xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise HistoryRefused([(0, "file", _("无法读取该 Excel 文件。"))]) from None
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    return [(number, dict(zip(names, values, strict=False))) for number, values in enumerate(rows, start=2)
            if any(value not in (None, "") for value in values)]


def _rows_csv(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise HistoryRefused([(0, "file", _("CSV 文件须为 UTF-8 或 GB18030 编码。"))])
    reader = csv.DictReader(io.StringIO(text))
    return [(number, row) for number, row in enumerate(reader, start=2) if any((v or "").strip() for v in row.values())]


def _rows_json(data: bytes, *, key: str = "orders", shape: str = "") -> list[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array (or of the array under ``key``);
    ``shape``: the message when the file is not that."""
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise HistoryRefused([(0, "file", _("无法解析该 JSON 文件。"))]) from None
    if isinstance(payload, dict):
        payload = payload.get(key)
    if not isinstance(payload, list) or not all(isinstance(row, dict) for row in payload):
        raise HistoryRefused([(0, "file", shape or _("JSON 须为工单对象的数组（或含 orders 数组的对象）。"))])
    # JSON rows are numbered from 1 (the array's first element).
    return list(enumerate(payload, start=1))


READERS = {"xlsx": _rows_xlsx, "csv": _rows_csv, "json": _rows_json}


def _pick(row: dict[str, Any], field: str) -> Any:
    for name in COLUMNS[field]:
        if name in row and row[name] not in (None, ""):
            return row[name]
    return None


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        for pattern in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(text) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class _Lookup:
    """Category and unit by code or name (this hotline's units only)."""

    def __init__(self, center: Center):
        self.categories: dict[str, Category] = {}
        for category in Category.objects.filter(active=True).order_by("-level", "code"):
            self.categories[category.code] = category
            self.categories.setdefault(category.name, category)
        self.units = {}
        for unit in units_for_dispatch(center=center):
            self.units[unit.code] = unit
            self.units.setdefault(unit.name, unit)

    def category(self, value: str):
        return self.categories.get(value)

    def unit(self, value: str):
        return self.units.get(value)


def _type(value: str) -> str:
    if value in OrderType.values:
        return value
    for choice in OrderType:
        if str(choice.label) == value:
            return choice.value
    raise ValueError(value)


def _parse(rows, lookup: _Lookup, errors: list) -> list[dict]:
    parsed = []
    for number, row in rows:
        def fail(field: str, message: str, number: int = number) -> None:
            errors.append((number, field, message))

        text = str(_pick(row, "text") or "").strip()
        if not text:
            fail("text", _("请填写诉求内容。"))
        elif len(text) > TEXT_MAX:
            fail("text", _("不能超过 %(n)d 个字。") % {"n": TEXT_MAX})
        values = {"content": text, "reply": str(_pick(row, "reply") or "").strip()}
        kind = str(_pick(row, "type") or "").strip()
        try:
            values["type"] = _type(kind) if kind else ""
        except ValueError:
            fail("type", _("不认识的诉求类型“%(value)s”。") % {"value": kind})
        for field in ("category", "unit"):
            name = str(_pick(row, field) or "").strip()
            found = getattr(lookup, field)(name) if name else None
            if name and found is None:
                fail(field, (_("找不到分类“%(value)s”（按代码或名称）。") if field == "category"
                             else _("找不到本热线的成员单位“%(value)s”（按代码或名称）。")) % {"value": name})
            values[field] = found
        for field in ("received_at", "closed_at"):
            raw = _pick(row, field)
            try:
                values[field] = _moment(raw) if raw not in (None, "") else None
            except ValueError:
                fail(field, _("无法识别的时间“%(value)s”（如 2024-05-01 09:30）。") % {"value": raw})
        if values.get("received_at") and values.get("closed_at") and values["closed_at"] < values["received_at"]:
            fail("closed_at", _("办结时间早于受理时间。"))
        values["row"] = number
        parsed.append(values)
        if len(errors) >= MAX_ERRORS:
            break
    return parsed


def history_import(*, actor, center: Center, name: str, data: bytes, at: datetime | None = None) -> Imported:
    """Import one file of past orders into ``center``'s history: every row or
    none (``HistoryRefused`` lists the rows and fields at fault)."""
    at = at or clock.now()
    manager_check(actor, center)
    kind = (name or "").rsplit(".", 1)[-1].lower()
    if kind not in READERS:
        raise HistoryRefused([(0, "file", _("只能导入 xlsx、csv 或 json 文件。"))])
    if len(data) > MAX_BYTES:
        raise HistoryRefused([(0, "file", _("文件不能超过 %(n)d MB。") % {"n": MAX_BYTES // 1024 // 1024})])
    rows = READERS[kind](data)
    if not rows:
        raise HistoryRefused([(0, "file", _("文件中没有工单。"))])
    if len(rows) > MAX_ROWS:
        raise HistoryRefused([(0, "file", _("一次最多导入 %(n)d 条。") % {"n": MAX_ROWS})])
    errors: list[tuple[int, str, str]] = []
    parsed = _parse(rows, _Lookup(center), errors)
    if errors:
        raise HistoryRefused(errors)
    batch = f"{at:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    with transaction.atomic():
        HistoryOrder.objects.bulk_create([
            HistoryOrder(center=center, batch=batch, imported_at=at, imported_by=person(actor), **values)
            for values in parsed], batch_size=1000)
        audit_record(actor=actor, action="hotline_history_import", target=center, at=at,
                     data={"batch": batch, "count": len(parsed), "file": name[:200]})
    return Imported(batch=batch, count=len(parsed))
