"""The item's own application form (申请表): the answers an applicant gives
and the way he wants the result, checked in one place.

An item version defines its fields (``ItemVersion.form_fields``, checked by
``catalog.spec``); the case services call ``form_data_clean`` and
``delivery_clean`` before anything is written, whatever the channel (window,
portal, API), so every way in refuses alike, naming the field at fault
(``form.<key>``, ``delivery_method``, ``delivery_address``). What is stored
is what these functions return; ``form_data_rows`` reads it back for the
acceptance notice and the case pages.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from govhall.catalog.models import DeliveryMethod, FormFieldType

# Bounds of a definition (docs/catalog-format.md).
FIELDS_MAX = 30
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 50
HELP_MAX = 200
OPTIONS_MAX = 30
OPTION_MAX = 50
LENGTH_MAX = 2000
DEFAULT_LENGTH = {FormFieldType.TEXT: 200, FormFieldType.TEXTAREA: 2000}
NUMBER_LIMIT = Decimal(10) ** 9  # |value| below a billion
NUMBER_DECIMALS = 2
# An option is written in Excel between 、 (a list cell): no separators inside.
OPTION_SEPARATORS = ("、", ",", "，")

DELIVERY_ADDRESS_MAX = 200

# Control characters no answer may carry (PostgreSQL's JSON refuses NUL;
# the others only hide text); a multi-line answer keeps its line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_key(key: str) -> str:
    """The name of an answer in errors: ``form.<key>``."""
    return f"form.{key}"


def number_value(value: Any) -> int | float | None:
    """A number as stored (int when whole, else float with at most two
    decimals); None when ``value`` is not such a number within ±10^9.
    Booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    text = str(value).strip()
    if not text or len(text) > 30:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        return None
    cents = number.quantize(Decimal("0.01"))
    if number != cents:
        return None
    return int(number) if number == number.to_integral_value() else float(cents)


def form_data_clean(version, data: Any) -> dict:
    """The answers to ``version``'s form, checked and normalized: text
    stripped, numbers as numbers, dates as YYYY-MM-DD, a checkbox as true or
    false; an answer left empty is left out. Raises DomainError naming
    ``form.<key>`` for a required answer missing, a wrong type, a number out
    of range, an unknown choice or a key the form does not have."""
    from govhall.core.errors import DomainError

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DomainError(_("申请表内容应为“字段标识: 填写内容”的对象。"), field="form_data")
    fields = list(version.form_fields or [])
    known = {f["key"] for f in fields}
    for key in data:
        if key not in known:
            name = field_key(key) if isinstance(key, str) and KEY_PATTERN.match(key) else "form_data"
            raise DomainError(_("申请表中没有“%(key)s”这一项。") % {"key": str(key)[:40]}, field=name)
    cleaned: dict[str, Any] = {}
    for f in fields:
        value = _answer(f, data.get(f["key"]))
        if value is not None:
            cleaned[f["key"]] = value
    return cleaned


