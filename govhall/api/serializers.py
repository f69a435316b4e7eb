"""Shapes of the API's bodies, for the OpenAPI schema. Validation of items is
done once, by ``catalog.spec.spec_clean`` in the services; these serializers
describe the same interchange form."""

from rest_framework import serializers

from govhall.catalog import application_form as af
from govhall.catalog.models import (
    DeliveryMethod, FormFieldType, ItemType, MaterialForm, MaterialSource, ProcedureClass, ResultType, ThemeKind,
    VersionStatus,
)
from govhall.org.models import CenterLevel
from govhall.org.roles import Role


# The status a spec carries (a superseded version is never edited or exported).
SPEC_STATUS_CHOICES = [("draft", "草稿"), ("published", "已发布")]


class LegalBasisSerializer(serializers.Serializer):
    law = serializers.CharField(max_length=200, help_text="法律法规名称")
    article = serializers.CharField(allow_blank=True, max_length=100, help_text="条款")
    excerpt = serializers.CharField(allow_blank=True, max_length=2000, help_text="条文摘录")


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="材料名称")
    required = serializers.BooleanField()
    condition = serializers.CharField(allow_blank=True, max_length=300, help_text="非必要材料的适用情形")
    form = serializers.ChoiceField(MaterialForm.choices)
    copies = serializers.IntegerField(min_value=1, max_value=99)
    source = serializers.ChoiceField(MaterialSource.choices)
    source_department = serializers.CharField(allow_blank=True, max_length=100)
    notes = serializers.CharField(allow_blank=True, max_length=300)


class StepSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(Role.choices, help_text="办理角色，如 clerk、reviewer、approver")
    days = serializers.IntegerField(min_value=0, max_value=400)
    department = serializers.CharField(allow_blank=True, max_length=32, help_text="办理部门编码；空白为事项的实施部门")


class FeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = serializers.CharField(allow_blank=True, help_text="标准金额（元），如 80.00")
    rule = serializers.CharField(allow_blank=True, max_length=300)
    basis = serializers.CharField(max_length=300)


class FormFieldSerializer(serializers.Serializer):
    """A question of the item's own application form (申请表字段)."""

    key = serializers.CharField(max_length=40, help_text="字段标识：小写英文字母开头，只含小写字母、数字和下划线；"
                                                         "办件的 form_data 以它为键")
    label = serializers.CharField(max_length=af.LABEL_MAX, help_text="字段名称（中文）")
    type = serializers.ChoiceField(FormFieldType.choices)
    required = serializers.BooleanField()
    options = serializers.ListField(child=serializers.CharField(max_length=af.OPTION_MAX),
                                    max_length=af.OPTIONS_MAX, help_text="单选字段的选项；其他类型为空")
    max_length = serializers.IntegerField(allow_null=True, min_value=1, max_value=af.LENGTH_MAX,
                                          help_text="文本字段的最多字数；空为 200（多行文本 2000）")
    min = serializers.FloatField(allow_null=True, help_text="数字字段的最小值")
    max = serializers.FloatField(allow_null=True, help_text="数字字段的最大值")
    help = serializers.CharField(allow_blank=True, max_length=af.HELP_MAX, help_text="填写说明")


class FormFieldInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40, help_text="字段标识：小写英文字母开头，只含小写字母、数字和下划线")
    label = serializers.CharField(max_length=af.LABEL_MAX, help_text="字段名称（中文）")
    type = serializers.ChoiceField(FormFieldType.choices)
    required = serializers.BooleanField(allow_null=True, required=False, help_text="缺省为选填")
    options = serializers.ListField(child=serializers.CharField(max_length=af.OPTION_MAX), required=False,
                                    max_length=af.OPTIONS_MAX, help_text="单选字段的 2 至 30 个选项")
    max_length = serializers.IntegerField(allow_null=True, min_value=1, max_value=af.LENGTH_MAX, required=False)
    min = serializers.FloatField(allow_null=True, required=False)
    max = serializers.FloatField(allow_null=True, required=False)
    help = serializers.CharField(allow_blank=True, max_length=af.HELP_MAX, required=False)


