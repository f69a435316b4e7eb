from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import ApplicantKind


class ApplyForm(forms.Form):
    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人（单位）名称"), max_length=100)
    applicant_id_number = forms.CharField(label=_("证件号码（身份证或统一社会信用代码）"), max_length=32)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20)
