"""Case actions through the API: one endpoint per action, its body checked
by the action's serializer, then the case services' one entry point."""

from decimal import Decimal, InvalidOperation

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from govhall.api.cases import TAGS, CaseDetailSerializer, _case, _detail
from govhall.api.serializers import ErrorSerializer
from govhall.cases import services as case_services
from govhall.cases.states import Action
from govhall.core.errors import DomainError, NotFound
from govhall.org.models import User


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
