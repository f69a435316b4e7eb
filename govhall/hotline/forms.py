"""Forms of the hotline's screens: they parse input; the services decide."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govhall.evaluation.models import Level
from govhall.hotline import limits
from govhall.hotline.models import Category, MemberUnit, OrderType, Urgency
from govhall.org.models import Center, CenterLevel


class IntakeForm(forms.Form):
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)
    caller_name = forms.CharField(label=_("来电人"), max_length=50, required=False)
    type = forms.ChoiceField(label=_("诉求类型"), choices=OrderType.choices)
    content = forms.CharField(label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ModelChoiceField(label=_("分类"), queryset=Category.objects.none(), required=False)
    address = forms.CharField(label=_("事发地址"), max_length=200, required=False)
    town = forms.ModelChoiceField(label=_("所属镇街"), queryset=Center.objects.none(), required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    related_case_number = forms.CharField(label=_("关联办件编号"), max_length=40, required=False)
    # What to do at once: register only, dispatch, or answer directly.
    main_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=MemberUnit.objects.none(), required=False)
    co_units = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=MemberUnit.objects.none(), required=False)
    answer = forms.CharField(label=_("直接答复内容"), max_length=4000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    # The knowledge chosen among the suggestions ("k<version id>" or "g<item version id>").
    knowledge = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, units, categories, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["main_unit"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["town"].queryset = Center.objects.filter(level=CenterLevel.TOWN, path__startswith=center.path)
        self.fields["caller_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        # The knowledge base's suggestions follow what the operator types (htmx;
        # "input": Chinese typed through an input method or pasted sends no keyup).
        self.fields["content"].widget.attrs.update({
            "hx-get": reverse("hotline_knowledge_suggest"), "hx-trigger": "input changed delay:500ms, change",
            "hx-target": "#knowledge-suggest", "hx-swap": "outerHTML"})


class DispatchForm(forms.Form):
    main_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=MemberUnit.objects.none())
    co_units = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=MemberUnit.objects.none(), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_unit"].queryset = units
        self.fields["co_units"].queryset = units


class TextForm(forms.Form):
    text = forms.CharField(max_length=4000)


class ExtensionAskForm(forms.Form):
    days = forms.IntegerField(label=_("延期（工作日）"), min_value=1, max_value=limits.EXTENSION_DAYS_MAX)
    reason = forms.CharField(label=_("延期理由"), max_length=500)


class CloseForm(forms.Form):
    solved = forms.TypedChoiceField(label=_("是否解决"), choices=[("1", _("已解决")), ("0", _("未解决"))],
                                    coerce=lambda value: value == "1")
    rating = forms.TypedChoiceField(label=_("满意度"), choices=[("", _("未评价")), *Level.choices], coerce=int,
                                    empty_value=None, required=False)
    note = forms.CharField(label=_("回访记录"), max_length=500, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重办理由"), max_length=500)
    rating = forms.TypedChoiceField(label=_("满意度"), choices=[("", _("未评价")), *Level.choices], coerce=int,
                                    empty_value=None, required=False)

