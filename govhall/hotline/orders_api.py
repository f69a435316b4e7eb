"""Work orders in the API (12345 工单): other systems (the telephony system,
a unit's own system) and the hotline's staff register orders (channel
"api"), list and read those they may see, and act on them — one endpoint
per act of the policy table, each calling its service. As the case API:
an order the caller may not see is 404 whatever else is wrong; a role the
policy refuses is 403; a ``version`` other than the order's is 409; a
service's refusal is 400 naming the field; phones are masked."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from govhall.api.case_actions import _Body
from govhall.api.cases import CasePagination, EventSerializer
from govhall.api.errors import validation_response
from govhall.api.serializers import ErrorSerializer
from govhall.cases.selectors import center_by_code
from govhall.catalog.models import Item
from govhall.core import clock
from govhall.core.client import client_address
from govhall.core.errors import Conflict, DomainError, NotFound
from govhall.evaluation.models import Level
from govhall.hotline import services
from govhall.hotline.limits import EXTENSION_DAYS_MAX
from govhall.hotline.models import (
    AssignmentRole,
    Category,
    DueKind,
    EscalationKind,
    Extension,
    KnowledgeEntry,
    OrderChannel,
    OrderState,
    OrderType,
    Urgency,
    WorkOrder,
)
from govhall.hotline.policy import (
    ACT_LABELS,
    POLICY,
    Act,
    actor_check,
    order_action_check,
    order_actions_for,
)
from govhall.hotline.selectors import (
    order_assignments,
    order_attachments,
    order_escalations,
    order_events,
    order_get_visible,
    order_list_visible,
    unit_assignment,
    units_for_dispatch,
)
from govhall.hotline.services import ATTACHMENTS_MAX, TEXT_MAX

TAGS = ["hotline 12345热线"]
NUMBER_MAX = WorkOrder._meta.get_field("number").max_length


def _text(field: str, **kwargs):
    return serializers.CharField(
        max_length=TEXT_MAX[field], trim_whitespace=True, **kwargs
    )


# --- registering -------------------------------------------------------------------


def _coordinate(bound: int, help_text: str):
    return serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-bound,
        max_value=bound,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
    )


class OrderCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(OrderType.choices, help_text="诉求类型")
    content = _text("content", help_text="诉求内容（4000 字以内）")
    category = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="分类代码（在用分类）；可不填",
    )
    caller_phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="来电号码（数字、+、-，3 至 20 位）",
    )
    caller_name = _text(
        "caller_name",
        required=False,
        allow_blank=True,
        default="",
        help_text="来电人姓名",
    )
    anonymous = serializers.BooleanField(default=False, help_text="匿名：不记录姓名")
    address = _text(
        "address", required=False, allow_blank=True, default="", help_text="事发地址"
    )
    town = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="镇（街道）中心编码，须在本热线中心之下；可不填",
    )
    latitude = _coordinate(90, "纬度（与经度同时填写）")
    longitude = _coordinate(180, "经度")
    urgency = serializers.ChoiceField(
        Urgency.choices, default=Urgency.NORMAL, help_text="紧急程度"
    )
    related_case_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="关联的政务服务办件编号；可不填",
    )


class OrderQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        OrderState.choices, required=False, allow_blank=True, help_text="按状态筛选"
    )
    type = serializers.ChoiceField(
        OrderType.choices, required=False, allow_blank=True, help_text="按诉求类型筛选"
    )
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="只看单位办理已超时限的工单"
    )


# --- what an order answers ---------------------------------------------------------


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    type = serializers.ChoiceField(OrderType.choices)
    channel = serializers.ChoiceField(OrderChannel.choices)
    state = serializers.ChoiceField(OrderState.choices)
    urgency = serializers.ChoiceField(Urgency.choices)
    category = serializers.CharField(
        source="category.code", allow_null=True, help_text="分类代码；未分类为 null"
    )
    caller_name = serializers.CharField(
        source="caller_display", help_text="来电人；匿名时为“匿名”"
    )
    caller_phone = serializers.CharField(
        source="masked_phone", help_text="来电号码（脱敏）"
    )
    main_unit = serializers.CharField(
        source="main_unit.code",
        allow_null=True,
        help_text="主办单位代码；未派单为 null",
    )
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="单位办理时限；未派单为 null"
    )
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(
        help_text="工单修改序号（操作时可带上，以防他人抢先）"
    )


class AssignmentSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    role = serializers.ChoiceField(AssignmentRole.choices)
    active = serializers.BooleanField()
    dispatched_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    reply = serializers.CharField()
    returned_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    extension = serializers.ChoiceField(
        Extension.choices, allow_blank=True, help_text="延期申请；未申请为空"
    )
    extension_days = serializers.IntegerField()
    extension_reason = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="original_name", help_text="原文件名")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="字节")
    uploaded_by = serializers.CharField(
        allow_null=True, help_text="上传人；系统或网上诉求的访客为 null"
    )
    uploaded_at = serializers.DateTimeField()
    url = serializers.CharField(
        source="download_url",
        help_text="下载地址（工作台的附件地址：登录后仅能看到该工单的人可下载）",
    )


class EscalationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="填写督办意见时引用")
    kind = serializers.ChoiceField(EscalationKind.choices, help_text="督办原因")
    unit = serializers.CharField(source="assignment.unit.code", help_text="被督办单位代码")
    superior = serializers.CharField(source="superior.code", help_text="督办单位（上级单位）代码")
    raised_at = serializers.DateTimeField(help_text="督办时间")
    note = serializers.CharField(help_text="督办意见；未填写为空")
    noted_by = serializers.CharField(allow_null=True, help_text="督办意见填写人")
    noted_at = serializers.DateTimeField(allow_null=True)


class OrderDetailSerializer(OrderSerializer):
    center = serializers.CharField(source="center.code")
    content = serializers.CharField()
    address = serializers.CharField()
    town = serializers.CharField(source="town.code", allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True
    )
    related_case_number = serializers.CharField()
    due_kind = serializers.ChoiceField(DueKind.choices, allow_blank=True)
    reopen_count = serializers.IntegerField()
    direct_answer = serializers.CharField(help_text="直接办结的答复；其他为空")
    solved = serializers.BooleanField(
        allow_null=True, help_text="回访：是否解决；未回访为 null"
    )
    rating = serializers.ChoiceField(
        Level.choices,
        source="evaluation_rating.level",
        allow_null=True,
        help_text="回访：满意度（最近一次给出评价的回访）；未评为 null",
    )
    callback_note = serializers.CharField(help_text="回访记录或重办理由")
    parent = serializers.CharField(
        source="parent.number", allow_null=True, help_text="合并到的工单编号"
    )
    merge_reason = serializers.CharField()
    assignments = AssignmentSerializer(
        source="assignment_rows", many=True, help_text="派单记录（含协办单位）"
    )
    events = EventSerializer(source="event_rows", many=True, help_text="事件链")
    actions = serializers.ListField(
        source="allowed_actions",
        child=serializers.ChoiceField(list(POLICY)),
        help_text="您现在可对该工单执行的操作",
    )
    knowledge = serializers.IntegerField(
        source="knowledge.entry_id",
        allow_null=True,
        help_text="直接办结所依据的知识条目 id；无为 null",
    )
    guide = serializers.CharField(
        source="knowledge_guide.item.code",
        allow_null=True,
        help_text="直接办结所依据的办事指南（事项实施编码）；无为 null",
    )
    attachments = AttachmentSerializer(
        source="attachment_rows", many=True, help_text="附件"
    )
    escalations = EscalationSerializer(
        source="escalation_rows", many=True, help_text="督办记录及督办意见"
    )


def _detail(user, order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
    """The full order (``order`` just loaded, or as the service left it)."""
    order.assignment_rows = order_assignments(order)
    order.event_rows = order_events(order)
    order.attachment_rows = order_attachments(order)
    for row in order.attachment_rows:
        row.download_url = reverse("api_hotline_order_file", args=[order.number, row.pk])
    order.escalation_rows = order_escalations(order)
    order.allowed_actions = order_actions_for(
        user, order, assignment=unit_assignment(user=user, order=order)
    )
    return Response(OrderDetailSerializer(order).data, status=code)


def _order(user, number: str) -> WorkOrder:
    """The order ``number`` within what ``user`` may see, or 404 (a number
    no order can have is not looked up)."""
    order = None
    if len(number) <= NUMBER_MAX and "\x00" not in number:
        order = order_get_visible(user=user, number=number)
    if order is None:
        raise NotFound(_("工单不存在或不在您的权限范围内。"))
    return order


class OrderListCreate(GenericAPIView):
    permission_classes = (IsAuthenticated,)
    pagination_class = CasePagination
    serializer_class = OrderCreateSerializer

    def get_queryset(self):
        return order_list_visible(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="hotline_orders_list",
        parameters=[OrderQuerySerializer],
        responses={200: OrderSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request):
        """The work orders the caller may see (the hotline's staff: their center's and those below
        it; a member unit's handler: those dispatched or escalated to their unit), newest first,
        a page at a time. Phones are masked."""
        query = OrderQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return validation_response(query.errors)
        data = query.validated_data
        orders = order_list_visible(
            user=request.user,
            state=data.get("state", ""),
            type=data.get("type", ""),
            overdue_at=clock.now() if data["overdue"] else None,
        )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="hotline_orders_create",
        request=OrderCreateSerializer,
        responses={
            201: OrderDetailSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def post(self, request):
        """Register a work order (登记, channel "api") at the caller's hotline center: the
        hotline's operators and office, and the systems that sign in as them (403 otherwise)."""
        user = request.user
        actor_check(Act.CREATE, actor=user, center=user.center)
        body = OrderCreateSerializer(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        data = dict(body.validated_data)
        category = None
        if data["category"]:
            category = Category.objects.filter(code=data["category"]).first()
            if category is None:
                raise DomainError(_("分类代码不存在。"), field="category")
        town = None
        if data["town"]:
            town = center_by_code(data["town"])
            if town is None:
                raise DomainError(_("请选择本热线中心下属的镇（街道）。"), field="town")
        data.update(category=category, town=town)
        order = services.workorder_create(
            actor=user,
            channel=OrderChannel.API,
            client_address=client_address(request),
            **data,
        )
        return _detail(user, order, status.HTTP_201_CREATED)


class OrderDetail(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=TAGS,
        operation_id="hotline_order",
        responses={200: OrderDetailSerializer, 404: ErrorSerializer},
    )
    def get(self, request, number: str):
        """One work order with its assignments, time limit, replies, call-back, events (the
        hash chain; phones masked) and the acts the caller may take now."""
        return _detail(request.user, _order(request.user, number))


class OrderFile(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        tags=TAGS,
        operation_id="hotline_order_file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer},
    )
    def get(self, request, number: str, file_id: int):
        """An attachment of a work order the caller may see, as a download (the detail's
        ``attachments[].url``); 404 for an order outside the caller's scope or a file not
        of this order."""
        from govhall.cases.files import material_response

        order = _order(request.user, number)
        record = order.attachments.filter(pk=file_id).first() if file_id < 2**63 else None
        if record is None:
            raise NotFound(_("附件不存在。"))
        return material_response(record, download=True)


# --- the acts ----------------------------------------------------------------------


class OrderActBody(_Body):
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="期望的工单修改序号；不符时返回 409",
    )


class OrderEmptyBody(OrderActBody):
    pass


class OrderDispatchBody(OrderActBody):
    main_unit = serializers.CharField(
        max_length=30, help_text="主办单位代码（本热线的在用成员单位）"
    )
    co_units = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        max_length=20,
        help_text="协办单位代码",
    )


