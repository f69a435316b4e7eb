"""Case actions through the API: one endpoint per action of the policy table
(``cases.policy.INTERFACE_ACTIONS``), its body checked by the action's own
serializer (types and bounds from ``cases.limits``, so the schema says what
the services accept), then the case services' one entry point ``case_act``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.cases import NUMBER_MAX, TAGS, CaseActionResultSerializer, action_result
from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.cases import limits
from govhall.cases import services as case_services
from govhall.cases.models import Verdict
from govhall.cases.policy import INTERFACE_ACTIONS
from govhall.cases.selectors import case_load_for_act, case_visible
from govhall.cases.states import Action, SuspensionGround
from govhall.core.client import client_address
from govhall.core.errors import Conflict, NotFound


def _text(limit: int = limits.TEXT_MAX, **kwargs):
    return serializers.CharField(max_length=limit, trim_whitespace=True, **kwargs)


class _Body(serializers.Serializer):
    """Every action body may carry the case version the caller saw: a
    different one is a 409 (someone else acted first)."""

    version = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1,
                                       help_text="期望的办件修改序号；不符时返回 409")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["请求体须为 JSON 对象。"]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({unknown[0]: ["该操作不接受此参数。"]})
        return super().to_internal_value(data)


class EmptyBody(_Body):
    pass


class OpinionBody(_Body):
    opinion = _text(help_text="审查/审批意见")


class ReasonBody(_Body):
    reason = _text(help_text="理由")


class OptionalReasonBody(_Body):
    reason = _text(required=False, allow_blank=True, help_text="理由（可不填）")


class RejectBody(_Body):
    reason = _text(help_text="不予受理理由")
    refer_to = _text(limits.REFER_TO_MAX, required=False, allow_blank=True, help_text="应向何机关申请（不属于本机关职权时）")


class DenyBody(_Body):
    reasons = _text(help_text="不予许可的理由")


class CorrectionLine(serializers.Serializer):
    material = _text(limits.CORRECTION_MATERIAL_MAX, help_text="材料名称")
    problem = _text(limits.CORRECTION_PROBLEM_MAX, help_text="需要补正的内容")


class CorrectionBody(_Body):
    items = serializers.ListField(child=CorrectionLine(), min_length=1, max_length=limits.CORRECTION_ITEMS_MAX,
                                  help_text="一次性告知的全部补正内容")


class CheckLine(serializers.Serializer):
    material_order = serializers.IntegerField(min_value=1, max_value=10_000, help_text="事项材料序号")
    verdict = serializers.ChoiceField(Verdict.choices, help_text="ok 合格；fix 需补正")
    note = _text(limits.CORRECTION_PROBLEM_MAX, required=False, allow_blank=True, help_text="需补正的内容（需补正时必填）")


class CheckBody(_Body):
    checks = serializers.ListField(child=CheckLine(), min_length=1, max_length=limits.CORRECTION_ITEMS_MAX,
                                   help_text="逐项材料核验结果")


class SuspendBody(_Body):
    ground = serializers.CharField(max_length=20, help_text="法定情形（" + "、".join(
        f"{code} {label}" for code, label in SuspensionGround.choices) + "），或本中心登记的地方情形代码")
    reason = _text(limits.PAUSE_REASON_MAX, help_text="事由")
    expected_days = serializers.IntegerField(min_value=1, max_value=limits.SUSPENSION_DAYS_MAX,
                                             help_text="预计所需时间（工作日）")


class ExtendBody(_Body):
    days = serializers.IntegerField(min_value=1, max_value=limits.EXTENSION_DAYS_MAX, help_text="延长的工作日（第四十二条：至多 10 日）")
    reason = _text(limits.PAUSE_REASON_MAX, help_text="理由")


class ExtendApprovalBody(_Body):
    """The head's extension: the request's days and reason unless given."""

    days = serializers.IntegerField(min_value=1, max_value=limits.EXTENSION_DAYS_MAX, required=False,
                                    help_text="延长的工作日；不填则按审查人员的申请")
    reason = serializers.CharField(max_length=limits.PAUSE_REASON_MAX, required=False,
                                   help_text="理由；不填则按审查人员的申请")


class PaymentBody(_Body):
    amount = serializers.DecimalField(max_digits=limits.AMOUNT_MAX_DIGITS, decimal_places=2, min_value=0,
                                      coerce_to_string=True, help_text="实收金额（元）")
    method = serializers.ChoiceField(list(case_services.PAYMENT_METHODS))
    receipt_number = _text(limits.SHORT_TEXT_MAX, help_text="票据号")


class CertifyBody(_Body):
    certificate_number = _text(limits.SHORT_TEXT_MAX, help_text="证照编号")


class DeliverBody(_Body):
    method = serializers.ChoiceField(list(case_services.DELIVERY_METHODS))
    received_by = _text(limits.SHORT_TEXT_MAX, help_text="签收人")


class AttachBody(_Body):
    material_order = serializers.IntegerField(min_value=1, max_value=10_000, help_text="事项材料序号")
    file = serializers.FileField(max_length=200, help_text="PDF、JPG 或 PNG，至多 10 MB")


BODIES: dict[str, type[_Body]] = {
    Action.ATTACH_MATERIAL: AttachBody,
    Action.CHECK_MATERIALS: CheckBody,
    Action.REJECT: RejectBody,
    Action.REQUEST_CORRECTION: CorrectionBody,
    Action.COMPLETE_STEP: OpinionBody,
    Action.SEND_BACK: ReasonBody,
    Action.REQUEST_SUSPENSION: SuspendBody,
    Action.REQUEST_EXTENSION: ExtendBody,
    Action.EXTEND: ExtendApprovalBody,
    Action.REFUSE_REQUEST: ReasonBody,
    Action.APPROVE: OpinionBody,
    Action.DENY: DenyBody,
    Action.RECORD_PAYMENT: PaymentBody,
    Action.CERTIFY: CertifyBody,
    Action.DELIVER: DeliverBody,
    Action.WITHDRAW: OptionalReasonBody,
    Action.TERMINATE: ReasonBody,
}


def _params(action: str, data: dict, case) -> dict:
    """The serializer's checked data as the service's arguments."""
    data = dict(data)
    data.pop("version", None)
    if action == Action.ATTACH_MATERIAL:
        upload = data.pop("file")
        data["filename"] = upload.name
        data["content"] = upload.read(case_services.MATERIAL_MAX_BYTES + 1)
    elif action == Action.REQUEST_CORRECTION:
        data["items"] = [dict(line) for line in data["items"]]
    elif action == Action.CHECK_MATERIALS:
        data["checks"] = [{"note": "", **line} for line in data["checks"]]
    return data


NOT_VISIBLE = "办件不存在或不在您的权限范围内。"


def _case_for_act(user, number: str):
    """The case ``number`` loaded for the act in one statement, and whether
    ``user`` may see it: True, or None when that needs the departments he
    works for (a query asked only if the act fails, ``_require_visible``);
    404 (as ``cases._case``) when he certainly may not."""
    case = None
    if len(number) <= NUMBER_MAX and "\x00" not in number:
        case = case_load_for_act(number=number)
    visible = case_visible(user, case, ask=False) if case is not None else False
    if visible is False:
        raise NotFound(NOT_VISIBLE)
    return case, visible


def _require_visible(user, case, visible) -> None:
    """404 for a person who may not see the case, whatever else is wrong."""
    if visible is None and not case_visible(user, case):
        raise NotFound(NOT_VISIBLE)


class CaseActionView(APIView):
    """One action on a case (the subclass names it). The body is parsed by
    the API's parsers (JSON bounded in size and depth; multipart for
    ``attach_material``). The answer is thin: where the case stands now,
    the notice the action issued and the links to the full case and its
    events (``CaseActionResultSerializer``)."""

    permission_classes = [IsAuthenticated]
    action_name: str = ""
    body: type[_Body] = EmptyBody

    def post(self, request, number: str):
        user = request.user
        case, visible = _case_for_act(user, number)
        # Whatever goes wrong, someone who may not see the case learns
        # nothing about it: 404 first.
        try:
            body = self.body(data=request.data)
            valid = body.is_valid()
            if valid:
                expected = body.validated_data.get("version")
                if expected is not None and expected != case.version:
                    raise Conflict("该办件已被他人处理（修改序号不符），请刷新后重试。")
                case_services.case_act(actor=user, case=case, action=self.action_name,
                                       params=_params(self.action_name, body.validated_data, case),
                                       client_address=client_address(request))
        except Exception:
            _require_visible(user, case, visible)
            raise
        if not valid:
            _require_visible(user, case, visible)
            return validation_response(body.errors)
        # Done: the service tested the grant the act needs (in the case's
        # department or one of its steps'), and holding it puts the case in
        # the actor's scope (``staff_case_scope``); an act that needs no
        # grant is the applicant's own or a head's of the case's department,
        # both seen without a query. So an act done was visible to its actor.
        return Response(action_result(request, case))


def _view(action: str) -> type[CaseActionView]:
    body = BODIES.get(action, EmptyBody)
    doc = f"{Action(action).label}（{action}）"

    def post(self, request, number: str):
        return CaseActionView.post(self, request, number)

    post.__doc__ = doc
    schema = extend_schema(
        tags=TAGS, operation_id=f"case_action_{action}", summary=str(Action(action).label), request=body,
        responses={200: CaseActionResultSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                   409: ErrorSerializer},
    )
    return type(f"Case{''.join(part.title() for part in action.split('_'))}Action", (CaseActionView,),
                {"action_name": action, "body": body, "__doc__": doc, "post": schema(post)})


ACTION_VIEWS: dict[str, type[CaseActionView]] = {action: _view(action) for action in INTERFACE_ACTIONS}


def action_unknown(request, number: str, action: str):
    """An action the table does not have (or one only the system takes): 404.
    A plain view, so it stays out of the schema."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "没有这个操作。", "field": "action"}, status=404)
