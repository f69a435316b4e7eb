"""Case endpoints: receive (idempotent), list, read, and the notices as PDF
(the actions are in ``case_actions``). Every change goes through the case
services; their refusals are 400/403/404/409/422."""

import hashlib
import json

from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.cases import limits
from govhall.cases import services as case_services
from govhall.cases.models import ApplicantKind, Case, Channel, NoticeKind
from govhall.cases.notices import notice_data
from govhall.cases.selectors import (
    case_events, case_get_by_number, case_list_for_applicant, case_list_for_staff, center_by_code,
    version_published_kept,
)
from govhall.cases.states import OPEN, Action, State
from govhall.catalog.application_form import DELIVERY_ADDRESS_MAX
from govhall.catalog.models import DeliveryMethod, Item
from govhall.core.client import client_address
from govhall.core.errors import DomainError, NotFound
from govhall.documents import notice_pdf
from govhall.org.models import Center, User
from govhall.org.roles import Role

TAGS = ["cases 办件"]
NUMBER_MAX = Case._meta.get_field("number").max_length


class CaseSubmitSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=Item._meta.get_field("code").max_length,
                                 help_text="事项实施编码（已发布版本）")
    center = serializers.CharField(max_length=Center._meta.get_field("code").max_length, help_text="受理中心编码")
    channel = serializers.ChoiceField(Channel.choices, default=Channel.API)
    applicant_kind = serializers.ChoiceField(ApplicantKind.choices, default=ApplicantKind.PERSON)
    applicant_name = serializers.CharField(max_length=limits.APPLICANT_NAME_MAX)
    applicant_id_number = serializers.CharField(max_length=limits.ID_NUMBER_MAX)
    applicant_phone = serializers.CharField(max_length=limits.PHONE_MAX)
    form_data = serializers.DictField(
        required=False, default=dict,
        help_text="事项申请表的填写内容：{字段标识: 内容}，字段见事项的 form_fields（数字、日期 YYYY-MM-DD、"
                  "单选的选项原文、勾选为 true/false）；必填项缺失或内容不符时返回 400，field 为 form.<字段标识>")
    delivery_method = serializers.ChoiceField(
        DeliveryMethod.choices, required=False, allow_blank=True, default="",
        help_text="办理结果领取方式，须为事项 delivery_methods 之一；空为未选择")
    delivery_address = serializers.CharField(
        max_length=DELIVERY_ADDRESS_MAX, required=False, allow_blank=True, default="",
        help_text="邮寄地址（含收件人和电话）；邮寄送达时必填")
    draft = serializers.BooleanField(
        default=False, help_text="申请人网上申请：先建草稿（不计收件），再逐项上传材料（actions/attach_material/）"
                                 "并提交（actions/submit/）；渠道为 online")


class CaseQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(State.choices, required=False, allow_blank=True, help_text="按状态筛选")


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_state = serializers.CharField(help_text="原状态；第一个事件为空")
    to_state = serializers.CharField()
    data = serializers.DictField()
    hash = serializers.CharField()


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(NoticeKind.choices)
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    verify_url = serializers.CharField(source="content.qr_url", help_text="公开核验地址（二维码内容）")


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    query_code = serializers.CharField()
    item = serializers.CharField(source="item_version.item.code")
    item_version = serializers.IntegerField(source="item_version.number")
    item_name = serializers.CharField(source="item_version.name")
    department = serializers.CharField(source="department.code")
    state = serializers.ChoiceField(State.choices)
    step = serializers.IntegerField()
    applicant_name = serializers.CharField()
    applicant_id_number = serializers.CharField(source="masked_id_number")
    applicant_phone = serializers.CharField(source="masked_phone")
    channel = serializers.ChoiceField(Channel.choices)
    received_on = serializers.DateField(allow_null=True, help_text="收件日；草稿为 null")
    accepted_on = serializers.DateField(allow_null=True, help_text="受理日；受理前为 null")
    due_date = serializers.DateField(allow_null=True, help_text="下一个法定期限；不计时的状态为 null")
    deadline_provisional = serializers.BooleanField()
    extension_days = serializers.IntegerField()
    version = serializers.IntegerField()