class OrderAnswerBody(OrderActBody):
    answer = _text("answer", help_text="直接答复来电人的内容")
    knowledge = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text="答复所依据的知识条目 id（现行发布版本）；可不填",
    )
    guide = serializers.CharField(
        max_length=Item._meta.get_field("code").max_length,
        required=False,
        allow_blank=True,
        default="",
        help_text="或：答复所依据的办事指南，事项实施编码（现行版本）；可不填",
    )


class OrderReplyBody(OrderActBody):
    reply = _text("reply", help_text="办理结果")


class OrderReasonBody(OrderActBody):
    reason = _text("reason", help_text="理由")


class OrderExtensionAskBody(OrderActBody):
    days = serializers.IntegerField(
        min_value=1, max_value=EXTENSION_DAYS_MAX, help_text="延长的工作日"
    )
    reason = _text("reason", help_text="理由")


class OrderExtensionDecideBody(OrderActBody):
    approve = serializers.BooleanField(help_text="true 同意；false 不同意")


class OrderCloseBody(OrderActBody):
    solved = serializers.BooleanField(help_text="回访：是否解决")
    rating = serializers.ChoiceField(
        Level.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="来电人的满意度；未评可不填",
    )
    note = _text(
        "note", required=False, allow_blank=True, default="", help_text="回访记录"
    )


