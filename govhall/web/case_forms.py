"""Forms of the workbench's case pages: shape input for the case services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.cases import limits
from govhall.cases.models import ApplicantKind, Verdict
from govhall.cases.services import DELIVERY_METHODS, PAYMENT_METHODS


class ReceiveForm(forms.Form):
    """The window acceptance screen: who applies, and the clerk's decision."""

    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人（单位）名称"), max_length=limits.APPLICANT_NAME_MAX)
    applicant_id_number = forms.CharField(label=_("证件号码（身份证或统一社会信用代码）"), max_length=limits.ID_NUMBER_MAX)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=limits.PHONE_MAX)
    # An agent present for the applicant (govhall/agency): his authorization's number.
    agency = forms.IntegerField(label=_("代办授权编号（代办员代为办理时）"), required=False, min_value=1,
                                max_value=2**31 - 1)
    decision = forms.ChoiceField(label=_("收件处理"), choices=[
        ("accept", _("材料齐全，予以受理")), ("correction", _("一次性告知补正")), ("reject", _("不予受理")),
    ], widget=forms.RadioSelect, initial="accept")
    correction = forms.CharField(label=_("需补正的材料及问题（每行一项：材料：问题）"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("不予受理理由"), required=False, max_length=limits.TEXT_MAX)
    refer_to = forms.CharField(label=_("应向何机关申请（不属于本机关职权时）"), required=False,
                               max_length=limits.REFER_TO_MAX)


def correction_items(text: str) -> list[dict]:
    """“材料：问题” lines into the service's list (missing colon → the problem is left empty, the service refuses)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            material, _sep, problem = line.replace(":", "：").partition("：")
            items.append({"material": material.strip(), "problem": problem.strip()})
    return items


# The forms of the case page's actions. Each field is named as the service's
# argument, so that a form's cleaned data are the action's inputs
# (services.case_act); the bounds are the services' (cases/limits.py).

class CorrectionForm(forms.Form):
    items = forms.CharField(label=_("需补正的材料及问题（每行一项：材料：问题）"), widget=forms.Textarea(attrs={"rows": 3}),
                            max_length=limits.CORRECTION_ITEMS_MAX * (limits.CORRECTION_MATERIAL_MAX + limits.CORRECTION_PROBLEM_MAX + 2))

    def clean_items(self) -> list[dict]:
        return correction_items(self.cleaned_data["items"])


def _text(label, limit=limits.TEXT_MAX, rows=2, **kwargs):
    return forms.CharField(label=label, max_length=limit, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class OpinionForm(forms.Form):
    opinion = _text(_("意见"))


class ReasonForm(forms.Form):
    reason = _text(_("理由"))


class OptionalReasonForm(forms.Form):
    reason = _text(_("理由"), required=False)


class RejectForm(forms.Form):
    reason = _text(_("不予受理理由"))
    refer_to = forms.CharField(label=_("应向何机关申请（不属于本机关职权时）"), required=False, max_length=limits.REFER_TO_MAX)


class DenyForm(forms.Form):
    reasons = _text(_("不予许可的理由"), rows=3)


class SuspendForm(forms.Form):
    ground = forms.ChoiceField(label=_("特别程序"))
    reason = forms.CharField(label=_("事由"), max_length=limits.PAUSE_REASON_MAX)
    expected_days = forms.IntegerField(label=_("预计所需时间（工作日）"), min_value=1, max_value=limits.SUSPENSION_DAYS_MAX)

    def __init__(self, *args, grounds, **kwargs):
        super().__init__(*args, **kwargs)
        # The national grounds of art. 45, then the center's own with their basis.
        self.fields["ground"].choices = [
            (g.code, f"{g.name}（{g.legal_basis}）" if g.local else g.name) for g in grounds]


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长（工作日）"), min_value=1, max_value=limits.EXTENSION_DAYS_MAX)
    reason = forms.CharField(label=_("理由"), max_length=limits.PAUSE_REASON_MAX)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("实收金额（元）"), min_value=0, max_digits=limits.AMOUNT_MAX_DIGITS,
                                decimal_places=2)
    method = forms.ChoiceField(label=_("缴费方式"), choices=list(PAYMENT_METHODS.items()))
    receipt_number = forms.CharField(label=_("票据号"), max_length=limits.SHORT_TEXT_MAX)


class CertifyForm(forms.Form):
    certificate_number = forms.CharField(label=_("证照编号"), max_length=limits.SHORT_TEXT_MAX)


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"), choices=list(DELIVERY_METHODS.items()))
    received_by = forms.CharField(label=_("签收人"), max_length=limits.SHORT_TEXT_MAX)


class AttachForm(forms.Form):
    """A scan handed in at the window for one of the item's materials."""

    material_order = forms.TypedChoiceField(label=_("材料"), coerce=int)
    file = forms.FileField(label=_("扫描件（PDF、JPG 或 PNG）"))

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material_order"].choices = [(m.order, m.name) for m in materials]

    def clean(self):
        from govhall.cases.services import MATERIAL_MAX_BYTES

        data = super().clean()
        upload = data.pop("file", None)
        if upload is not None:
            data["filename"] = upload.name
            data["content"] = upload.read(MATERIAL_MAX_BYTES + 1)
        return data


class MaterialCheckForm(forms.Form):
    """The acceptance check on the case page: per material 合格 or 需补正
    with what is wrong; a material left blank is not checked this time.
    Cleaned, it is the service's ``checks``."""

    def __init__(self, *args, materials, checks, **kwargs):
        super().__init__(*args, **kwargs)
        # Materials fetched from an e-licence or another department are not handed in: nothing to check.
        self.materials = [material for material in materials if not material.exempt]
        for material in self.materials:
            done = checks.get(material.order)
            self.fields[f"verdict_{material.order}"] = forms.ChoiceField(
                label=material.name, required=False, choices=[("", _("（未核验）")), *Verdict.choices],
                initial=done.verdict if done else "", widget=forms.RadioSelect)
            self.fields[f"note_{material.order}"] = forms.CharField(
                label=_("需补正的内容"), required=False, max_length=limits.CORRECTION_PROBLEM_MAX,
                initial=done.note if done and done.verdict == Verdict.FIX else "")

    def field_for(self, name: str) -> str:
        """The form field the service's ``checks[i].note`` (or ``.verdict``) names."""
        lines = (getattr(self, "cleaned_data", None) or {}).get("checks", [])
        index, _sep, part = name.removeprefix("checks[").partition("]")
        if name.startswith("checks[") and index.isdigit() and int(index) < len(lines):
            return f"{'note' if part == '.note' else 'verdict'}_{lines[int(index)]['material_order']}"
        return name

    def rows(self):
        """(material, verdict field, note field) per material, for the template."""
        return [(m, self[f"verdict_{m.order}"], self[f"note_{m.order}"]) for m in self.materials]

    def clean(self):
        data = super().clean()
        checks = [{"material_order": m.order, "verdict": data[f"verdict_{m.order}"], "note": data.get(f"note_{m.order}", "")}
                  for m in self.materials if data.get(f"verdict_{m.order}")]
        if not checks and not self.errors:
            raise forms.ValidationError(_("请至少核验一项材料。"))
        return {"checks": checks}
