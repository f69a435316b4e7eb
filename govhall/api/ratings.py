"""The rating of a case (好差评): the applicant rates a delivered case once;
the applicant and staff who see the case read it. Every change goes through
the evaluation services; their refusals are 400/403/404/409."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.cases import _case
from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.core.client import client_address
from govhall.core.errors import NotFound
from govhall.evaluation import services as evaluation_services
from govhall.evaluation.models import COMMENT_MAX_LENGTH, FollowUpState, Level, RatingChannel
from govhall.evaluation.selectors import rating_get_for_case

TAGS = ["evaluation 好差评"]


class RatingCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(Level.choices, help_text="5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH,
                                    help_text="意见或建议（选填，500 字以内）")


class FollowUpSummarySerializer(serializers.Serializer):
    state = serializers.ChoiceField(FollowUpState.choices,
                                    help_text="open 待核实, verified 已核实, corrected 已整改, called_back 已回访, closed 已办结")
    state_label = serializers.CharField(source="get_state_display")
    due_date = serializers.DateField()


class RatingSerializer(serializers.Serializer):
    case = serializers.CharField(source="case.number")
    level = serializers.ChoiceField(Level.choices)
    level_label = serializers.CharField(source="get_level_display")
    comment = serializers.CharField()
    channel = serializers.ChoiceField(RatingChannel.choices)
    rated_at = serializers.DateTimeField()
    followup = FollowUpSummarySerializer(allow_null=True, help_text="差评（1、2 级）的整改情况；其他为 null")


class CaseRating(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: RatingSerializer, 404: ErrorSerializer})
    def get(self, request, number: str):
        """The rating of a case (404 while it has none), for its applicant and the staff who see the case."""
        rating = rating_get_for_case(_case(request.user, number))
        if rating is None:
            raise NotFound("该办件尚未评价。")
        return Response(RatingSerializer(rating).data)

    @extend_schema(tags=TAGS, request=RatingCreateSerializer,
                   responses={201: RatingSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                              409: ErrorSerializer})
    def post(self, request, number: str):
        """Rate a delivered case, once, as its applicant (好差评). Levels 1–2 open a follow-up
        (差评整改) with a working-day deadline. 400: bad field or not yet delivered; 403: not the
        applicant; 409: already rated."""
        case = _case(request.user, number)
        body = RatingCreateSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        rating = evaluation_services.rating_submit(
            actor=request.user, case=case, level=int(body.validated_data["level"]),
            comment=body.validated_data.get("comment", ""), channel=RatingChannel.API,
            client_address=client_address(request))
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
