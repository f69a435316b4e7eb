"""Forms of the workbench's case pages: shape input for the case services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import ApplicantKind
from govhall.cases.services import PAYMENT_METHODS
from govhall.cases.states import SuspensionGround


class ReceiveForm(forms.Form):
    """The window acceptance screen: who applies, and the clerk's decision."""

    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人（单位）名称"), max_length=100)
    applicant_id_number = forms.CharField(label=_("证件号码（身份证或统一社会信用代码）"), max_length=32)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20)
    decision = forms.ChoiceField(label=_("收件处理"), choices=[
        ("accept", _("材料齐全，予以受理")), ("correction", _("一次性告知补正")), ("reject", _("不予受理")),
    ], widget=forms.RadioSelect, initial="accept")
    correction = forms.CharField(label=_("需补正的材料及问题（每行一项：材料：问题）"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("不予受理理由"), required=False, max_length=500)
    refer_to = forms.CharField(label=_("应向何机关申请（不属于本机关职权时）"), required=False, max_length=100)


def correction_items(text: str) -> list[dict]:
    """“材料：问题” lines into the service's list (missing colon → the problem is left empty, the service refuses)."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            material, _sep, problem = line.replace(":", "：").partition("：")
            items.append({"material": material.strip(), "problem": problem.strip()})
    return items


class CorrectionForm(forms.Form):
    items = forms.CharField(label=_("需补正的材料及问题（每行一项：材料：问题）"), widget=forms.Textarea(attrs={"rows": 3}))


class OpinionForm(forms.Form):
    opinion = forms.CharField(label=_("意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SuspendForm(forms.Form):
    ground = forms.ChoiceField(label=_("特别程序"), choices=SuspensionGround.choices)
    reason = forms.CharField(label=_("事由"), max_length=300)
    expected_days = forms.IntegerField(label=_("预计所需时间（工作日）"), min_value=1, max_value=365)
    approver = forms.ModelChoiceField(label=_("批准人（部门负责人）"), queryset=None)

    def __init__(self, *args, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长（工作日）"), min_value=1, max_value=10)
    reason = forms.CharField(label=_("理由"), max_length=300)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("实收金额（元）"), min_value=0, max_digits=12, decimal_places=2)
    method = forms.ChoiceField(label=_("缴费方式"), choices=list(PAYMENT_METHODS.items()))
    receipt_number = forms.CharField(label=_("票据号"), max_length=40)


class CertifyForm(forms.Form):
    certificate_number = forms.CharField(label=_("证照编号"), max_length=64)


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"), choices=[("window", _("窗口领取")), ("mail", _("邮寄送达")),
                                                          ("electronic", _("电子送达"))])
    received_by = forms.CharField(label=_("签收人"), max_length=50)
