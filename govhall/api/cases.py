"""Case endpoints: receive (idempotent), read, act, and the notices as PDF.
Every change goes through the case services; their refusals are 400/403/404/409."""


from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.serializers import ErrorSerializer
from govhall.cases import services as case_services
from govhall.cases.models import ApplicantKind, Channel
from govhall.cases.notices import notice_data
from govhall.cases.selectors import case_events, case_get_by_number, case_list_for_applicant, case_list_for_staff
from govhall.catalog.selectors import version_get_published
from govhall.core.errors import DomainError, NotFound
from govhall.documents import notice_pdf
from govhall.org.models import Center, User
from govhall.org.roles import Role

TAGS = ["cases 办件"]


class CaseSubmitSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="事项实施编码（已发布版本）")
    center = serializers.CharField(help_text="受理中心编码")
    channel = serializers.ChoiceField(Channel.choices, default=Channel.API)
    applicant_kind = serializers.ChoiceField(ApplicantKind.choices, default=ApplicantKind.PERSON)
    applicant_name = serializers.CharField()
    applicant_id_number = serializers.CharField()
    applicant_phone = serializers.CharField()


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    data = serializers.DictField()
    hash = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    query_code = serializers.CharField()
    item = serializers.CharField(source="item_version.item.code")
    item_version = serializers.IntegerField(source="item_version.number")
    item_name = serializers.CharField(source="item_version.name")
    department = serializers.CharField(source="department.code")
    state = serializers.CharField()
    step = serializers.IntegerField()
    applicant_name = serializers.CharField()
    applicant_id_number = serializers.CharField(source="masked_id_number")
    applicant_phone = serializers.CharField(source="masked_phone")
    channel = serializers.CharField()
    received_on = serializers.DateField()
    accepted_on = serializers.DateField()
    due_date = serializers.DateField()
    deadline_provisional = serializers.BooleanField()
    extension_days = serializers.IntegerField()
    version = serializers.IntegerField()


class CaseDetailSerializer(CaseSerializer):
    events = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_events(self, case) -> list[dict]:
        return EventSerializer(case_events(case), many=True).data

    def get_notices(self, case) -> list[dict]:
        return [{"id": n.pk, "kind": n.kind, "number": n.number, "issued_at": n.issued_at,
                 "verify_url": n.content["qr_url"]} for n in case.notices.order_by("pk")]

    def get_actions(self, case) -> list[str]:
        return case_services.case_actions_for(self.context["user"], case)


def _cases_for(user: User):
    if user.role == Role.APPLICANT:
        return case_list_for_applicant(user=user)
    return case_list_for_staff(user=user)


def _case(user: User, number: str):
    case = case_get_by_number(user=user, number=number)
    if case is None:
        raise NotFound("办件不存在或不在您的权限范围内。")
    return case


def _detail(user, case, code=status.HTTP_200_OK):
    # ``case`` is current: just loaded, or just changed by a service (which
    # keeps the object equal to the row it updated).
    return Response(CaseDetailSerializer(case, context={"user": user}).data, status=code)


class CaseListCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: CaseSerializer(many=True)},
                   parameters=[OpenApiParameter("state", str, description="按状态筛选")])
    def get(self, request):
        """Cases the caller may see (applicants: their own), at most 200."""
        cases = _cases_for(request.user)
        state = request.query_params.get("state")
        if state:
            cases = cases.filter(state=state)
        return Response(CaseSerializer(cases[:200], many=True).data)

    @extend_schema(tags=TAGS, request=CaseSubmitSerializer,
                   parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=True,
                                                description="客户端生成的唯一键；重试时原样发送，不会重复收件")],
                   responses={201: CaseDetailSerializer, 200: CaseDetailSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        """Receive an application (收件). Retried with the same Idempotency-Key, it returns the first case."""
        body = CaseSubmitSerializer(data=request.data)
        if not body.is_valid():
            return Response({"detail": "输入有误。", "errors": [{"field": f, "message": str(m[0])} for f, m in body.errors.items()]},
                            status=status.HTTP_400_BAD_REQUEST)
        data = body.validated_data
        version = version_get_published(code=data["item"], with_children=False)
        if version is None:
            raise DomainError("没有该事项的已发布版本。", field="item")
        center = Center.objects.filter(code=data["center"]).first()
        if center is None:
            raise DomainError("受理中心编码不存在。", field="center")
        user = request.user
        case, created = case_services.case_submit_once(
            actor=user, idempotency_key=request.headers.get("Idempotency-Key", ""), item_version=version, center=center,
            channel=data["channel"], applicant_kind=data["applicant_kind"], applicant_name=data["applicant_name"],
            applicant_id_number=data["applicant_id_number"], applicant_phone=data["applicant_phone"],
            applicant=user if user.role == Role.APPLICANT else None, client_address=request.META.get("REMOTE_ADDR"))
        return _detail(user, case, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CaseDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: CaseDetailSerializer, 404: ErrorSerializer})
    def get(self, request, number: str):
        """One case with its events (hash chain), notices and the caller's allowed actions."""
        return _detail(request.user, _case(request.user, number))


class CaseNoticePdf(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={(200, "application/pdf"): bytes, 404: ErrorSerializer})
    def get(self, request, number: str, notice_id: int):
        """A notice of the case as PDF."""
        notice = _case(request.user, number).notices.filter(pk=notice_id).first()
        if notice is None:
            raise NotFound("文书不存在。")
        return HttpResponse(notice_pdf(notice_data(notice)), content_type="application/pdf")