class OrderReopenBody(OrderReasonBody):
    rating = serializers.ChoiceField(
        Level.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="来电人的满意度；未评可不填",
    )


class OrderEscalationNoteBody(OrderActBody):
    escalation = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="督办记录 id（工单详情 escalations）"
    )
    note = _text("note", help_text="督办意见")


class OrderAttachBody(OrderActBody):
    file = serializers.ListField(
        child=serializers.FileField(max_length=200),
        max_length=ATTACHMENTS_MAX,
        help_text=f"照片或 PDF（PDF、JPG、PNG，每个至多 10 MB，一次至多 {ATTACHMENTS_MAX} 个）；"
        "multipart/form-data，可重复",
    )


class OrderMergeBody(OrderReasonBody):
    parent = serializers.CharField(
        max_length=NUMBER_MAX, help_text="要并入的工单编号（同一热线中心、未办结）"
    )


def _dispatch(*, actor, order, main_unit: str, co_units: list[str], client_address):
    # The role before the units named: a refused role learns nothing of them.
    order_action_check(Act.DISPATCH, actor=actor, order=order)
    named = [main_unit, *co_units]
    units = {
        unit.code: unit
        for unit in units_for_dispatch(center=order.center).filter(code__in=named)
    }
    if main_unit not in units:
        raise DomainError(
            _("请选择本热线的在用成员单位作为主办单位。"), field="main_unit"
        )
    if any(code not in units for code in co_units):
        raise DomainError(_("协办单位须为本热线的在用成员单位。"), field="co_units")
    return services.workorder_dispatch(
        actor=actor,
        order=order,
        main_unit=units[main_unit],
        co_units=[units[code] for code in co_units],
        client_address=client_address,
    )


