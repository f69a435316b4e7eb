"""Forms of the agency pages: parse the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import ApplicantKind
from govhall.catalog.models import Item
from govhall.core.forms import DayInput
from govhall.org.models import User
from govhall.org.roles import Role


class GrantForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("代办员"), queryset=User.objects.none())
    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人"), max_length=100)
    applicant_id_number = forms.CharField(label=_("证件号码"), max_length=32)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20)
    all_items = forms.BooleanField(label=_("全部事项"), required=False)
    items = forms.ModelMultipleChoiceField(label=_("代办事项"), required=False, queryset=Item.objects.none())
    valid_from = forms.DateField(label=_("生效日期"), widget=DayInput())
    expires_on = forms.DateField(label=_("截止日期"), widget=DayInput())
    document = forms.FileField(label=_("签字授权书（PDF、JPG 或 PNG）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(role=Role.AGENT, is_active=True).order_by("username")
        if user.role == Role.AGENT:
            agents = agents.filter(pk=user.pk)
            self.fields["agent"].initial = user.pk
        elif user.center_id is not None:
            agents = agents.filter(center__path__startswith=user.center.path)
        self.fields["agent"].queryset = agents
        self.fields["items"].queryset = (Item.objects.filter(current__status="published")
                                         .select_related("current").order_by("code"))
        self.fields["items"].label_from_instance = lambda item: f"{item.current.name}（{item.code}）"


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=500)