class NoticeLinkSerializer(serializers.Serializer):
    """A notice an action just issued."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(NoticeKind.choices)
    number = serializers.CharField(help_text="文书编号")
    pdf = serializers.URLField(help_text="文书 PDF（GET）")


class CaseLinksSerializer(serializers.Serializer):
    case = serializers.URLField(help_text="办件的完整表示：事件、文书和可办操作（GET）")
    events = serializers.URLField(help_text="办件的事件链（GET）")


LIGHTS = [("green", "绿灯"), ("prompt", "提示"), ("yellow", "黄灯"), ("red", "红灯")]


class CaseActionResultSerializer(serializers.Serializer):
    """What an action answers: where the case stands after it, the notice
    it issued and the links to the rest (the full case, its events)."""

    number = serializers.CharField()
    state = serializers.ChoiceField(State.choices)
    step = serializers.IntegerField(help_text="当前审查环节序号（受理前为 0）")
    due_date = serializers.DateField(allow_null=True, help_text="下一个法定期限；不计时的状态为 null")
    deadline_provisional = serializers.BooleanField(help_text="期限按临时日历计算（官方日历发布后重算）")
    step_due_date = serializers.DateField(allow_null=True, help_text="当前环节期限；无则为 null")
    light = serializers.ChoiceField(LIGHTS, allow_blank=True, help_text="亮灯；不计时为空")
    version = serializers.IntegerField(help_text="办件修改序号（下一次操作可带上，以防他人抢先）")
    notice = NoticeLinkSerializer(allow_null=True, help_text="本次操作出具的文书；未出具为 null")
    links = CaseLinksSerializer()


def action_result(request, case) -> dict:
    """The answer of an action, in the shape of ``CaseActionResultSerializer``
    (built directly: the answer of every act, so no serializer machinery;
    the schema tests check the shape). ``case`` is the service's object,
    equal to the row it updated; the notice is the one it issued."""
    url = reverse("api_case", args=[case.number])
    issued = getattr(case, "notice_issued", None)
    notice = None
    if issued is not None:
        notice = {"id": issued.pk, "kind": issued.kind, "number": issued.number,
                  "pdf": request.build_absolute_uri(reverse("api_case_notice", args=[case.number, issued.pk]))}
    return {
        "number": case.number, "state": case.state, "step": case.step,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "deadline_provisional": case.deadline_provisional,
        "step_due_date": case.step_due_date.isoformat() if case.step_due_date else None,
        "light": case.light, "version": case.version, "notice": notice,
        "links": {"case": request.build_absolute_uri(url),
                  "events": request.build_absolute_uri(reverse("api_case_events", args=[case.number]))},
    }


class CaseDetailSerializer(CaseSerializer):
    form_data = serializers.DictField(help_text="事项申请表的填写内容：{字段标识: 内容}")
    delivery_method = serializers.ChoiceField(DeliveryMethod.choices, allow_blank=True,
                                              help_text="办理结果领取方式；空为未选择")
    delivery_address = serializers.CharField(help_text="邮寄地址；非邮寄送达为空")
    events = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    # The schema of the full case; the answers are built by
    # ``case_detail_data``, proved equal to this serializer's.

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, case) -> list[dict]:
        return EventSerializer(case_events(case), many=True).data

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, case) -> list[dict]:
        return NoticeSerializer(case.notices.order_by("pk"), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Action.choices)))
    def get_actions(self, case) -> list[str]:
        return case_services.case_actions_for(self.context["user"], case)


def _cases_for(user: User):
    if user.role == Role.APPLICANT:
        return case_list_for_applicant(user=user)
    return case_list_for_staff(user=user)


def _case(user: User, number: str):
    """The case ``number`` within what ``user`` may see, or 404. A number no
    case can have (too long, with a NUL that PostgreSQL refuses even in a
    query) is not looked up."""
    case = None
    if len(number) <= NUMBER_MAX and "\x00" not in number:
        case = case_get_by_number(user=user, number=number)
    if case is None:
        raise NotFound("办件不存在或不在您的权限范围内。")
    return case


# DRF's own fields for the dates and times of a detail: the same text as
# the serializer gives (times in the current time zone, "Z" for UTC).
_DATE, _DATETIME = serializers.DateField(), serializers.DateTimeField()


def _date(value) -> str | None:
    return None if value is None else _DATE.to_representation(value)


def case_detail_data(case, *, user, events=None, notices=None) -> dict:
    """The full case in the shape of ``CaseDetailSerializer`` (the schema),
    built directly: every receipt answers it, and the serializer machinery
    costs more than the rest of the answer (a test proves the two equal).
    ``events``/``notices``: what the caller already holds (a case it has
    just created), not read again."""
    version = case.item_version
    if events is None:
        events = case_events(case)
    if notices is None:
        notices = case.notices.order_by("pk")
    return {
        "number": case.number, "query_code": case.query_code, "item": version.item.code,
        "item_version": version.number, "item_name": version.name, "department": case.department.code,
        "state": str(case.state), "step": case.step, "applicant_name": case.applicant_name,
        "applicant_id_number": case.masked_id_number, "applicant_phone": case.masked_phone,
        "channel": str(case.channel), "received_on": _date(case.received_on), "accepted_on": _date(case.accepted_on),
        "due_date": _date(case.due_date), "deadline_provisional": case.deadline_provisional,
        "extension_days": case.extension_days, "version": case.version,
        "form_data": {str(key): value for key, value in case.form_data.items()},
        "delivery_method": str(case.delivery_method), "delivery_address": case.delivery_address,
        "events": [{"seq": event.seq, "at": _DATETIME.to_representation(event.at), "action": event.action,
                    "from_state": event.from_state, "to_state": event.to_state,
                    "data": {str(key): value for key, value in event.data.items()}, "hash": event.hash}
                   for event in events],
        "notices": [{"id": notice.pk, "kind": str(notice.kind), "number": notice.number,
                     "issued_at": _DATETIME.to_representation(notice.issued_at),
                     "verify_url": notice.content["qr_url"]} for notice in notices],
        "actions": case_services.case_actions_for(user, case),
    }


def _detail(user, case, code=status.HTTP_200_OK, *, created: bool = False):
    # ``case`` is current: just loaded, or just changed by a service (which
    # keeps the object equal to the row it updated). A case just ``created``
    # has no notice yet, and its one event is the one the service wrote.
    events = notices = None
    if created:
        notices = []
        written = getattr(case, "event_written", None)
        if written is not None and case.event_seq == 1 == written.seq:
            events = [written]
    return Response(case_detail_data(case, user=user, events=events, notices=notices), status=code)


def request_hash(data: dict) -> str:
    """SHA-256 of a request body in canonical form (the checked values, keys
    sorted): a retry that spells the same application differently — spacing
    of the JSON, a default left out — has the same hash."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class CasePagination(LimitOffsetPagination):
    # A page is read in one query; 200 rows is what the workbench lists at most.
    max_limit = 200


