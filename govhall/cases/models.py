"""Cases (办件, DESIGN 3.4), their hash-chained events (3.6) and pauses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.states import OPEN, State
from govhall.catalog.models import ItemVersion
from govhall.core.masking import mask_id_number, mask_phone
from govhall.org.models import Center, Department, Window


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上申请")
    BRANCH = "branch", _("分中心代收")
    MAIL = "mail", _("邮寄")
    API = "api", _("接口")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人或其他组织")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    query_code = models.CharField(_("查询码"), max_length=12)
    item_version = models.ForeignKey(ItemVersion, verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="cases")
    department = models.ForeignKey(Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="cases")
    center = models.ForeignKey(Center, verbose_name=_("受理中心"), on_delete=models.PROTECT, related_name="cases")
    # The window that received it (window channel: the clerk's window) and
    # the clerk who accepted it: what window and staff indicators count.
    window = models.ForeignKey(Window, verbose_name=_("收件窗口"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="cases")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人账户"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cases")
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = models.CharField(_("证件号码"), max_length=32)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    green_channel = models.BooleanField(_("绿色通道"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    step = models.PositiveSmallIntegerField(_("当前环节序号"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_on = models.DateField(_("收件日"), null=True, blank=True,
                                   help_text=_("非工作时间收件顺延至下一工作日"))
    accepted_on = models.DateField(_("受理日"), null=True, blank=True)
    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"))
    extension_days = models.PositiveIntegerField(_("延长（工作日）"), default=0)
    # How many special procedures the case has had: with none (most cases),
    # its deadline needs no look at the pauses.
    pause_count = models.PositiveSmallIntegerField(_("特别程序次数"), default=0)
    # The next deadline, recomputed by every service that changes the case;
    # indexed with the state for the supervision scan ("which are late?").
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("期限依据临时日历"), default=False)
    # Electronic supervision (DESIGN 3.9): the light of the watched deadline
    # (acceptance, decision or delivery, by state) as last set, the current
    # review step's deadline, and the next day supervision must look at the
    # case again. The scheduled scan reads only the cases whose day has
    # come (indexed), not every open case.
    light = models.CharField(_("亮灯"), max_length=8, blank=True)
    step_due_date = models.DateField(_("环节期限"), null=True, blank=True)
    watch_on = models.DateField(_("下次监察日"), null=True, blank=True)
    decided_on = models.DateField(_("决定日"), null=True, blank=True)
    # The number of the decision document (准予/不予许可决定书): served with
    # the result at delivery, named on the delivery receipt.
    decision_number = models.CharField(_("决定文书编号"), max_length=64, blank=True)
    fee_amount = models.DecimalField(_("实收金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee_paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    certificate_number = models.CharField(_("证照编号"), max_length=64, blank=True)
    visits = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    # The answers to the item's own application form (ItemVersion.form_fields),
    # as validated at submission, and how the applicant wants the result.
    form_data = models.JSONField(_("申请表内容"), default=dict, blank=True)
    delivery_method = models.CharField(_("领取方式"), max_length=16, blank=True)
    delivery_address = models.CharField(_("邮寄地址"), max_length=200, blank=True)
    # A reviewer's request that waits for the department head's own act
    # (特别程序 or 延期: "suspend" / "extend"), with what was asked; empty when
    # none. On the case row, so the head's approval and any other transition
    # are one guarded update: exactly one of them wins.
    request_action = models.CharField(_("待批申请"), max_length=16, blank=True)
    request_data = models.JSONField(_("待批申请内容"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("修改序号"), default=0)
    # The head of the event chain (DESIGN 3.6): the next event links to it
    # without reading the previous one, and a deleted last event shows.
    event_seq = models.PositiveIntegerField(_("最后事件序号"), default=0)
    event_hash = models.CharField(_("最后事件摘要"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            # the supervision scan and worklists sorted by deadline
            models.Index(fields=["state", "due_date"], name="case_state_due_idx"),
            # a department's worklist
            models.Index(fields=["department", "state"], name="case_department_state_idx"),
            # the supervision scan: whose light changes today?
            models.Index(fields=["watch_on"], name="case_watch_idx"),
            # the head's work list: requests waiting for the head's approval
            models.Index(fields=["department", "request_action"], name="case_request_idx",
                         condition=~Q(request_action="")),
            # statistics: the open cases by their light now, answered from the index alone
            models.Index(fields=["state", "light"], name="case_open_light_idx",
                         include=["center", "department", "window", "accepted_by"],
                         condition=Q(state__in=sorted(OPEN))),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)


class ChainedEvent(models.Model):
    """The fields of one append-only, hash-chained event (DESIGN 3.6): the
    case events and other chains (the hotline's work orders) share them and
    ``cases.events``' digest and verification; each concrete model adds the
    foreign key to its subject and the (subject, seq) constraint."""

    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("角色"), max_length=16, blank=True)
    action = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    client_address = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    hash_alg = models.CharField(_("摘要算法"), max_length=16)
    prev_hash = models.CharField(_("前一事件摘要"), max_length=128, blank=True)
    hash = models.CharField(_("摘要"), max_length=128)

    class Meta:
        abstract = True


class CaseEvent(ChainedEvent):
    """One append-only, hash-chained event of a case (DESIGN 3.6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("办件事件")
        verbose_name_plural = _("办件事件")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class Pause(models.Model):
    """A lawful pause of the clock: a special procedure (art. 45)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pauses")
    # The ground's code, and its name and legal basis as they stood when the
    # pause started (a center's own grounds can change later; the notice
    # and the record must not).
    ground = models.CharField(_("特别程序"), max_length=20)
    ground_name = models.CharField(_("特别程序情形"), max_length=40, default="")
    ground_basis = models.CharField(_("依据"), max_length=300, blank=True)
    reason = models.CharField(_("事由"), max_length=300)
    expected_days = models.PositiveIntegerField(_("预计所需时间（工作日）"))
    # The department head whose own act approved it (null: the system).
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日"))
    ended_on = models.DateField(_("结束日"), null=True, blank=True)

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")
        ordering = ["case", "started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_on__isnull=True), name="one_open_pause"),
        ]


class LocalSuspensionGround(models.Model):
    """A ground of special procedure a center adds to the national list of
    art. 45, with the legal basis that makes it lawful (e.g. a provincial
    regulation counting on-site inspection outside the time limit). It
    applies to the center and every center below it; the basis is printed
    on the notice."""

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="suspension_grounds")
    code = models.SlugField(_("代码"), max_length=20)
    name = models.CharField(_("情形"), max_length=40)
    legal_basis = models.CharField(_("法律依据"), max_length=300)
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("地方特别程序情形")
        verbose_name_plural = _("地方特别程序情形")
        ordering = ["center", "code"]
        constraints = [models.UniqueConstraint(fields=["center", "code"], name="local_ground_center_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.legal_basis}）"


class CaseCounter(models.Model):
    """The last case number handed out per center and day."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "day"], name="case_counter_center_day")]


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理通知书")
    REJECTION = "rejection", _("不予受理通知书")
    CORRECTION = "correction", _("补正材料通知书")
    SUSPENSION = "suspension", _("特别程序告知书")
    EXTENSION = "extension", _("延长审查期限通知书")
    APPROVAL = "approval", _("准予行政许可决定书")
    DENIAL = "denial", _("不予行政许可决定书")
    DELIVERY = "delivery", _("送达回证")


class Notice(models.Model):
    """A written notice (制式文书) as issued: its content is frozen at issue,
    so the PDF and the verification page always show what the applicant got."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("文书类型"), max_length=16, choices=NoticeKind.choices)
    number = models.CharField(_("文书编号"), max_length=80, unique=True)
    verify_code = models.CharField(_("核验码"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("内容"))

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["case", "issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class NoticeCounter(models.Model):
    """The last notice number per department, year and kind."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "year", "kind"], name="notice_counter_unique")]


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key for a case creation: a retried request
    returns the case created the first time instead of a second one; the
    same key with another body is refused (422)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 (hex) of the canonical body of the first request: the same key
    # with another body is a client bug, refused rather than answered with a
    # case that does not match. Empty for keys stored before the hash was
    # kept: those accept any body, as they did.
    request_hash = models.CharField(max_length=64, blank=True, default="")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]


class Verdict(models.TextChoices):
    OK = "ok", _("合格")
    FIX = "fix", _("需补正")


class MaterialCheck(models.Model):
    """The acceptance check of one of the item's materials on a case: 合格,
    or 需补正 with what is wrong (a line of the one-time correction notice).
    The latest check of each material stands; the case's events keep every one."""

    case = models.ForeignKey("Case", on_delete=models.PROTECT, related_name="material_checks")
    material_order = models.PositiveSmallIntegerField(_("材料序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    verdict = models.CharField(_("核验结果"), max_length=8, choices=Verdict.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # null: the system
    checked_at = models.DateTimeField(_("核验时间"))

    class Meta:
        verbose_name = _("材料核验")
        verbose_name_plural = _("材料核验")
        ordering = ["case", "material_order"]
        constraints = [models.UniqueConstraint(fields=["case", "material_order"], name="one_check_per_material")]


class CaseMaterial(models.Model):
    """A file handed in for one of the item's materials, with its checksum."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="materials")
    material_order = models.PositiveSmallIntegerField(_("材料序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="cases/materials/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("申请材料文件")
        verbose_name_plural = _("申请材料文件")
        ordering = ["case", "material_order", "uploaded_at"]


class AuditCheckpoint(models.Model):
    """How far the case event chains were verified (DESIGN 3.6; docs/security.md,
    "Audit checkpoints"): every event with an id up to ``last_event_id`` was
    found sound. Each checkpoint names the signature of the one before it and
    is signed with an HMAC whose key is not in the database
    (``GOVHALL_AUDIT_KEY``), so a forged, edited or removed checkpoint shows.
    ``govhall verify-audit`` continues from the last one: the events it
    covers are not hashed again, new ones must chain onto its heads."""

    number = models.PositiveIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("签署时间"))
    last_event_id = models.BigIntegerField(_("已核验至事件"))
    # How many events have an id up to last_event_id, and the sum (mod 2^256)
    # of a keyed tag of each case's last such event: what a later full run
    # recomputes to find verified events rewritten together with their hashes.
    events = models.BigIntegerField(_("已核验事件数"))
    heads = models.CharField(_("链头摘要"), max_length=128)
    hashed = models.BigIntegerField(_("本次计算摘要的事件数"))
    full = models.BooleanField(_("全量核验"))
    # The first of a new series (--restart: after a key change, or once a
    # damaged series was examined); the checkpoints before it are not read.
    restart = models.BooleanField(_("重新起算"), default=False)
    hash_alg = models.CharField(_("签名算法"), max_length=16)
    key_id = models.CharField(_("密钥标识"), max_length=32)
    previous = models.CharField(_("前一检查点签名"), max_length=128, blank=True)
    signature = models.CharField(_("签名"), max_length=128)

    class Meta:
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"#{self.number} ≤ {self.last_event_id}"
