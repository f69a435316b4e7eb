"""Forms of joint approval's pages (workbench and portal). They only shape
input for govhall.joint.services; the rules are checked there, once, and a
refusal is shown on the field it names (``place_error``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from govhall.cases import limits
from govhall.cases.models import ApplicantKind
from govhall.joint.forms import CombinedForm
from govhall.joint.models import WHOLE_DAYS_DEFAULT, WHOLE_EXTENSION_MAX, FindingOutcome, JointEventKind
from govhall.portal.application_form import _field as question_field
from govhall.portal.application_form import delivery_fields, field_name
from govhall.web.catalog_forms import OptionsField, RowForm


class ThemeNewForm(forms.Form):
    center = forms.ModelChoiceField(label=_("所属中心"), queryset=None, to_field_name="code")
    code = forms.CharField(label=_("主题编码"), max_length=40, help_text=_("小写字母、数字或连字符，如 construction"))
    name = forms.CharField(label=_("主题名称"), max_length=100)
    whole_days = forms.IntegerField(label=_("整体办理时限（工作日）"), initial=WHOLE_DAYS_DEFAULT)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers


class StageRowForm(RowForm):
    """One stage of a theme: the shape ``theme_configure`` takes."""

    name = forms.CharField(label=_("阶段名称"), max_length=50)
    lead_department = forms.ChoiceField(label=_("牵头部门"))
    stage_days = forms.IntegerField(label=_("阶段办理时限（工作日，可留空）"), required=False, min_value=1,
                                    max_value=WHOLE_DAYS_DEFAULT,
                                    help_text=_("自阶段启动次日起计算；留空则只受整体时限和各事项承诺时限约束。"))
    items = forms.MultipleChoiceField(label=_("本阶段事项（按住 Ctrl 多选）"),
                                      widget=forms.SelectMultiple(attrs={"size": 6}))
    depends_on = OptionsField(label=_("前置阶段（阶段名称，用顿号分隔）"), required=False)

    def __init__(self, *args, departments, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].choices = [("", _("（请选择）")), *departments]
        self.fields["items"].choices = items


def stage_formset(*, data=None, initial=None, departments, items):
    factory = forms.formset_factory(StageRowForm, extra=1, can_delete=True)
    return factory(data=data, initial=initial, prefix="stages",
                   form_kwargs={"departments": departments, "items": items})


class ApplicantForm(forms.Form):
    """Who applies (the window's form; online the account's own identity)."""

    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人（单位）名称"), max_length=limits.APPLICANT_NAME_MAX)
    applicant_id_number = forms.CharField(label=_("证件号码（身份证或统一社会信用代码）"), max_length=limits.ID_NUMBER_MAX)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=limits.PHONE_MAX)


class CombinedAnswersForm(forms.Form):
    """The combined form (一表制): every item's question once, and the
    shared materials once — ticked as seen at the window, or uploaded
    online (``online``). ``only``: the keys to ask (a stage started by
    hand asks its own items' questions)."""

    def __init__(self, *args, combined: CombinedForm, online: bool = False, materials: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.combined, self.online = combined, online
        for f in combined.fields:
            self.fields[field_name(f["key"])] = question_field(f)
            self.fields[field_name(f["key"])].help_text = _("用于：%(items)s") % {"items": "、".join(f["items"])}
        if materials:  # a new application: how the results are wanted, once for all (统一出件)
            self.fields.update(delivery_fields(combined.delivery_methods))
            if "delivery_method" in self.fields:  # not stated unless chosen: the clerk asks at delivery
                self.fields["delivery_method"].initial = None
        self.material_names = [m["name"] for m in combined.materials] if materials else []
        if materials and online:
            for index, m in enumerate(combined.materials):
                label = _("%(name)s（必要）") % {"name": m["name"]} if m["required"] else m["name"]
                self.fields[f"file-{index}"] = forms.FileField(label=label, required=False,
                                                               help_text=_("PDF、JPG 或 PNG；用于：%(items)s")
                                                               % {"items": "、".join(m["items"])})
        elif materials:
            self.fields["materials"] = forms.MultipleChoiceField(
                label=_("已收取的材料（核验原件后勾选）"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(m["name"], _("%(name)s（必要）") % {"name": m["name"]} if m["required"] else m["name"])
                         for m in combined.materials])

    @property
    def question_fields(self):
        return [self[field_name(f["key"])] for f in self.combined.fields]

    @property
    def material_fields(self):
        return [self[name] for name in self.fields if name == "materials" or name.startswith("file-")]

    @property
    def delivery_fields(self):
        return [self[name] for name in ("delivery_method", "delivery_address") if name in self.fields]

    def form_data(self) -> dict:
        return {f["key"]: self.cleaned_data.get(field_name(f["key"])) for f in self.combined.fields}

    def delivery(self) -> dict:
        """``joint_submit``'s ``delivery_method`` and ``delivery_address``."""
        return {name: self.cleaned_data.get(name) or "" for name in ("delivery_method", "delivery_address")}

    def materials(self) -> list[str]:
        return list(self.cleaned_data.get("materials") or [])

    def uploads(self) -> dict:
        """{material name: (filename, bytes)} of the files chosen online."""
        from govhall.joint.services import MATERIAL_MAX_BYTES

        chosen = {}
        for index, name in enumerate(self.material_names):
            upload = self.cleaned_data.get(f"file-{index}")
            if upload is not None:
                chosen[name] = (_short_name(upload.name), upload.read(MATERIAL_MAX_BYTES + 1))
        return chosen

    def place_error(self, error) -> bool:
        """Show a service's refusal on the field it names (``form.<key>``,
        ``materials``/``materials[i]``, ``files.<name>``); False: none of these."""
        name = error.field or ""
        if name.startswith("form."):
            name = field_name(name.removeprefix("form."))
        elif name.startswith("materials"):
            name = "materials" if not self.online else ""
        elif name.startswith("files."):
            material = name.removeprefix("files.")
            name = f"file-{self.material_names.index(material)}" if material in self.material_names else ""
        if name in self.fields:
            self.add_error(name, error.message)
            return True
        if error.field == "materials":  # online: the required files missing, said above the files
            self.add_error(None, error.message)
            return True
        return False


# The file name kept with a material (``original_name`` holds 200 characters):
# a longer one is shortened before its suffix, which says what it is.
FILE_NAME_MAX = 200


def _short_name(name: str) -> str:
    name = str(name or "")
    if len(name) <= FILE_NAME_MAX:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        return name[:FILE_NAME_MAX]
    return f"{stem[:FILE_NAME_MAX - len(suffix) - 2]}….{suffix}"


class JointExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长（工作日）"), min_value=1, max_value=WHOLE_EXTENSION_MAX)
    reason = forms.CharField(label=_("理由"), max_length=limits.PAUSE_REASON_MAX)
    approved_by = forms.CharField(label=_("批准延长的本级人民政府负责人"), max_length=limits.SHORT_TEXT_MAX)


class JointEventForm(forms.Form):
    """A joint event scheduled by a stage's lead department (joint.services.joint_event_schedule)."""

    kind = forms.ChoiceField(label=_("类型"), choices=JointEventKind.choices)
    scheduled_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200)
    sub_cases = forms.TypedMultipleChoiceField(label=_("参加的子件"), coerce=int, widget=forms.CheckboxSelectMultiple)
    ground = forms.ChoiceField(label=_("特别程序情形（依法不计入办理时限时选择）"), required=False)
    expected_days = forms.IntegerField(label=_("特别程序所需时间（工作日）"), required=False, min_value=1,
                                       max_value=limits.SUSPENSION_DAYS_MAX)

    def __init__(self, *args, sub_cases=(), grounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_cases"].choices = [(s.pk, f"{s.case.number} {s.case.item_version.name}（{s.case.department}）")
                                            for s in sub_cases]
        self.fields["ground"].choices = [("", _("不适用（计入办理时限）")), *((g.code, g.name) for g in grounds)]


class JointFindingForm(forms.Form):
    """A participating department's findings for its sub-case."""

    outcome = forms.ChoiceField(label=_("结论"), choices=FindingOutcome.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("意见（需整改时必填）"), required=False, max_length=limits.TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))