class CaseListCreate(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CasePagination
    # What a receipt posts: the browsable API's form (a browser asking for
    # the list got a 500 without it).
    serializer_class = CaseSubmitSerializer

    def get_queryset(self):
        return _cases_for(self.request.user)

    @extend_schema(tags=TAGS, parameters=[CaseQuerySerializer], responses={200: CaseSerializer(many=True)})
    def get(self, request):
        """Cases the caller may see (applicants: their own), a page at a time:
        open cases first, the nearest deadline first (none last), then the
        finished ones; the order of creation decides ties (the primary key),
        so consecutive pages neither overlap nor skip a case."""
        query = CaseQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return validation_response(query.errors)
        cases = self.get_queryset()
        if query.validated_data.get("state"):
            cases = cases.filter(state=query.validated_data["state"])
        finished = models.Case(models.When(state__in=OPEN, then=models.Value(0)), default=models.Value(1),
                               output_field=models.IntegerField())
        cases = cases.annotate(finished=finished).order_by("finished", models.F("due_date").asc(nulls_last=True), "pk")
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(tags=TAGS, request=CaseSubmitSerializer,
                   parameters=[OpenApiParameter(
                       "Idempotency-Key", str, location=OpenApiParameter.HEADER, required=True,
                       description="客户端生成的唯一键（1 至 100 个字符）；重试时原样发送，不会重复收件；"
                                   "同一个键用于内容不同的请求时返回 422")],
                   responses={201: CaseDetailSerializer, 200: CaseDetailSerializer, 400: ErrorSerializer,
                              403: ErrorSerializer, 409: ErrorSerializer, 422: ErrorSerializer})
    def post(self, request):
        """Receive an application (收件). Retried with the same Idempotency-Key
        and body, it returns the first case (200); the same key with another
        body is refused (422)."""
        body = CaseSubmitSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        data = body.validated_data
        key = request.headers.get("Idempotency-Key", "")
        if "\x00" in key:  # PostgreSQL refuses it even in a query
            raise DomainError("请提供 1 至 100 个字符的 Idempotency-Key。", field="Idempotency-Key")
        version = version_published_kept(code=data["item"])
        if version is None:
            raise DomainError("没有该事项的已发布版本。", field="item")
        center = center_by_code(data["center"])
        if center is None:
            raise DomainError("受理中心编码不存在。", field="center")
        user = request.user
        application = dict(item_version=version, center=center, applicant_kind=data["applicant_kind"],
                           applicant_name=data["applicant_name"], applicant_id_number=data["applicant_id_number"],
                           applicant_phone=data["applicant_phone"], form_data=data["form_data"],
                           delivery_method=data["delivery_method"], delivery_address=data["delivery_address"],
                           client_address=client_address(request))
        if data["draft"]:
            if "channel" in request.data and data["channel"] != Channel.ONLINE:
                raise DomainError("草稿只能网上申请（channel 为 online）。", field="channel")
        else:
            application.update(channel=data["channel"], applicant=user if user.role == Role.APPLICANT else None)
        case, created = case_services.case_submit_once(actor=user, idempotency_key=key, request_hash=request_hash(data),
                                                       draft=data["draft"], **application)
        return _detail(user, case, status.HTTP_201_CREATED if created else status.HTTP_200_OK, created=created)


class CaseDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: CaseDetailSerializer, 404: ErrorSerializer})
    def get(self, request, number: str):
        """One case with its events (hash chain), notices and the caller's allowed actions."""
        return _detail(request.user, _case(request.user, number))


class CaseEvents(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: EventSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, number: str):
        """The case's events in order: its hash chain (each event's ``hash``
        covers it and the previous event's hash)."""
        return Response(EventSerializer(case_events(_case(request.user, number)), many=True).data)


class CaseNoticePdf(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={(200, "application/pdf"): bytes, 404: ErrorSerializer})
    def get(self, request, number: str, notice_id: int):
        """A notice of the case as PDF."""
        case = _case(request.user, number)
        # The address takes any digits; a number past the key column's range names no notice.
        notice = case.notices.filter(pk=notice_id).first() if notice_id < 2**63 else None
        if notice is None:
            raise NotFound("文书不存在。")
        return HttpResponse(notice_pdf(notice_data(notice)), content_type="application/pdf")
