"""The knowledge search of the API (知识库检索) for the hotline's roles:
operators, the office and member units' handlers (the telephony system or
a unit's own system asks what the knowledge base says)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.serializers import ErrorSerializer
from govhall.core import clock
from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline.knowledge import knowledge_may_read
from govhall.hotline.knowledge_search import knowledge_suggest

TAGS = ["hotline 12345热线"]
LIMIT_MAX = 20


class SuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="k<知识版本 id> 或 g<事项版本 id>（办事指南）；直接办结时作为答复依据")
    kind = serializers.ChoiceField([("entry", "知识条目"), ("guide", "办事指南")])
    question = serializers.CharField()
    answer = serializers.CharField()
    source = serializers.CharField(help_text="来源单位或实施部门")
    valid_until = serializers.DateField(allow_null=True, help_text="有效期止；null 为长期有效")
    score = serializers.FloatField(help_text="BM25 得分")


class KnowledgeSearch(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=TAGS, parameters=[
        OpenApiParameter("q", str, required=True, description="来电人的原话或关键词（300 字以内）"),
        OpenApiParameter("limit", int, required=False, description="返回条数，1–20，默认 5")],
        responses={200: SuggestionSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer})
    def get(self, request):
        """The knowledge in force (published entries within their validity, and the published
        items' service guides) that best answers ``q`` for the caller's hotline, best first."""
        if not knowledge_may_read(request.user):
            raise NotPermitted("只有12345热线人员和成员单位办理人员可以检索知识库。")
        text = request.query_params.get("q", "").strip()
        if not text:
            raise DomainError("请填写检索内容。", field="q")
        limit = request.query_params.get("limit", "5")
        if not limit.isdigit() or not 1 <= int(limit) <= LIMIT_MAX:
            raise DomainError(f"limit 须为 1 至 {LIMIT_MAX}。", field="limit")
        hits = knowledge_suggest(user=request.user, text=text[:300], at=clock.now(), limit=int(limit))
        return Response(SuggestionSerializer(hits, many=True).data)
