"""The interchange form of an item version (a plain dict), and its checks.

The same dict is what JSON export writes, what Excel rows are read into, and
what the editing services apply, so every way into the catalog validates
alike. Errors are collected (not raised one by one) so that an import can
report every bad field at once.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from govhall.catalog import application_form as af
from govhall.catalog.models import (
    DeliveryMethod, FormFieldType, ItemType, MaterialForm, MaterialSource, ProcedureClass, ResultType,
)
from govhall.org.models import CenterLevel
from govhall.org.roles import Role

SCHEMA_VERSION = 1

# Keys written by the demo data file that the catalog does not store.
IGNORED_KEYS = {"added", "has_template"}

CATCH_ALL_MARKERS = ("其他材料", "法律法规规定的其他", "等其他", "其它材料")


@dataclass(frozen=True)
class SpecError:
    """One bad field: ``path`` like "materials[2].name", a message for a person."""

    path: str
    message: str


class Checker:
    def __init__(self):
        self.errors: list[SpecError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(SpecError(path, message))

    def text(self, data: dict, key: str, path: str, *, required: bool = False, max_length: int = 300) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(path, _("应为文字。"))
            return ""
        value = value.strip()
        if required and not value:
            self.add(path, _("不能为空。"))
        if len(value) > max_length:
            self.add(path, _("过长（最多 %(n)s 个字）。") % {"n": max_length})
        return value

    def choice(self, data: dict, key: str, path: str, choices, *, required: bool = True) -> str:
        value = data.get(key, "") or ""
        if not value and not required:
            return ""
        if value not in choices.values:
            self.add(path, _("取值“%(value)s”无效，可选：%(choices)s。") % {"value": value, "choices": "、".join(choices.values)})
            return ""
        return value

    def integer(self, data: dict, key: str, path: str, *, minimum: int = 0, maximum: int = 10_000, optional: bool = False):
        value = data.get(key)
        if value is None or value == "":
            if optional:
                return None
            self.add(path, _("不能为空。"))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, _("应为整数。"))
            return None
        if not minimum <= value <= maximum:
            self.add(path, _("应在 %(min)s 到 %(max)s 之间。") % {"min": minimum, "max": maximum})
            return None
        return value

    def boolean(self, data: dict, key: str, path: str, *, optional: bool = False):
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            self.add(path, _("应为是或否。"))
            return None
        return value

    def items(self, data: dict, key: str, path: str) -> list:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, _("应为列表。"))
            return []
        return value


def spec_clean(spec: Any, *, department_codes: set[str]) -> tuple[dict, list[SpecError]]:
    """Check one item spec; return the cleaned dict and every error found.

    A draft may be incomplete (missing time limits, fees…): completeness is
    checked at publication (``selectors.version_missing_elements``). What is
    checked here is what would make stored data wrong: types, choices, the
    promised ≤ statutory rule, fee lines that contradict "no fee", unknown
    departments.
    """
    c = Checker()
    if not isinstance(spec, dict):
        return {}, [SpecError("", _("应为一个事项对象。"))]
    unknown = set(spec) - KNOWN_KEYS - IGNORED_KEYS
    for key in sorted(unknown):
        c.add(key, _("未知字段。"))
    out: dict[str, Any] = {
        "code": c.text(spec, "code", "code", required=True, max_length=80),
        "base_code": c.text(spec, "base_code", "base_code", required=True, max_length=40),
        "name": c.text(spec, "name", "name", required=True, max_length=200),
        "item_type": c.choice(spec, "item_type", "item_type", ItemType),
        "department": c.text(spec, "department", "department", required=True, max_length=32),
        "level": c.choice({"level": spec.get("level") or CenterLevel.DISTRICT}, "level", "level", CenterLevel),
        "status": spec.get("status", "draft"),
        "source": c.text(spec, "source", "source"),
        "group": c.text(spec, "group", "group", max_length=200),
        "conditions": c.text(spec, "conditions", "conditions", max_length=5000),
        "procedure_class": c.choice(spec, "procedure_class", "procedure_class", ProcedureClass, required=False),
        "statutory_days": c.integer(spec, "statutory_days", "statutory_days", maximum=400, optional=True),
        "promised_days": c.integer(spec, "promised_days", "promised_days", maximum=400, optional=True),
        "immediate": bool(c.boolean(spec, "immediate", "immediate", optional=True)),
        "no_fee": c.boolean(spec, "no_fee", "no_fee", optional=True),
        "result_type": c.choice(spec, "result_type", "result_type", ResultType, required=False),
        "result_name": c.text(spec, "result_name", "result_name", max_length=100),
        "visits": c.integer(spec, "visits", "visits", maximum=10, optional=True),
        "online": bool(c.boolean(spec, "online", "online", optional=True)),
        "onsite_inspection": bool(c.boolean(spec, "onsite_inspection", "onsite_inspection", optional=True)),
        "consult_phone": c.text(spec, "consult_phone", "consult_phone", max_length=40),
        "complaint_phone": c.text(spec, "complaint_phone", "complaint_phone", max_length=40),
        "location": c.text(spec, "location", "location", max_length=200),
        "office_hours": c.text(spec, "office_hours", "office_hours", max_length=100),
    }
    if out["status"] not in {"draft", "published"}:
        c.add("status", _("应为 draft 或 published。"))
    if out["department"] and out["department"] not in department_codes:
        c.add("department", _("部门编码“%(value)s”不存在。") % {"value": out["department"]})
    if out["statutory_days"] is not None and out["promised_days"] is not None and out["promised_days"] > out["statutory_days"]:
        c.add("promised_days", _("承诺时限不得超过法定时限。"))
    if out["immediate"] and out["promised_days"] not in (None, 0):
        c.add("promised_days", _("即办件的承诺时限应为 0。"))

    methods = c.items(spec, "delivery_methods", "delivery_methods")
    for i, method in enumerate(methods):
        if method not in DeliveryMethod.values:
            c.add(f"delivery_methods[{i}]", _("取值“%(value)s”无效。") % {"value": method})
    out["delivery_methods"] = [m for m in DeliveryMethod.values if m in methods]

    out["legal_basis"] = []
    for i, basis in enumerate(c.items(spec, "legal_basis", "legal_basis")):
        path = f"legal_basis[{i}]"
        if not isinstance(basis, dict):
            c.add(path, _("应为对象。"))
            continue
        out["legal_basis"].append({
            "law": c.text(basis, "law", f"{path}.law", required=True, max_length=200),
            "article": c.text(basis, "article", f"{path}.article", max_length=100),
            "excerpt": c.text(basis, "excerpt", f"{path}.excerpt", max_length=2000),
        })

    out["materials"] = []
    for i, material in enumerate(c.items(spec, "materials", "materials")):
        path = f"materials[{i}]"
        if not isinstance(material, dict):
            c.add(path, _("应为对象。"))
            continue
        required = c.boolean(material, "required", f"{path}.required", optional=True)
        cleaned = {
            "name": c.text(material, "name", f"{path}.name", required=True, max_length=200),
            "required": True if required is None else required,
            "condition": c.text(material, "condition", f"{path}.condition"),
            "form": c.choice({"form": material.get("form") or MaterialForm.ORIGINAL}, "form", f"{path}.form", MaterialForm),
            "copies": c.integer({"copies": material.get("copies", 1)}, "copies", f"{path}.copies", minimum=1, maximum=99),
            "source": c.choice({"source": material.get("source") or MaterialSource.APPLICANT}, "source", f"{path}.source", MaterialSource),
            "source_department": c.text(material, "source_department", f"{path}.source_department", max_length=100),
            "notes": c.text(material, "notes", f"{path}.notes"),
        }
        if not cleaned["required"] and not cleaned["condition"]:
            c.add(f"{path}.condition", _("非必要材料须写明适用情形。"))
        out["materials"].append(cleaned)

    out["steps"] = []
    for i, step in enumerate(c.items(spec, "steps", "steps")):
        path = f"steps[{i}]"
        if not isinstance(step, dict):
            c.add(path, _("应为对象。"))
            continue
        department = c.text(step, "department", f"{path}.department", max_length=32)
        if department and department not in department_codes:
            c.add(f"{path}.department", _("部门编码“%(value)s”不存在。") % {"value": department})
        role = c.text(step, "role", f"{path}.role", required=True, max_length=16)
        if role and role not in Role.values:
            c.add(f"{path}.role", _("角色“%(value)s”无效。") % {"value": role})
        out["steps"].append({
            "name": c.text(step, "name", f"{path}.name", required=True, max_length=50),
            "role": role,
            "days": c.integer({"days": step.get("days", 0)}, "days", f"{path}.days", maximum=400),
            "department": department,
        })

    out["fees"] = []
    for i, fee in enumerate(c.items(spec, "fees", "fees")):
        path = f"fees[{i}]"
        if not isinstance(fee, dict):
            c.add(path, _("应为对象。"))
            continue
        amount_text = str(fee.get("amount", "") or "").strip()
        amount = None
        if amount_text:
            try:
                amount = Decimal(amount_text).quantize(Decimal("0.01"))
                if amount < 0:
                    raise InvalidOperation
            except InvalidOperation:
                c.add(f"{path}.amount", _("金额“%(value)s”无效。") % {"value": amount_text})
        cleaned = {
            "name": c.text(fee, "name", f"{path}.name", required=True, max_length=100),
            "amount": f"{amount:.2f}" if amount is not None else "",
            "rule": c.text(fee, "rule", f"{path}.rule"),
            "basis": c.text(fee, "basis", f"{path}.basis", required=True),
        }
        if not cleaned["amount"] and not cleaned["rule"]:
            c.add(f"{path}.amount", _("请填写收费标准或计费规则。"))
        out["fees"].append(cleaned)
    if out["no_fee"] is True and out["fees"]:
        c.add("fees", _("已声明不收费，不能再列收费项目。"))
    if out["no_fee"] is False and not out["fees"]:
        c.add("fees", _("收费事项须列出收费项目。"))

    out["form_fields"] = _form_fields(c, spec)

    themes = c.items(spec, "themes", "themes")
    out["themes"] = [t for t in themes if isinstance(t, str)]
    return out, c.errors


FORM_FIELD_KEYS = ("key", "label", "type", "required", "options", "max_length", "min", "max", "help")


def _form_fields(c: Checker, spec: dict) -> list[dict]:
    """The item's own application form: each field with every key present
    (options only for a choice, a length only for text, bounds only for a
    number), so that export → import gives the same content."""
    fields = c.items(spec, "form_fields", "form_fields")
    if len(fields) > af.FIELDS_MAX:
        c.add("form_fields", _("申请表最多 %(n)s 个字段。") % {"n": af.FIELDS_MAX})
    out, seen = [], set()
    for i, field in enumerate(fields):
        path = f"form_fields[{i}]"
        if not isinstance(field, dict):
            c.add(path, _("应为对象。"))
            continue
        for key in sorted(set(field) - set(FORM_FIELD_KEYS), key=str):
            c.add(f"{path}.{key}", _("未知字段。"))
        key = c.text(field, "key", f"{path}.key", required=True, max_length=40)
        if key and not af.KEY_PATTERN.match(key):
            c.add(f"{path}.key", _("字段标识应以小写英文字母开头，只含小写字母、数字和下划线。"))
        elif key in seen:
            c.add(f"{path}.key", _("字段标识“%(value)s”重复。") % {"value": key})
        seen.add(key)
        kind = c.choice(field, "type", f"{path}.type", FormFieldType)
        required = c.boolean(field, "required", f"{path}.required", optional=True)
        options = []
        for j, option in enumerate(c.items(field, "options", f"{path}.options")):
            where = f"{path}.options[{j}]"
            if not isinstance(option, str) or not option.strip():
                c.add(where, _("选项应为文字。"))
            elif len(option.strip()) > af.OPTION_MAX:
                c.add(where, _("过长（最多 %(n)s 个字）。") % {"n": af.OPTION_MAX})
            elif any(sep in option for sep in af.OPTION_SEPARATORS):
                c.add(where, _("选项中不能有顿号或逗号（Excel 中用顿号分隔选项）。"))
            elif option.strip() in options:
                c.add(where, _("选项“%(value)s”重复。") % {"value": option.strip()})
            else:
                options.append(option.strip())
        if kind == FormFieldType.CHOICE and not 2 <= len(options) <= af.OPTIONS_MAX:
            c.add(f"{path}.options", _("单选字段应列出 2 至 %(n)s 个选项。") % {"n": af.OPTIONS_MAX})
        elif kind and kind != FormFieldType.CHOICE and options:
            c.add(f"{path}.options", _("只有单选字段可以列出选项。"))
        max_length = c.integer(field, "max_length", f"{path}.max_length", minimum=1, maximum=af.LENGTH_MAX, optional=True)
        if kind and kind not in af.DEFAULT_LENGTH and max_length is not None:
            c.add(f"{path}.max_length", _("只有文本字段可以限定字数。"))
        bounds = {}
        for end in ("min", "max"):
            value = field.get(end)
            bounds[end] = None if value is None or value == "" else af.number_value(value)
            if value not in (None, "") and bounds[end] is None:
                c.add(f"{path}.{end}", _("应为数字（最多两位小数，绝对值小于 10 亿）。"))
            elif bounds[end] is not None and kind and kind != FormFieldType.NUMBER:
                c.add(f"{path}.{end}", _("只有数字字段可以限定范围。"))
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            c.add(f"{path}.max", _("最大值不能小于最小值。"))
        out.append({
            "key": key,
            "label": c.text(field, "label", f"{path}.label", required=True, max_length=af.LABEL_MAX),
            "type": kind,
            "required": bool(required),
            "options": options if kind == FormFieldType.CHOICE else [],
            "max_length": max_length if kind in af.DEFAULT_LENGTH else None,
            "min": bounds["min"] if kind == FormFieldType.NUMBER else None,
            "max": bounds["max"] if kind == FormFieldType.NUMBER else None,
            "help": c.text(field, "help", f"{path}.help", max_length=af.HELP_MAX),
        })
    return out


def spec_missing_elements(spec: dict) -> list[str]:
    """The required elements a (cleaned) spec lacks (待完善), in Chinese."""
    checks = [
        (_("设定依据"), spec["legal_basis"]),
        (_("受理条件"), spec["conditions"]),
        (_("办理程序"), spec["procedure_class"]),
        (_("法定时限"), spec["statutory_days"] is not None),
        (_("承诺时限"), spec["promised_days"] is not None),
        (_("收费标准（或“不收费”）"), spec["no_fee"] is not None),
        (_("申请材料"), spec["materials"]),
        (_("办理流程"), spec["steps"]),
        (_("办理结果"), spec["result_type"] and spec["result_name"]),
        (_("送达方式"), spec["delivery_methods"]),
        (_("到现场次数"), spec["visits"] is not None),
        (_("咨询电话"), spec["consult_phone"]),
        (_("投诉电话"), spec["complaint_phone"]),
        (_("办理地点"), spec["location"]),
        (_("办理时间"), spec["office_hours"]),
    ]
    return [label for label, present in checks if not present]


KNOWN_KEYS = {
    "code", "base_code", "name", "item_type", "department", "level", "status", "source", "group", "legal_basis",
    "conditions", "procedure_class", "statutory_days", "promised_days", "immediate", "no_fee", "fees",
    "result_type", "result_name", "delivery_methods", "visits", "online", "onsite_inspection",
    "consult_phone", "complaint_phone", "location", "office_hours", "materials", "steps", "themes", "form_fields",
}