def _answer(f: dict, value: Any):
    """One answer checked against its field definition (None: left empty)."""
    from govhall.core.errors import DomainError

    key, label, kind = f["key"], f["label"], f["type"]
    name = field_key(key)

    def refuse(message: str):
        raise DomainError(message, field=name)

    if kind == FormFieldType.CHECKBOX:
        if value is None or value == "":
            value = False
        if not isinstance(value, bool):
            refuse(_("“%(label)s”应为是或否。") % {"label": label})
        if f.get("required") and not value:
            refuse(_("请勾选“%(label)s”。") % {"label": label})
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if f.get("required"):
            refuse((_("请选择“%(label)s”。") if kind == FormFieldType.CHOICE else _("请填写“%(label)s”。"))
                   % {"label": label})
        return None
    if kind in (FormFieldType.TEXT, FormFieldType.TEXTAREA):
        if not isinstance(value, str):
            refuse(_("“%(label)s”应为文字。") % {"label": label})
        value = value.strip()
        limit = f.get("max_length") or DEFAULT_LENGTH[kind]
        if len(value) > limit:
            refuse(_("“%(label)s”不能超过 %(n)s 个字。") % {"label": label, "n": limit})
        control = _CONTROL if kind == FormFieldType.TEXTAREA else _CONTROL_SINGLE_LINE
        if control.search(value):
            refuse(_("“%(label)s”含有不能保存的字符。") % {"label": label})
        return value
    if kind == FormFieldType.NUMBER:
        number = number_value(value)
        if number is None:
            refuse(_("“%(label)s”应为数字（最多两位小数）。") % {"label": label})
        low, high = f.get("min"), f.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                message = _("“%(label)s”应在 %(min)s 到 %(max)s 之间。")
            elif low is not None:
                message = _("“%(label)s”不能小于 %(min)s。")
            else:
                message = _("“%(label)s”不能大于 %(max)s。")
            refuse(message % {"label": label, "min": low, "max": high})
        return number
    if kind == FormFieldType.DATE:
        day = value if isinstance(value, date) else None
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if day is None or not 1900 <= day.year <= 2100:
            refuse(_("“%(label)s”应为日期，如 2026-03-02。") % {"label": label})
        return day.isoformat()
    if kind == FormFieldType.CHOICE:
        if not isinstance(value, str) or value.strip() not in f.get("options", []):
            refuse(_("“%(label)s”只能从以下选项中选择：%(options)s。")
                   % {"label": label, "options": "、".join(f.get("options", []))})
        return value.strip()
    refuse(_("未知的字段类型。"))


def delivery_offered(*versions) -> list[str]:
    """The delivery methods every one of ``versions`` offers, in the
    catalog's order (a joint case's results are delivered together, 统一出件)."""
    return [m for m in DeliveryMethod.values if all(m in (v.delivery_methods or []) for v in versions)]


def delivery_clean(offered: list[str], method: Any, address: Any) -> tuple[str, str]:
    """How the applicant wants the result: one of the ``offered`` methods
    (``delivery_offered``; empty: not stated, the clerk asks at delivery),
    and the address when by mail (required then; not kept otherwise).
    Raises DomainError naming ``delivery_method`` or ``delivery_address``."""
    from govhall.core.errors import DomainError

    method = "" if method is None else method
    if not isinstance(method, str):
        raise DomainError(_("请选择办理结果的领取方式。"), field="delivery_method")
    method = method.strip()
    if not method:
        return "", ""
    if method not in offered:
        raise DomainError(_("该事项的办理结果可以：%(list)s。")
                          % {"list": "、".join(str(DeliveryMethod(m).label) for m in offered) or "—"},
                          field="delivery_method")
    if method != DeliveryMethod.MAIL:
        return method, ""
    if address is not None and not isinstance(address, str):
        raise DomainError(_("请填写邮寄地址。"), field="delivery_address")
    address = (address or "").strip()
    if not address:
        raise DomainError(_("选择邮寄送达时，请填写邮寄地址（含收件人和电话）。"), field="delivery_address")
    if len(address) > DELIVERY_ADDRESS_MAX:
        raise DomainError(_("邮寄地址不能超过 %(n)s 个字。") % {"n": DELIVERY_ADDRESS_MAX}, field="delivery_address")
    if _CONTROL_SINGLE_LINE.search(address):
        raise DomainError(_("邮寄地址含有不能保存的字符。"), field="delivery_address")
    return method, address


def answer_text(f: dict, value: Any) -> str:
    """An answer as printed: 是/否 for a checkbox, 2026年3月2日 for a date.
    Chinese whatever the screen's language (the notice is a legal document)."""
    if f["type"] == FormFieldType.CHECKBOX:
        return "是" if value else "否"
    if f["type"] == FormFieldType.DATE and isinstance(value, str) and _ISO_DATE.match(value):
        day = date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return str(value)


def form_data_rows(version, data: dict | None) -> list[tuple[str, str]]:
    """(label, answer) of each question answered, in the form's order."""
    data = data or {}
    return [(f["label"], answer_text(f, data[f["key"]])) for f in version.form_fields or [] if f["key"] in data]