class ItemSpecSerializer(serializers.Serializer):
    """An item version in the interchange form (docs/catalog-format.md), as
    the API answers it: every element present. The bounds are those that
    ``catalog.spec.spec_clean`` checks (the columns' lengths)."""

    code = serializers.CharField(max_length=80, help_text="实施编码")
    base_code = serializers.CharField(max_length=40, help_text="基本编码")
    name = serializers.CharField(max_length=200)
    item_type = serializers.ChoiceField(ItemType.choices)
    department = serializers.CharField(max_length=32, help_text="实施部门编码")
    level = serializers.ChoiceField(CenterLevel.choices)
    status = serializers.ChoiceField(SPEC_STATUS_CHOICES)
    source = serializers.CharField(allow_blank=True, max_length=300)
    group = serializers.CharField(allow_blank=True, max_length=200)
    legal_basis = LegalBasisSerializer(many=True)
    conditions = serializers.CharField(allow_blank=True, max_length=5000)
    procedure_class = serializers.ChoiceField(ProcedureClass.choices, allow_blank=True)
    statutory_days = serializers.IntegerField(allow_null=True, min_value=0, max_value=400)
    promised_days = serializers.IntegerField(allow_null=True, min_value=0, max_value=400)
    immediate = serializers.BooleanField()
    no_fee = serializers.BooleanField(allow_null=True)
    fees = FeeSerializer(many=True)
    result_type = serializers.ChoiceField(ResultType.choices, allow_blank=True)
    result_name = serializers.CharField(allow_blank=True, max_length=100)
    delivery_methods = serializers.ListField(child=serializers.ChoiceField(DeliveryMethod.choices))
    visits = serializers.IntegerField(allow_null=True, min_value=0, max_value=10)
    online = serializers.BooleanField()
    onsite_inspection = serializers.BooleanField()
    consult_phone = serializers.CharField(allow_blank=True, max_length=40)
    complaint_phone = serializers.CharField(allow_blank=True, max_length=40)
    location = serializers.CharField(allow_blank=True, max_length=200)
    office_hours = serializers.CharField(allow_blank=True, max_length=100)
    materials = MaterialSerializer(many=True)
    steps = StepSerializer(many=True)
    form_fields = FormFieldSerializer(many=True, help_text="事项的申请表字段（网上申请、窗口收件时填写）")
    themes = serializers.ListField(child=serializers.CharField())


class LegalBasisInputSerializer(serializers.Serializer):
    law = serializers.CharField(max_length=200, help_text="法律法规名称")
    article = serializers.CharField(allow_blank=True, max_length=100, required=False, help_text="条款")
    excerpt = serializers.CharField(allow_blank=True, max_length=2000, required=False, help_text="条文摘录")


class MaterialInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="材料名称")
    required = serializers.BooleanField(allow_null=True, required=False, help_text="缺省为必要材料")
    condition = serializers.CharField(allow_blank=True, max_length=300, required=False,
                                      help_text="非必要材料的适用情形（非必要材料必填）")
    form = serializers.ChoiceField(MaterialForm.choices, allow_blank=True, required=False, help_text="缺省为原件")
    copies = serializers.IntegerField(min_value=1, max_value=99, required=False, help_text="缺省为 1")
    source = serializers.ChoiceField(MaterialSource.choices, allow_blank=True, required=False,
                                     help_text="缺省为申请人提交")
    source_department = serializers.CharField(allow_blank=True, max_length=100, required=False)
    notes = serializers.CharField(allow_blank=True, max_length=300, required=False)


class StepInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(Role.choices, help_text="办理角色，如 clerk、reviewer、approver")
    days = serializers.IntegerField(min_value=0, max_value=400, required=False, help_text="缺省为 0")
    department = serializers.CharField(allow_blank=True, max_length=32, required=False,
                                       help_text="办理部门编码；空白为事项的实施部门")


class FeeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = serializers.CharField(allow_blank=True, required=False, help_text="标准金额（元），如 80.00；或填计费规则")
    rule = serializers.CharField(allow_blank=True, max_length=300, required=False)
    basis = serializers.CharField(max_length=300)