def _merge(*, actor, order, parent: str, reason: str, client_address):
    # The role before the parent named: a refused role learns nothing of it.
    order_action_check(Act.MERGE, actor=actor, order=order)
    found = (
        order_get_visible(user=actor, number=parent) if "\x00" not in parent else None
    )
    if found is None:
        raise DomainError(_("目标工单不存在或不在您的权限范围内。"), field="parent")
    return services.workorder_merge(
        actor=actor,
        order=order,
        parent=found,
        reason=reason,
        client_address=client_address,
    )


def _close_direct(*, actor, order, answer: str, knowledge, guide: str, client_address):
    # The role before the entry or item named, as for dispatch.
    order_action_check(Act.CLOSE_DIRECT, actor=actor, order=order)
    version = item_version = None
    if knowledge is not None:
        entry = KnowledgeEntry.objects.select_related("current").filter(pk=knowledge).first()
        if entry is None or entry.current is None:
            raise DomainError(_("知识条目不存在或未发布。"), field="knowledge")
        version = entry.current
    if guide:
        item = Item.objects.select_related("current").filter(code=guide).first()
        if item is None or item.current is None:
            raise DomainError(_("事项不存在或其办事指南未发布。"), field="guide")
        item_version = item.current
    # The service checks that the entry is in force at this hotline.
    return services.workorder_close_direct(
        actor=actor,
        order=order,
        answer=answer,
        knowledge=version,
        guide=item_version,
        client_address=client_address,
    )


