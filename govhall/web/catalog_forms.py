"""Forms of the workbench's item editor. They only shape input into the
catalog's interchange dict; the rules are checked once, by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.catalog.models import (
    DeliveryMethod, FormFieldType, ItemType, MaterialForm, MaterialSource, ProcedureClass, ResultType, Theme,
)
from govhall.org.models import CenterLevel, Department
from govhall.org.roles import Role

NO_FEE_CHOICES = [("", _("（未填写）")), ("yes", _("不收费")), ("no", _("收费"))]


class VersionForm(forms.Form):
    name = forms.CharField(label=_("事项名称"), max_length=200)
    base_code = forms.CharField(label=_("基本编码"), max_length=40)
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    level = forms.ChoiceField(label=_("行使层级"), choices=CenterLevel.choices)
    conditions = forms.CharField(label=_("受理条件"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    procedure_class = forms.ChoiceField(label=_("办理程序"), required=False, choices=[("", "—"), *ProcedureClass.choices])
    statutory_days = forms.IntegerField(label=_("法定时限（工作日）"), required=False, min_value=0, max_value=400)
    promised_days = forms.IntegerField(label=_("承诺时限（工作日）"), required=False, min_value=0, max_value=400)
    immediate = forms.BooleanField(label=_("即办件"), required=False)
    no_fee = forms.ChoiceField(label=_("收费"), required=False, choices=NO_FEE_CHOICES)
    result_type = forms.ChoiceField(label=_("办理结果类型"), required=False, choices=[("", "—"), *ResultType.choices])
    result_name = forms.CharField(label=_("办理结果名称"), required=False, max_length=100)
    delivery_methods = forms.MultipleChoiceField(label=_("送达方式"), required=False, choices=DeliveryMethod.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    visits = forms.IntegerField(label=_("到现场次数"), required=False, min_value=0, max_value=10)
    online = forms.BooleanField(label=_("网上可办"), required=False)
    onsite_inspection = forms.BooleanField(label=_("需现场踏勘"), required=False)
    consult_phone = forms.CharField(label=_("咨询电话"), required=False, max_length=40)
    complaint_phone = forms.CharField(label=_("投诉电话"), required=False, max_length=40)
    location = forms.CharField(label=_("办理地点"), required=False, max_length=200)
    office_hours = forms.CharField(label=_("办理时间"), required=False, max_length=100)
    themes = forms.MultipleChoiceField(label=_("所属主题"), required=False, widget=forms.CheckboxSelectMultiple)
    change_note = forms.CharField(label=_("修改说明"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(t.code, t.name) for t in Theme.objects.all()]


class RowForm(forms.Form):
    """One row of a list (a material, a step…). The blank row the editor
    offers at the end arrives with its selects and defaults filled in by
    the browser: it counts as filled only once one of the fields a person
    must type (``typed``) has text, so an untouched blank row is skipped."""

    typed: tuple[str, ...] = ("name",)

    def has_changed(self):
        return any(str(self[name].value() or "").strip() for name in self.typed)


class LegalBasisForm(RowForm):
    typed = ("law", "article", "excerpt")
    law = forms.CharField(label=_("法律法规名称"), max_length=200)
    article = forms.CharField(label=_("条款"), required=False, max_length=100)
    excerpt = forms.CharField(label=_("条文摘录"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MaterialRowForm(RowForm):
    name = forms.CharField(label=_("材料名称"), max_length=200)
    required = forms.BooleanField(label=_("必要"), required=False, initial=True)
    condition = forms.CharField(label=_("适用情形"), required=False, max_length=300)
    form = forms.ChoiceField(label=_("材料形式"), choices=MaterialForm.choices)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=99, initial=1)
    source = forms.ChoiceField(label=_("来源"), choices=MaterialSource.choices)
    source_department = forms.CharField(label=_("出具部门"), required=False, max_length=100)
    notes = forms.CharField(label=_("备注"), required=False, max_length=300)


class StepRowForm(RowForm):
    name = forms.CharField(label=_("环节名称"), max_length=50)
    role = forms.ChoiceField(label=_("办理角色"), choices=[(r.value, r.label) for r in Role if r != Role.APPLICANT])
    days = forms.IntegerField(label=_("环节时限（工作日）"), min_value=0, max_value=400, initial=0)
    department = forms.ChoiceField(label=_("办理部门"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("（本部门）")), *((d.code, d.name) for d in Department.objects.all())]


class FeeRowForm(RowForm):
    typed = ("name", "amount", "rule", "basis")

    name = forms.CharField(label=_("收费项目"), max_length=100)
    amount = forms.DecimalField(label=_("收费标准（元）"), required=False, min_value=0, max_digits=12, decimal_places=2)
    rule = forms.CharField(label=_("计费规则"), required=False, max_length=300)
    basis = forms.CharField(label=_("收费依据"), max_length=300)


class OptionsField(forms.CharField):
    """A list of options typed on one line, separated by 、 (or commas)."""

    def prepare_value(self, value):
        return "、".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = str(value or "")
        for separator in (",", "，", "\n"):
            text = text.replace(separator, "、")
        return [part.strip() for part in text.split("、") if part.strip()]


class FormFieldRowForm(RowForm):
    """A field of the item's own application form (申请表)."""

    typed = ("key", "label")
    key = forms.CharField(label=_("字段标识"), max_length=40, help_text=_("小写英文字母开头，如 area"))
    label = forms.CharField(label=_("字段名称"), max_length=50)
    type = forms.ChoiceField(label=_("字段类型"), choices=FormFieldType.choices)
    required = forms.BooleanField(label=_("必填"), required=False)
    options = OptionsField(label=_("选项（单选，用顿号分隔）"), required=False)
    max_length = forms.IntegerField(label=_("最多字数（文本）"), required=False, min_value=1, max_value=2000)
    min = forms.DecimalField(label=_("最小值（数字）"), required=False, max_digits=12, decimal_places=2)
    max = forms.DecimalField(label=_("最大值（数字）"), required=False, max_digits=12, decimal_places=2)
    help = forms.CharField(label=_("填写说明"), required=False, max_length=200)


def row_formset(form_class, prefix: str, *, data=None, initial=None):
    factory = forms.formset_factory(form_class, extra=1, can_delete=True)
    return factory(data=data, initial=initial, prefix=prefix)


FORMSETS = [("legal_basis", LegalBasisForm), ("materials", MaterialRowForm), ("steps", StepRowForm), ("fees", FeeRowForm),
            ("form_fields", FormFieldRowForm)]


class NewItemForm(forms.Form):
    code = forms.CharField(label=_("实施编码"), max_length=80)
    base_code = forms.CharField(label=_("基本编码"), max_length=40)
    name = forms.CharField(label=_("事项名称"), max_length=200)
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    department = forms.ModelChoiceField(label=_("实施部门"), queryset=Department.objects.none(), to_field_name="code")

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ImportForm(forms.Form):
    file = forms.FileField(label=_("事项目录文件（.xlsx 或 .json）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".json")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .json 文件。"))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件过大（上限 20 MB）。"))
        return upload
