"""Case endpoints: receive (idempotent), read, act, and the notices as PDF.
Every change goes through the case services; their refusals are 400/403/404/409."""

from decimal import Decimal, InvalidOperation

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
from govhall.cases.states import Action
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


class CaseActionSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, help_text="complete_step / approve")
    reason = serializers.CharField(required=False, help_text="reject / send_back / extend / withdraw / terminate / suspend")
    refer_to = serializers.CharField(required=False, help_text="reject：应向何机关申请")
    reasons = serializers.CharField(required=False, help_text="deny")
    items = serializers.ListField(child=serializers.DictField(), required=False, help_text="request_correction：[{material, problem}]")
    ground = serializers.CharField(required=False, help_text="suspend：hearing, tender, auction, inspection, testing, quarantine, appraisal, expert_review, onsite")
    expected_days = serializers.IntegerField(required=False)
    approver = serializers.CharField(required=False, help_text="suspend：批准的部门负责人用户名")
    days = serializers.IntegerField(required=False, help_text="extend")
    amount = serializers.CharField(required=False, help_text="record_payment")
    method = serializers.CharField(required=False, help_text="record_payment / deliver")
    receipt_number = serializers.CharField(required=False)
    certificate_number = serializers.CharField(required=False)
    received_by = serializers.CharField(required=False, help_text="deliver")
    version = serializers.IntegerField(required=False, help_text="期望的办件修改序号；不符时返回 409")


class CaseAct(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=CaseActionSerializer,
                   responses={200: CaseDetailSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, number: str, action: str):
        """Take an action on a case (accept, reject, request_correction, resubmit, complete_step, send_back,
        suspend, resume, extend, approve, deny, record_payment, certify, deliver, close, withdraw, terminate)."""
        user = request.user
        case = _case(user, number)
        if action not in Action.values or action == Action.SUBMIT:
            raise NotFound("没有这个操作。")
        data = request.data if isinstance(request.data, dict) else {}
        expected = data.get("version")
        if expected is not None and str(expected) != str(case.version):
            from govhall.core.errors import Conflict

            raise Conflict("该办件已被他人处理（修改序号不符），请刷新后重试。")
        _call_service(action, user=user, case=case, data=data)
        return _detail(user, case)


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError("金额无效。", field="amount") from None


def _call_service(action: str, *, user, case, data: dict):
    s = case_services
    text = lambda key: str(data.get(key, "") or "")  # noqa: E731
    approver = None
    if action == Action.SUSPEND and data.get("approver"):
        approver = User.objects.filter(username=data["approver"]).first()
    calls = {
        Action.ACCEPT: lambda: s.case_accept(actor=user, case=case),
        Action.REJECT: lambda: s.case_reject(actor=user, case=case, reason=text("reason"), refer_to=text("refer_to")),
        Action.REQUEST_CORRECTION: lambda: s.case_request_correction(actor=user, case=case, items=list(data.get("items") or [])),
        Action.RESUBMIT: lambda: s.case_resubmit(actor=user, case=case),
        Action.COMPLETE_STEP: lambda: s.case_complete_step(actor=user, case=case, opinion=text("opinion")),
        Action.SEND_BACK: lambda: s.case_send_back(actor=user, case=case, reason=text("reason")),
        Action.SUSPEND: lambda: s.case_suspend(actor=user, case=case, ground=text("ground"), reason=text("reason"),
                                               expected_days=data.get("expected_days"), approver=approver),
        Action.RESUME: lambda: s.case_resume(actor=user, case=case),
        Action.EXTEND: lambda: s.case_extend(actor=user, case=case, days=data.get("days"), reason=text("reason")),
        Action.APPROVE: lambda: s.case_approve(actor=user, case=case, opinion=text("opinion")),
        Action.DENY: lambda: s.case_deny(actor=user, case=case, reasons=text("reasons")),
        Action.RECORD_PAYMENT: lambda: s.case_record_payment(actor=user, case=case, amount=_decimal(data.get("amount")),
                                                             method=text("method"), receipt_number=text("receipt_number")),
        Action.CERTIFY: lambda: s.case_certify(actor=user, case=case, certificate_number=text("certificate_number")),
        Action.DELIVER: lambda: s.case_deliver(actor=user, case=case, method=text("method"), received_by=text("received_by")),
        Action.CLOSE: lambda: s.case_close(actor=user, case=case),
        Action.WITHDRAW: lambda: s.case_withdraw(actor=user, case=case, reason=text("reason")),
        Action.TERMINATE: lambda: s.case_terminate(actor=user, case=case, reason=text("reason")),
    }
    return calls[action]()


class CaseNoticePdf(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={(200, "application/pdf"): bytes, 404: ErrorSerializer})
    def get(self, request, number: str, notice_id: int):
        """A notice of the case as PDF."""
        notice = _case(request.user, number).notices.filter(pk=notice_id).first()
        if notice is None:
            raise NotFound("文书不存在。")
        return HttpResponse(notice_pdf(notice_data(notice)), content_type="application/pdf")
