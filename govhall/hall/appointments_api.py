"""The appointments API (docs/hall.md "Appointments"): the open slots of a
category (no login), booking and cancelling for the logged-in applicant.
Every change goes through ``hall.appointments``; its refusals are
400/403/404/409 naming the field."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import NotFound, NotPermitted
from govhall.hall import appointments as appts
from govhall.hall.models import Appointment, AppointmentState, ServiceCategory

TAGS = ["hall 排队叫号"]


def _category(center: str, letter: str) -> ServiceCategory:
    category = (ServiceCategory.objects.filter(center__code=center[:32], code=(letter or "")[:1].upper(), active=True)
                .select_related("center").first())
    if category is None:
        raise NotFound("没有该中心的该取号类别。", field="category")
    return category


class SlotQuerySerializer(serializers.Serializer):
    center = serializers.CharField(max_length=32, help_text="中心编码")
    category = serializers.CharField(max_length=1, help_text="取号类别字母，如 A")


class SlotSerializer(serializers.Serializer):
    day = serializers.DateField()
    start = serializers.DateTimeField(help_text="预约时传回此值")
    end = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    remaining = serializers.IntegerField(help_text="剩余可预约人数，0 为已约满")


class SlotList(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(tags=TAGS, parameters=[OpenApiParameter("center", str, required=True, description="中心编码"),
                                          OpenApiParameter("category", str, required=True, description="类别字母")],
                   responses={200: SlotSerializer(many=True), 400: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request):
        """The slots of a category still to start, on the working days of the booking
        window, with the places left (预约时段)."""
        query = SlotQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return validation_response(query.errors)
        category = _category(query.validated_data["center"], query.validated_data["category"])
        slots = [slot for _day, day_slots in appts.bookable_slots(category, at=clock.now()) for slot in day_slots]
        return Response(SlotSerializer(slots, many=True).data)


class BookSerializer(serializers.Serializer):
    center = serializers.CharField(max_length=32, help_text="中心编码")
    category = serializers.CharField(max_length=1, help_text="取号类别字母，如 A")
    start = serializers.DateTimeField(help_text="所选时段的开始时间（GET /api/hall/slots/ 的 start）")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                  help_text="接收提醒短信的手机号码；缺省为账号的手机号码")


class AppointmentSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="预约码：到大厅自助取号机签到时输入")
    center = serializers.CharField(source="category.center.code")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    start = serializers.DateTimeField(source="slot.start")
    end = serializers.DateTimeField(source="slot.end")
    state = serializers.ChoiceField(AppointmentState.choices)
    state_label = serializers.CharField(source="get_state_display")
    phone = serializers.CharField(source="masked_phone", help_text="提醒短信的号码（打码）")


class AppointmentBook(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=TAGS, request=BookSerializer,
                   responses={201: AppointmentSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request):
        """Book a slot (预约) for the logged-in applicant. 400: bad field or a slot not
        offered; 403: not an applicant, or booking blocked after no-shows; 409: the slot is
        full, or he already has a booking of the category that day."""
        body = BookSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        data = body.validated_data
        appointment = appts.appointment_book(
            actor=request.user, category=_category(data["center"], data["category"]), start=data["start"],
            phone=data.get("phone", ""), client_address=client_address(request))
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class AppointmentCancel(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=TAGS, request=None,
                   responses={200: AppointmentSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, code: str):
        """Cancel one's booking before its slot starts (取消预约); the place is free again.
        403: not an applicant; 404: no booking of his with that code (another person's
        booking is not revealed, as on the portal)."""
        if not getattr(request.user, "is_applicant", False):
            raise NotPermitted("请以办事人身份登录后取消预约。")
        appointment = (Appointment.objects.filter(code=code[:12].upper(), applicant=request.user)
                       .select_related("slot", "category", "category__center").first())
        if appointment is None:
            raise NotFound("没有该预约。", field="code")
        appts.appointment_cancel(actor=request.user, appointment=appointment, client_address=client_address(request))
        return Response(AppointmentSerializer(appointment).data)