def _escalation_note(*, actor, order, escalation: int, note: str, client_address):
    # The role before the escalation named.
    order_action_check(Act.ESCALATION_NOTE, actor=actor, order=order)
    found = order.escalations.select_related("order").filter(pk=escalation).first()
    if found is None:
        raise DomainError(_("该工单没有这条督办记录。"), field="escalation")
    services.workorder_escalation_note(
        actor=actor, escalation=found, note=note, client_address=client_address
    )
    return found.order


def _attach(*, actor, order, file: list, client_address):
    services.workorder_attach(
        actor=actor,
        order=order,
        files=services.files_read(file),
        client_address=client_address,
    )
    return order


# act → (its body, its service: the body's fields are the service's arguments)
ACTS = {
    Act.DISPATCH: (OrderDispatchBody, _dispatch),
    Act.CLOSE_DIRECT: (OrderAnswerBody, _close_direct),
    Act.SIGN: (OrderEmptyBody, services.workorder_sign),
    Act.REPLY: (OrderReplyBody, services.workorder_reply),
    Act.RETURN: (OrderReasonBody, services.workorder_return),
    Act.EXTENSION_ASK: (OrderExtensionAskBody, services.workorder_extension_ask),
    Act.EXTENSION_DECIDE: (
        OrderExtensionDecideBody,
        services.workorder_extension_decide,
    ),
    Act.CLOSE: (OrderCloseBody, services.workorder_close),
    Act.REOPEN: (OrderReopenBody, services.workorder_reopen),
    Act.MERGE: (OrderMergeBody, _merge),
    Act.ESCALATION_NOTE: (OrderEscalationNoteBody, _escalation_note),
    Act.ATTACH: (OrderAttachBody, _attach),
}


class OrderActionView(APIView):
    """One act on a work order (the subclass names it): 404 for an order
    the caller may not see, then the body (400 naming the field), the
    version (409), and the service (403 for a role or unit the policy
    refuses, 400 naming the field for the rest). Answers the order as it
    stands after the act."""

    permission_classes = (IsAuthenticated,)
    act: str = ""

    def post(self, request, number: str):
        user = request.user
        order = _order(user, number)
        body_class, call = ACTS[self.act]
        body = body_class(data=request.data)
        if not body.is_valid():
            return validation_response(body.errors)
        data = dict(body.validated_data)
        expected = data.pop("version", None)
        if expected is not None and expected != order.version:
            raise Conflict(_("该工单刚被他人处理，请刷新后重试。"))
        order = call(
            actor=user, order=order, client_address=client_address(request), **data
        )
        return _detail(user, order)


def _view(act: str) -> type[OrderActionView]:
    body = ACTS[act][0]
    doc = f"{ACT_LABELS[act]}（{act}）"

    def post(self, request, number: str):
        return OrderActionView.post(self, request, number)

    post.__doc__ = doc
    schema = extend_schema(
        tags=TAGS,
        operation_id=f"hotline_order_action_{act}",
        summary=str(ACT_LABELS[act]),
        # Files as multipart/form-data; every other act's body as JSON (or a form).
        request={"multipart/form-data": body} if act == Act.ATTACH else body,
        responses={
            200: OrderDetailSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    return type(
        f"Order{''.join(part.title() for part in act.split('_'))}Action",
        (OrderActionView,),
        {"act": act, "__doc__": doc, "post": schema(post)},
    )


ACTION_VIEWS: dict[str, type[OrderActionView]] = {act: _view(act) for act in ACTS}
