"""The hall's API: hall devices, apps and the provincial platform take a
number for a person and read a ticket's status (docs/hall.md). Every
change goes through the hall services; their refusals are 400/403/404."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import NotFound
from govhall.hall import selectors, services
from govhall.hall.models import (
    ServiceCategory,
    TicketPriority,
    TicketSource,
    TicketState,
)

TAGS = ["hall 排队叫号"]


class TicketIssueSerializer(serializers.Serializer):
    center = serializers.CharField(max_length=32, help_text="中心编码")
    category = serializers.CharField(max_length=1, help_text="取号类别字母，如 A")
    priority = serializers.ChoiceField(
        [TicketPriority.NONE, TicketPriority.CARE, TicketPriority.GREEN_CHANNEL], default=TicketPriority.NONE,
        help_text="none 普通，care 关怀（老年人、残疾人等），green_channel 绿色通道（仅本中心工作人员）")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="手机号码（选填）")


class TicketSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="查询码：GET /api/hall/tickets/{code}/ 查询排队情况")
    number = serializers.CharField(help_text="号码，如 A012")
    center = serializers.CharField(source="center.code")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    priority = serializers.ChoiceField(TicketPriority.choices)
    state = serializers.ChoiceField(TicketState.choices)
    state_label = serializers.CharField(source="get_state_display")
    issued_at = serializers.DateTimeField()
    window = serializers.CharField(source="window.number", allow_null=True, default=None,
                                   help_text="叫号后请前往的窗口号")
    ahead = serializers.IntegerField(allow_null=True, help_text="前面等候人数（等候中时）")
    expected_wait_minutes = serializers.IntegerField(allow_null=True, help_text="预计等候分钟数（等候中时，估算）")


def _status(ticket) -> dict:
    place = selectors.ticket_place(ticket, at=clock.now()) if ticket.state == TicketState.WAITING else None
    ticket.ahead = place.ahead if place else None
    ticket.expected_wait_minutes = place.minutes if place else None
    return TicketSerializer(ticket).data


class TicketIssue(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=TicketIssueSerializer,
                   responses={201: TicketSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer})
    def post(self, request):
        """Take a number (取号) in a center's category for a person. 400: bad field, or the
        category gives no numbers now; 403: green channel by someone not of the center's staff;
        404: no such center or category."""
        body = TicketIssueSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        data = body.validated_data
        category = (ServiceCategory.objects.filter(center__code=data["center"], code=data["category"].upper())
                    .select_related("center").first())
        if category is None:
            raise NotFound("没有该中心的该取号类别。", field="category")
        ticket = services.ticket_issue(actor=request.user, category=category, source=TicketSource.API,
                                       priority=data["priority"], phone=data.get("phone", ""),
                                       client_address=client_address(request))
        return Response(_status(ticket), status=status.HTTP_201_CREATED)


class TicketStatus(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses={200: TicketSerializer, 404: ErrorSerializer})
    def get(self, request, code: str):
        """A ticket's state, place in line and expected wait, by its query code (no login:
        the code is the ticket's secret; the phone number is never shown)."""
        ticket = selectors.ticket_get_public(code=code)
        if ticket is None:
            raise NotFound("没有该排队号。")
        return Response(_status(ticket))
