"""Dispatch suggestions in the API (派单建议) for the hotline's staff: the
telephony system or another intake system sends the caller's words and gets
the ranked categories and member units of the caller's hotline back."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.hotline.suggest_services import TEXT_MAX, suggestions_for

TAGS = ["hotline 12345热线"]
# Named in the schema as SuggestionSourceEnum (settings.SPECTACULAR_SETTINGS).
SOURCE_CHOICES = [("model", "依据本中心已办结工单和历史工单训练的模型"), ("rules", "历史不足时依据分类、单位和事项名称的关键词")]


class SuggestRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX, help_text="来电人的诉求内容（4000 字以内）")


class RankedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="分类代码或成员单位代码")
    name = serializers.CharField()
    id = serializers.IntegerField(source="pk", help_text="派单、登记时使用的 id")
    confidence = serializers.FloatField(help_text="置信度，0–1")


class SuggestResponseSerializer(serializers.Serializer):
    categories = RankedSerializer(many=True, help_text="最可能的分类，至多 3 个，按置信度从高到低")
    units = RankedSerializer(many=True, help_text="最可能的主办单位，至多 3 个，按置信度从高到低")
    source = serializers.ChoiceField(SOURCE_CHOICES)


class DispatchSuggest(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=TAGS, request=SuggestRequestSerializer,
                   responses={200: SuggestResponseSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        """The top three categories and member units for the caller's words, each with a
        confidence, from the caller's hotline's model (or its keyword rules before it has
        enough history). Hotline operators and the hotline office only (403 otherwise)."""
        body = SuggestRequestSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        answer = suggestions_for(actor=request.user, text=body.validated_data["text"])
        return Response(SuggestResponseSerializer(answer).data)
