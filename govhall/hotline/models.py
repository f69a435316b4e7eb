"""The 12345 hotline (DESIGN 3.12; issue 15): work orders (工单), the
member units (成员单位) they are dispatched to, the three-level category
tree, and the hash-chained event of every change (the case event fields
and machinery: ``cases.models.ChainedEvent``, ``cases.events.EventChain``).

Built for the whole issue; this increment uses what docs/hotline.md lists
(the knowledge base, Open311, merging and suggestions come later).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import Case, ChainedEvent
from govhall.core.masking import mask_phone
from govhall.org.models import Center, Department


class Category(models.Model):
    """One node of the three-level category tree (一级 → 二级 → 三级)."""

    parent = models.ForeignKey("self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    code = models.CharField(_("分类代码"), max_length=20, unique=True)
    name = models.CharField(_("分类名称"), max_length=60)
    level = models.PositiveSmallIntegerField(_("层级"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))])
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("工单分类")
        verbose_name_plural = _("工单分类")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(level=1, parent__isnull=True) | Q(level__in=[2, 3], parent__isnull=False),
                                   name="hotline_category_level_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    TOWN = "town", _("镇（街道）")
    UTILITY = "utility", _("公共服务企业")
    OTHER = "other", _("其他单位")


class MemberUnit(models.Model):
    """A member unit (成员单位) that work orders are dispatched to: a
    department of the org model, a town or street (its center), a public
    utility or another organization."""

    name = models.CharField(_("单位名称"), max_length=100)
    code = models.CharField(_("单位代码"), max_length=30, unique=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))],
                                             default=1)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    department = models.ForeignKey(Department, verbose_name=_("对应部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="hotline_units")
    center = models.ForeignKey(Center, verbose_name=_("对应镇街中心"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="hotline_units")
    # Escalation when an order is overdue (a later increment raises it).
    superior = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="subordinates")
    # The hotline (center) whose orders it takes.
    hotline_center = models.ForeignKey(Center, verbose_name=_("所属热线中心"), on_delete=models.PROTECT,
                                       related_name="member_units")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["level", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="department") | Q(department__isnull=False),
                                   name="hotline_unit_department_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    """A handler of a member unit (成员单位办理人员) who is not found through
    the unit's department: the staff of a town, a utility or another
    organization. A department's handlers are its unit_handler staff."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("成员单位"), on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人员"), on_delete=models.PROTECT,
                             related_name="hotline_units")

    class Meta:
        verbose_name = _("成员单位办理人员")
        verbose_name_plural = _("成员单位办理人员")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="hotline_unit_member")]


class OrderType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGEST = "suggest", _("建议")
    PRAISE = "praise", _("表扬")


class OrderChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    PORTAL = "portal", _("网站")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    VERY_URGENT = "very_urgent", _("特急")


class OrderState(models.TextChoices):
    REGISTERED = "registered", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    SIGNED = "signed", _("办理中")
    REPLIED = "replied", _("待回访")
    RETURNED = "returned", _("已退单")
    CLOSED = "closed", _("已办结")
    # Merged into a parent order about the same matter (docs/hotline.md,
    # "Merging"): final; the child follows its parent.
    MERGED = "merged", _("已合并")


OPEN_STATES = frozenset({OrderState.REGISTERED, OrderState.DISPATCHED, OrderState.SIGNED, OrderState.REPLIED,
                         OrderState.RETURNED})
# The states in which a member unit holds the order (its time limit runs).
AT_UNIT = frozenset({OrderState.DISPATCHED, OrderState.SIGNED})