class ItemSpecInputSerializer(serializers.Serializer):
    """An item version as a client sends it: the identifying elements are
    required, every other one may be left out (a draft may be incomplete;
    what a publication needs is listed in ``missing``). Checked by the
    catalog services (``spec_clean``), every bad element named."""

    code = serializers.CharField(max_length=80, help_text="实施编码")
    base_code = serializers.CharField(max_length=40, help_text="基本编码")
    name = serializers.CharField(max_length=200)
    item_type = serializers.ChoiceField(ItemType.choices)
    department = serializers.CharField(max_length=32, help_text="实施部门编码")
    level = serializers.ChoiceField(CenterLevel.choices, required=False, help_text="缺省为区县级")
    status = serializers.ChoiceField(SPEC_STATUS_CHOICES, required=False,
                                     help_text="published：要素齐全时直接发布；缺省为草稿")
    source = serializers.CharField(allow_blank=True, max_length=300, required=False)
    group = serializers.CharField(allow_blank=True, max_length=200, required=False)
    legal_basis = LegalBasisInputSerializer(many=True, required=False)
    conditions = serializers.CharField(allow_blank=True, max_length=5000, required=False)
    procedure_class = serializers.ChoiceField(ProcedureClass.choices, allow_blank=True, required=False)
    statutory_days = serializers.IntegerField(allow_null=True, min_value=0, max_value=400, required=False)
    promised_days = serializers.IntegerField(allow_null=True, min_value=0, max_value=400, required=False,
                                             help_text="不得超过法定时限；即办件为 0")
    immediate = serializers.BooleanField(allow_null=True, required=False)
    no_fee = serializers.BooleanField(allow_null=True, required=False)
    fees = FeeInputSerializer(many=True, required=False)
    result_type = serializers.ChoiceField(ResultType.choices, allow_blank=True, required=False)
    result_name = serializers.CharField(allow_blank=True, max_length=100, required=False)
    delivery_methods = serializers.ListField(child=serializers.ChoiceField(DeliveryMethod.choices), required=False)
    visits = serializers.IntegerField(allow_null=True, min_value=0, max_value=10, required=False)
    online = serializers.BooleanField(allow_null=True, required=False)
    onsite_inspection = serializers.BooleanField(allow_null=True, required=False)
    consult_phone = serializers.CharField(allow_blank=True, max_length=40, required=False)
    complaint_phone = serializers.CharField(allow_blank=True, max_length=40, required=False)
    location = serializers.CharField(allow_blank=True, max_length=200, required=False)
    office_hours = serializers.CharField(allow_blank=True, max_length=100, required=False)
    materials = MaterialInputSerializer(many=True, required=False)
    steps = StepInputSerializer(many=True, required=False)
    form_fields = FormFieldInputSerializer(many=True, required=False, max_length=af.FIELDS_MAX,
                                           help_text="事项的申请表字段（最多 30 个）")
    themes = serializers.ListField(child=serializers.CharField(max_length=40), required=False, help_text="主题编码")


class ItemSummarySerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField()
    item_type = serializers.ChoiceField(ItemType.choices)
    department = serializers.CharField(source="item.department.code")
    department_name = serializers.CharField(source="item.department.name")
    promised_days = serializers.IntegerField(allow_null=True)
    immediate = serializers.BooleanField()
    online = serializers.BooleanField()
    version = serializers.IntegerField(source="number")
    published_at = serializers.DateTimeField()


class StaffItemSerializer(serializers.Serializer):
    spec = ItemSpecSerializer()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(VersionStatus.choices)
    missing = serializers.ListField(child=serializers.CharField(), help_text="待完善的要素")
    quality = serializers.ListField(child=serializers.CharField(), help_text="质量问题")


class ThemeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(ThemeKind.choices)
    description = serializers.CharField()


class ThemeDetailSerializer(ThemeSerializer):
    items = ItemSummarySerializer(many=True)


class ErrorLineSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="出错的字段，嵌套时如 materials[0].name")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (govhall/api/errors.py)."""

    detail = serializers.CharField(help_text="给人看的说明")
    field = serializers.CharField(allow_null=True, help_text="出错的字段；与单个字段无关时为 null")
    errors = ErrorLineSerializer(many=True, required=False, help_text="多个字段出错时逐一列出")
