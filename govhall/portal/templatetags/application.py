"""The item's own application form on pages: the questions in the service
guide, and a case's answers with the chosen delivery on the workbench's
case page and the applicant's own."""

from django import template
from django.utils.translation import gettext as _

from govhall.catalog.application_form import DEFAULT_LENGTH, answer_text
from govhall.catalog.models import DeliveryMethod, FormFieldType

register = template.Library()


def _hint(f: dict) -> str:
    """What a question accepts, in a few words."""
    kind = f["type"]
    if kind == FormFieldType.CHOICE:
        hint = _("可选：%(options)s") % {"options": "、".join(f["options"])}
    elif kind == FormFieldType.NUMBER and (f.get("min") is not None or f.get("max") is not None):
        hint = _("%(min)s 至 %(max)s") % {"min": f.get("min") if f.get("min") is not None else "—",
                                          "max": f.get("max") if f.get("max") is not None else "—"}
    elif kind in DEFAULT_LENGTH:
        hint = _("最多 %(n)s 个字") % {"n": f.get("max_length") or DEFAULT_LENGTH[kind]}
    else:
        hint = ""
    return "；".join(part for part in (hint, f.get("help") or "") if part)


@register.inclusion_tag("portal/_application_guide.html")
def application_guide(version):
    """The questions of the item's application form, for the service guide."""
    rows = [{"label": f["label"], "type": FormFieldType(f["type"]).label, "required": f["required"], "hint": _hint(f)}
            for f in version.form_fields or []]
    return {"rows": rows}


@register.inclusion_tag("portal/_application_answers.html")
def application_answers(case):
    """A case's answers to its item's form, in the form's order, and the delivery chosen."""
    data = case.form_data or {}
    rows = []
    for f in case.item_version.form_fields or []:
        if f["key"] in data:
            value = data[f["key"]]
            text = (_("是") if value else _("否")) if f["type"] == FormFieldType.CHECKBOX else answer_text(f, value)
            rows.append((f["label"], text))
    delivery = str(DeliveryMethod(case.delivery_method).label) if case.delivery_method in DeliveryMethod.values else ""
    return {"rows": rows, "delivery": delivery, "address": case.delivery_address}