class DueKind(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKDAYS = "workdays", _("工作日")


class WorkOrder(models.Model):
    """One work order (工单) of the hotline."""

    number = models.CharField(_("工单编号"), max_length=40, unique=True)
    center = models.ForeignKey(Center, verbose_name=_("热线中心"), on_delete=models.PROTECT, related_name="work_orders")
    type = models.CharField(_("诉求类型"), max_length=16, choices=OrderType.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=OrderChannel.choices)
    anonymous = models.BooleanField(_("匿名"), default=False)
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    content = models.TextField(_("诉求内容"), max_length=4000)
    category = models.ForeignKey(Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orders")
    address = models.CharField(_("事发地址"), max_length=200, blank=True)
    town = models.ForeignKey(Center, verbose_name=_("所属镇街"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    related_case = models.ForeignKey(Case, verbose_name=_("关联办件"), null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="work_orders")
    related_case_number = models.CharField(_("关联办件编号"), max_length=40, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=OrderState.choices, default=OrderState.REGISTERED)
    # The time limit of the unit that holds it: a moment, counted in clock
    # hours or working days by type (docs/hotline.md, "Time limits").
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    due_kind = models.CharField(_("时限单位"), max_length=16, choices=DueKind.choices, blank=True)
    main_unit = models.ForeignKey(MemberUnit, verbose_name=_("主办单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="main_orders")
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # Merging (合并): a duplicate order points at the order it was merged into.
    parent = models.ForeignKey("self", verbose_name=_("合并至工单"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    merge_reason = models.CharField(_("合并理由"), max_length=500, blank=True)
    # The operator's direct answer (直接办结) and what it was taken from: a
    # knowledge entry's version, or a published item's service guide.
    direct_answer = models.TextField(_("直接答复内容"), blank=True)
    knowledge = models.ForeignKey("KnowledgeVersion", verbose_name=_("所用知识"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="orders")
    knowledge_guide = models.ForeignKey("catalog.ItemVersion", verbose_name=_("所用办事指南"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    # The call-back (回访): solved or not. The caller's five-level rating is
    # the evaluation app's Rating of the order (``evaluation_rating``), the
    # latest call-back's that gave one (docs/hotline.md, "Rating").
    solved = models.BooleanField(_("是否解决"), null=True, blank=True)
    callback_note = models.CharField(_("回访记录"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("修改序号"), default=0)
    event_seq = models.PositiveIntegerField(_("最后事件序号"), default=0)
    event_hash = models.CharField(_("最后事件摘要"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["center", "state"], name="hotline_order_center_state"),
            models.Index(fields=["caller_phone", "created_at"], name="hotline_order_phone"),
            models.Index(fields=["state", "due_at"], name="hotline_order_state_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.caller_phone)

    @property
    def caller_display(self) -> str:
        return _("匿名") if self.anonymous or not self.caller_name else self.caller_name


class AssignmentRole(models.TextChoices):
    MAIN = "main", _("主办")
    CO = "co", _("协办")


class Extension(models.TextChoices):
    ASKED = "asked", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class WorkOrderAssignment(models.Model):
    """One unit's part in one dispatch of an order: main or co-handling.
    A re-dispatch (after a return) makes new assignments; the old ones stay,
    inactive, with the return's reason."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(MemberUnit, verbose_name=_("成员单位"), on_delete=models.PROTECT,
                             related_name="assignments")
    role = models.CharField(_("承办方式"), max_length=8, choices=AssignmentRole.choices)
    active = models.BooleanField(_("有效"), default=True)
    dispatched_at = models.DateTimeField(_("派单时间"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    returned_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    return_reason = models.CharField(_("退单理由"), max_length=500, blank=True)
    extension = models.CharField(_("延期申请"), max_length=8, choices=Extension.choices, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延期（工作日）"), default=0)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["order", "-active", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(active=True, role="main"),
                                    name="hotline_one_active_main_unit"),
        ]


class EscalationKind(models.TextChoices):
    SIGN = "sign", _("逾期未签收")
    REPLY = "reply", _("逾期未答复")


class Escalation(models.Model):
    """督办: one part of an order (an assignment) not signed or not replied
    by its limit, escalated to its unit's superior unit — once per part and
    kind, whatever the number of scans (docs/hotline.md, "Escalation")."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="escalations")
    assignment = models.ForeignKey(WorkOrderAssignment, verbose_name=_("承办单位"), on_delete=models.PROTECT,
                                   related_name="escalations")
    kind = models.CharField(_("督办原因"), max_length=8, choices=EscalationKind.choices)
    superior = models.ForeignKey(MemberUnit, verbose_name=_("督办单位"), on_delete=models.PROTECT,
                                 related_name="escalations")
    raised_at = models.DateTimeField(_("督办时间"))
    # The superior's urging note (督办意见), which the late unit reads on the order page.
    note = models.CharField(_("督办意见"), max_length=500, blank=True)
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("督办人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    noted_at = models.DateTimeField(_("督办意见时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["order", "raised_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["assignment", "kind"], name="hotline_escalation_once")]


class WorkOrderAttachment(models.Model):
    """A file on a work order (photos, PDFs), checked as case materials are
    (core/uploads.py) and kept through Django's storage with its checksum."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="hotline/attachments/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["order", "uploaded_at", "pk"]


class WorkOrderEvent(ChainedEvent):
    """One append-only, hash-chained event of a work order."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="hotline_order_event_seq")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"


class WorkOrderCounter(models.Model):
    """The last work order number handed out per center and day."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "day"], name="hotline_counter_center_day")]


# --- knowledge base (知识库) -------------------------------------------------------

class KnowledgeState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待来源单位审核")
    APPROVED = "approved", _("已审核待发布")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")
    WITHDRAWN = "withdrawn", _("已撤回")


# The version being worked on (at most one per entry).
KNOWLEDGE_OPEN = frozenset({KnowledgeState.DRAFT, KnowledgeState.REVIEW, KnowledgeState.APPROVED})


class KnowledgeEntry(models.Model):
    """A knowledge base entry's identity (知识条目), stable across versions:
    the hotline it answers for and the member unit that vouches for it."""

    center = models.ForeignKey(Center, verbose_name=_("热线中心"), on_delete=models.PROTECT,
                               related_name="knowledge_entries")
    source_unit = models.ForeignKey(MemberUnit, verbose_name=_("来源单位"), on_delete=models.PROTECT,
                                    related_name="knowledge_entries")
    current = models.ForeignKey("KnowledgeVersion", verbose_name=_("现行版本"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"K{self.pk}"


class KnowledgeVersion(models.Model):
    """One version of an entry: drafted, reviewed by the source unit,
    published by the hotline office, superseded by the next publication or
    withdrawn. A published version is never edited: editing makes a new one."""

    entry = models.ForeignKey(KnowledgeEntry, verbose_name=_("知识条目"), on_delete=models.PROTECT,
                              related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    state = models.CharField(_("状态"), max_length=16, choices=KnowledgeState.choices, default=KnowledgeState.DRAFT)
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("答复口径"), max_length=4000)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"), null=True, blank=True)
    change_note = models.CharField(_("修改说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("编写人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("编写时间"))
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    # Set by every change: tells the search index to rebuild.
    updated_at = models.DateTimeField(_("更新时间"), db_index=True)

    class Meta:
        verbose_name = _("知识版本")
        verbose_name_plural = _("知识版本")
        ordering = ["entry", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="hotline_knowledge_number"),
            models.UniqueConstraint(fields=["entry"], condition=Q(state__in=["draft", "review", "approved"]),
                                    name="hotline_knowledge_one_open"),
            models.UniqueConstraint(fields=["entry"], condition=Q(state="published"),
                                    name="hotline_knowledge_one_published"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                                   name="hotline_knowledge_validity"),
        ]
        indexes = [
            # The expiry warnings: published versions by end of validity.
            models.Index(fields=["state", "valid_until"], name="hotline_knowledge_expiry"),
        ]

    def __str__(self) -> str:
        return f"K{self.entry_id} v{self.number} {self.question}"


class HistoryOrder(models.Model):
    """A past order imported from the system a center used before govhall
    (历史工单): what dispatch suggestions learn from besides the closed
    orders. Category and unit are resolved to this hotline's own at import."""

    center = models.ForeignKey(Center, verbose_name=_("热线中心"), on_delete=models.PROTECT,
                               related_name="hotline_history")
    content = models.TextField(_("诉求内容"), max_length=4000)
    type = models.CharField(_("诉求类型"), max_length=16, choices=OrderType.choices, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.ForeignKey(MemberUnit, verbose_name=_("主办单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    received_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    # One import: every row of one file shares it (and goes or stays together).
    batch = models.CharField(_("导入批次"), max_length=40, db_index=True)
    row = models.PositiveIntegerField(_("文件行号"))
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("历史工单")
        verbose_name_plural = _("历史工单")
        ordering = ["batch", "row"]
        # Training reads one center's history.
        indexes = [models.Index(fields=["center", "batch"], name="hotline_history_center")]


class SuggestModel(models.Model):
    """One training of a center's dispatch suggestion model: when, on how
    many orders, its cross-validated accuracy, and the stored model file
    (none when there was too little history: the keyword rules answer)."""

    center = models.ForeignKey(Center, verbose_name=_("热线中心"), on_delete=models.PROTECT,
                               related_name="hotline_suggest_models")
    trained_at = models.DateTimeField(_("训练时间"))
    orders = models.PositiveIntegerField(_("训练工单数"), default=0)
    history = models.PositiveIntegerField(_("其中历史工单"), default=0)
    category_top1 = models.FloatField(_("分类首选准确率"), null=True, blank=True)
    category_top3 = models.FloatField(_("分类前三准确率"), null=True, blank=True)
    unit_top1 = models.FloatField(_("单位首选准确率"), null=True, blank=True)
    unit_top3 = models.FloatField(_("单位前三准确率"), null=True, blank=True)
    folds = models.PositiveSmallIntegerField(_("交叉验证折数"), default=0)
    # A FileField so that the media sweep sees the file as named by a row.
    file = models.FileField(_("模型文件"), upload_to="hotline/suggest/", max_length=200, blank=True)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    seconds = models.FloatField(_("训练耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("派单建议模型")
        verbose_name_plural = _("派单建议模型")
        ordering = ["-trained_at", "-pk"]
        # The latest training of a center (every suggestion asks).
        indexes = [models.Index(fields=["center", "-trained_at"], name="hotline_suggest_latest")]
