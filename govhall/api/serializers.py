"""Shapes of the API's bodies, for the OpenAPI schema. Validation of items is
done once, by ``catalog.spec.spec_clean`` in the services; these serializers
describe the same interchange form."""

from rest_framework import serializers

from govhall.catalog.models import DeliveryMethod, ItemType, MaterialForm, MaterialSource, ProcedureClass, ResultType


class LegalBasisSerializer(serializers.Serializer):
    law = serializers.CharField(help_text="法律法规名称")
    article = serializers.CharField(allow_blank=True, help_text="条款")
    excerpt = serializers.CharField(allow_blank=True, help_text="条文摘录")


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="材料名称")
    required = serializers.BooleanField()
    condition = serializers.CharField(allow_blank=True, help_text="非必要材料的适用情形")
    form = serializers.ChoiceField(MaterialForm.choices)
    copies = serializers.IntegerField(min_value=1)
    source = serializers.ChoiceField(MaterialSource.choices)
    source_department = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField(help_text="办理角色，如 clerk、reviewer、approver")
    days = serializers.IntegerField(min_value=0)
    department = serializers.CharField(allow_blank=True, help_text="办理部门编码；空白为事项的实施部门")


class FeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.CharField(allow_blank=True, help_text="标准金额（元），如 80.00")
    rule = serializers.CharField(allow_blank=True)
    basis = serializers.CharField()


class ItemSpecSerializer(serializers.Serializer):
    """An item version in the interchange form (docs/catalog-format.md)."""

    code = serializers.CharField(help_text="实施编码")
    base_code = serializers.CharField(help_text="基本编码")
    name = serializers.CharField()
    item_type = serializers.ChoiceField(ItemType.choices)
    department = serializers.CharField(help_text="实施部门编码")
    level = serializers.CharField()
    status = serializers.ChoiceField([("draft", "草稿"), ("published", "已发布")])
    source = serializers.CharField(allow_blank=True)
    group = serializers.CharField(allow_blank=True)
    legal_basis = LegalBasisSerializer(many=True)
    conditions = serializers.CharField(allow_blank=True)
    procedure_class = serializers.ChoiceField(ProcedureClass.choices, allow_blank=True)
    statutory_days = serializers.IntegerField(allow_null=True)
    promised_days = serializers.IntegerField(allow_null=True)
    immediate = serializers.BooleanField()
    no_fee = serializers.BooleanField(allow_null=True)
    fees = FeeSerializer(many=True)
    result_type = serializers.ChoiceField(ResultType.choices, allow_blank=True)
    result_name = serializers.CharField(allow_blank=True)
    delivery_methods = serializers.ListField(child=serializers.ChoiceField(DeliveryMethod.choices))
    visits = serializers.IntegerField(allow_null=True)
    online = serializers.BooleanField()
    onsite_inspection = serializers.BooleanField()
    consult_phone = serializers.CharField(allow_blank=True)
    complaint_phone = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    office_hours = serializers.CharField(allow_blank=True)
    materials = MaterialSerializer(many=True)
    steps = StepSerializer(many=True)
    themes = serializers.ListField(child=serializers.CharField())


class ItemSummarySerializer(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField()
    item_type = serializers.CharField()
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
    status = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="待完善的要素")
    quality = serializers.ListField(child=serializers.CharField(), help_text="质量问题")


class ThemeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()


class ThemeDetailSerializer(ThemeSerializer):
    items = ItemSummarySerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(allow_null=True, required=False)
    errors = serializers.ListField(child=serializers.DictField(), required=False)
