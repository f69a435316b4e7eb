"""The item's own application form on a page: the questions the item
defines (``ItemVersion.form_fields``) and the delivery choice, for the
portal's online application and the window receipt alike.

The form only shapes input: every answer arrives as typed and is checked
once, by ``catalog.application_form`` inside the case services; their
refusal (``form.<key>``, ``delivery_method``, ``delivery_address``) is shown
on the field it names (``place_error``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.catalog.application_form import DEFAULT_LENGTH, DELIVERY_ADDRESS_MAX, delivery_offered
from govhall.catalog.models import DeliveryMethod, FormFieldType
from govhall.core.forms import DayInput

PREFIX = "form-"


def field_name(key: str) -> str:
    return PREFIX + key


def _label(f: dict) -> str:
    return _("%(label)s（必填）") % {"label": f["label"]} if f.get("required") else f["label"]


def _field(f: dict) -> forms.Field:
    """A Django field for one question: no rule of its own (the catalog's
    applies), only the right input and the hints a browser shows."""
    kind = f["type"]
    common = {"label": _label(f), "required": False, "help_text": f.get("help") or ""}
    if kind == FormFieldType.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FormFieldType.CHOICE:
        choices = [("", _("（请选择）")), *((option, option) for option in f.get("options", []))]
        return forms.CharField(widget=forms.Select(choices=choices), **common)
    if kind == FormFieldType.TEXTAREA:
        limit = f.get("max_length") or DEFAULT_LENGTH[kind]
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "maxlength": limit}), **common)
    if kind == FormFieldType.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == FormFieldType.DATE:
        return forms.CharField(widget=DayInput(), **common)
    limit = f.get("max_length") or DEFAULT_LENGTH[FormFieldType.TEXT]
    return forms.CharField(widget=forms.TextInput(attrs={"maxlength": limit}), **common)


def delivery_fields(offered: list[str]) -> dict[str, forms.Field]:
    """The fields asking how the result is wanted, among the ``offered``
    methods (none offered: nothing asked); the address when mail is one."""
    if not offered:
        return {}
    methods = [DeliveryMethod(m) for m in offered]
    fields = {"delivery_method": forms.CharField(
        label=_("办理结果领取方式"), required=False, initial=methods[0].value,
        widget=forms.RadioSelect(choices=[(m.value, m.label) for m in methods]))}
    if DeliveryMethod.MAIL in methods:
        fields["delivery_address"] = forms.CharField(
            label=_("邮寄地址（选择邮寄送达时填写，含收件人和电话）"), required=False,
            widget=forms.TextInput(attrs={"maxlength": DELIVERY_ADDRESS_MAX}))
    return fields


class ApplicationForm(forms.Form):
    """The item's questions, then how the applicant wants the result."""

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        for f in version.form_fields or []:
            self.fields[field_name(f["key"])] = _field(f)
        self.fields.update(delivery_fields(delivery_offered(version)))

    @property
    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith(PREFIX)]

    @property
    def delivery_fields(self):
        return [self[name] for name in ("delivery_method", "delivery_address") if name in self.fields]

    def answers(self) -> dict:
        """The case services' arguments: ``form_data``, ``delivery_method``, ``delivery_address``."""
        data = self.cleaned_data
        return {
            "form_data": {f["key"]: data.get(field_name(f["key"])) for f in self.version.form_fields or []},
            "delivery_method": data.get("delivery_method") or "",
            "delivery_address": data.get("delivery_address") or "",
        }

    def place_error(self, error) -> bool:
        """Show a service's refusal on the field it names; False when it names none of these."""
        name = error.field or ""
        if name.startswith("form."):
            name = field_name(name.removeprefix("form."))
        if name in self.fields:
            self.add_error(name, error.message)
            return True
        return False
