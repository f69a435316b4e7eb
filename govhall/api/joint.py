"""Joint cases (并联审批) through the API, read-only: the list of those the
caller may see and one with its stages and the sub-cases the caller may see
(joint.selectors: the lead departments see every sub-case). Changes go
through govhall.joint.services (the workbench, later)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.catalog import _findable
from govhall.api.serializers import ErrorSerializer
from govhall.cases.states import State
from govhall.core.errors import NotFound
from govhall.joint.models import JointCase, JointState, StageState
from govhall.joint.selectors import joint_case_get, joint_case_list_visible, joint_sub_cases

TAGS = ["joint 并联审批"]
NUMBER_MAX = JointCase._meta.get_field("number").max_length


class JointCaseSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="theme.code", help_text="主题编码")
    theme_name = serializers.CharField(source="theme.name")
    theme_version = serializers.IntegerField(source="theme.version")
    center = serializers.CharField(source="center.code")
    state = serializers.ChoiceField(JointState.choices)
    # Identity numbers and phones masked, as on every list (DESIGN 5).
    applicant_id_number = serializers.CharField(source="masked_id_number")
    applicant_phone = serializers.CharField(source="masked_phone")

    class Meta:
        model = JointCase
        fields = ["number", "theme", "theme_name", "theme_version", "center", "channel", "state", "applicant_kind",
                  "applicant_name", "applicant_id_number", "applicant_phone", "received_on", "due_date",
                  "deadline_provisional", "light", "extension_days", "ended_on"]


class SubCaseSerializer(serializers.Serializer):
    number = serializers.CharField(source="case.number", help_text="子件（办件）编号")
    item = serializers.CharField(source="stage_item.item.code")
    item_name = serializers.CharField(source="item_version.name")
    department = serializers.CharField(source="case.department.code")
    state = serializers.ChoiceField(State.choices, source="case.state")
    due_date = serializers.DateField(source="case.due_date", allow_null=True)
    light = serializers.CharField(source="case.light")
    replaced = serializers.BooleanField(help_text="未获许可后已重新申请，由新的子件替代")


class JointStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    lead_department = serializers.CharField()
    state = serializers.ChoiceField(StageState.choices)
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text="阶段办理期限（阶段设有时限时）")
    light = serializers.CharField(help_text="阶段期限亮灯：green、yellow、red；未设时限或计时停止时为空")
    sub_cases = SubCaseSerializer(many=True)


class JointCaseDetailSerializer(JointCaseSerializer):
    stages = JointStageSerializer(many=True, source="stages_data")

    class Meta(JointCaseSerializer.Meta):
        fields = [*JointCaseSerializer.Meta.fields, "form_data", "materials", "stages"]


class JointPagination(LimitOffsetPagination):
    max_limit = 200


class JointCaseList(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = JointPagination
    serializer_class = JointCaseSerializer

    def get_queryset(self):
        return joint_case_list_visible(user=self.request.user)

    @extend_schema(tags=TAGS)
    def get(self, request, *args, **kwargs):
        """Joint cases the caller may see (applicants: their own), the
        nearest whole deadline first."""
        return super().get(request, *args, **kwargs)


class JointCaseDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: JointCaseDetailSerializer, 404: ErrorSerializer})
    def get(self, request, number: str):
        """One joint case: the combined application, its stages and, in each,
        the sub-cases the caller may see (a lead department: all of them)."""
        joint = joint_case_get(user=request.user, number=number) if _findable(number, NUMBER_MAX) else None
        if joint is None:
            raise NotFound("没有该联办件。")
        visible: dict[int, list] = {}
        for link in joint_sub_cases(user=request.user, joint=joint).select_related("item_version"):
            visible.setdefault(link.joint_stage_id, []).append(link)
        joint.stages_data = [
            {"name": stage.stage.name, "lead_department": stage.stage.lead_department.code, "state": stage.state,
             "started_on": stage.started_on, "ended_on": stage.ended_on, "due_date": stage.due_date,
             "light": stage.light, "sub_cases": visible.get(stage.pk, [])}
            for stage in joint.stages.select_related("stage__lead_department")]
        return Response(JointCaseDetailSerializer(joint).data)
