"""Joint approval (并联审批, 一件事/一条龙, DESIGN 3.7).

The definition (``Theme`` with its ``Stage``s and their ``StageItem``s) is
kept apart from the running instance (``JointCase`` with its
``JointStage``s), as an item version is apart from a case (STYLE 11): a
published theme never changes; editing it opens a new draft version, and a
joint case stays pinned to the version it was received under.

A joint case owns no lifecycle of its own: each item of a running stage is a
real case of govhall.cases (``SubCase`` links it), with its department,
deadline, notices and hash chain. The joint case keeps only what belongs to
the whole — the combined application, the stages' progress, the whole's
deadline (art. 42) and its light — stored on its row so that supervision
reads it without looking at a sub-case.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import ApplicantKind, Case, Channel
from govhall.catalog.models import DeliveryMethod, Item, ItemVersion
from govhall.core.masking import mask_id_number, mask_phone
from govhall.org.models import Center, Department, Window

# 行政许可法 art. 42: unified, joint or centralized handling within 45
# (working, art. 82) days, extendable once by 15 with the approval of the
# government's head.
WHOLE_DAYS_DEFAULT = 45
WHOLE_EXTENSION_MAX = 15


class ThemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class Theme(models.Model):
    """A joint-approval theme (主题/一件事) of a center, one version of it.
    (The catalog's ``Theme`` groups items for browsing on the portal; this
    one says how they are approved together.)"""

    code = models.SlugField(_("主题编码"), max_length=40)
    version = models.PositiveIntegerField(_("版本号"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=ThemeStatus.choices, default=ThemeStatus.DRAFT)
    name = models.CharField(_("主题名称"), max_length=100)
    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.PROTECT, related_name="joint_themes")
    whole_days = models.PositiveSmallIntegerField(_("整体办理时限（工作日）"), default=WHOLE_DAYS_DEFAULT)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("并联审批主题")
        verbose_name_plural = _("并联审批主题")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="joint_theme_code_version"),
            # one draft and one published version of a theme at a time
            models.UniqueConstraint(fields=["code"], condition=Q(status="draft"), name="joint_theme_one_draft"),
            models.UniqueConstraint(fields=["code"], condition=Q(status="published"), name="joint_theme_one_published"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class Stage(models.Model):
    """A stage of a theme (阶段): items approved in parallel under a lead
    department (牵头部门), starting once the stages it depends on are done."""

    theme = models.ForeignKey(Theme, verbose_name=_("主题"), on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("阶段名称"), max_length=50)
    lead_department = models.ForeignKey(Department, verbose_name=_("牵头部门"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    depends_on = models.ManyToManyField("self", verbose_name=_("前置阶段"), symmetrical=False, blank=True,
                                        related_name="followers")
    # The stage's own time limit (分阶段审批时限, e.g. the construction
    # reform's stages, 国办发〔2019〕11号), counted from the day the stage
    # starts; blank: no limit of its own, only the whole's and each item's.
    stage_days = models.PositiveSmallIntegerField(_("阶段办理时限（工作日）"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批阶段")
        verbose_name_plural = _("审批阶段")
        ordering = ["theme", "order"]
        constraints = [models.UniqueConstraint(fields=["theme", "order"], name="joint_stage_order")]

    def __str__(self) -> str:
        return self.name


class StageItem(models.Model):
    """A catalog item approved in a stage; each item at most once per theme."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="stage_items")
    stage = models.ForeignKey(Stage, verbose_name=_("阶段"), on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("阶段事项")
        verbose_name_plural = _("阶段事项")
        ordering = ["stage", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["theme", "item"], name="joint_item_once_per_theme")]


class JointState(models.TextChoices):
    RUNNING = "running", _("办理中")
    STOPPED = "stopped", _("未通过（待重新申请）")
    READY = "ready", _("待统一出件")
    DELIVERED = "delivered", _("已统一出件")
    ENDED = "ended", _("已结束（未全部通过）")


# The whole's clock runs only while stages are being worked on.
JOINT_OPEN = frozenset({JointState.RUNNING, JointState.STOPPED, JointState.READY})


class JointCase(models.Model):
    """A joint case (联办件): one combined application (一表制) for the items
    of a theme, worked on as one sub-case per item, stage by stage."""

    number = models.CharField(_("联办编号"), max_length=40, unique=True)
    query_code = models.CharField(_("查询码"), max_length=12)
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), on_delete=models.PROTECT, related_name="joint_cases")
    center = models.ForeignKey(Center, verbose_name=_("受理中心"), on_delete=models.PROTECT, related_name="joint_cases")
    window = models.ForeignKey(Window, verbose_name=_("收件窗口"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="joint_cases")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人账户"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="joint_cases")
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = models.CharField(_("证件号码"), max_length=32)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    channel = models.CharField(_("申请渠道"), max_length=16, choices=Channel.choices)
    # The combined form (一表制): every item's answers once, by field key, and
    # the names of the shared materials handed in once for all sub-cases.
    form_data = models.JSONField(_("一表制申请内容"), default=dict, blank=True)
    materials = models.JSONField(_("共享材料"), default=list, blank=True)
    # How the applicant wants the results, asked once for the unified
    # delivery (统一出件) and given to every sub-case (blank: not stated).
    delivery_method = models.CharField(_("领取方式"), max_length=16, blank=True)
    delivery_address = models.CharField(_("邮寄地址"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=JointState.choices, default=JointState.RUNNING)
    received_on = models.DateField(_("收件日"))
    # The whole's deadline (art. 42) and its light, stored by every change
    # and by the scan (``watch_on``: the next day the light can change), so
    # that supervision reads the row and never the sub-cases.
    extension_days = models.PositiveSmallIntegerField(_("整体延长（工作日）"), default=0)
    # [[start, end or null], …]: while stopped (a sub-case not granted) the
    # whole's clock does not run.
    pauses = models.JSONField(_("整体计时暂停"), default=list, blank=True)
    # [[start, end or null], …]: while a current sub-case stands under a
    # special procedure (art. 45: its time is not counted in the periods of
    # the section, art. 42's included), the whole's clock stands too — from
    # the first such sub-case's suspension to the last one's end
    # (``procedures_open``: how many stand suspended now). Kept apart from
    # the stopped periods; the two are merged when counting (deadlines._pauses).
    procedure_pauses = models.JSONField(_("子件特别程序期间"), default=list, blank=True)
    procedures_open = models.PositiveSmallIntegerField(_("特别程序中的子件数"), default=0)
    due_date = models.DateField(_("整体办理期限"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("期限依据临时日历"), default=False)
    light = models.CharField(_("亮灯"), max_length=8, blank=True)
    watch_on = models.DateField(_("下次监察日"), null=True, blank=True)
    ended_on = models.DateField(_("办结日"), null=True, blank=True)
    # Green channel (绿色通道, ``joint.green``): flagged by a center manager,
    # with its sub-cases; served first and warned earlier.
    green_channel = models.BooleanField(_("绿色通道"), default=False)
    version = models.PositiveIntegerField(_("修改序号"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("联办件")
        verbose_name_plural = _("联办件")
        ordering = ["-created_at"]
        indexes = [
            # the supervision scan: whose whole-deadline light changes today?
            models.Index(fields=["watch_on"], name="joint_watch_idx", condition=Q(watch_on__isnull=False)),
            # lists by state, the most urgent first
            models.Index(fields=["state", "due_date"], name="joint_state_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)

    @property
    def delivery_label(self) -> str:
        return str(DeliveryMethod(self.delivery_method).label) if self.delivery_method else ""


class StageState(models.TextChoices):
    WAITING = "waiting", _("等待前置阶段")
    RUNNING = "running", _("并联审批中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未通过")


class JointStage(models.Model):
    """A stage of a joint case as it runs."""

    joint_case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="stages")
    stage = models.ForeignKey(Stage, verbose_name=_("阶段"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=StageState.choices, default=StageState.WAITING)
    started_on = models.DateField(_("开始日"), null=True, blank=True)
    ended_on = models.DateField(_("结束日"), null=True, blank=True)
    # The stage's deadline (``Stage.stage_days`` from its start, the joint
    # case's pauses left out) and its light while it runs, stored by every
    # change and by the scan (``watch_on``: the next day the light can
    # change), as the whole's on the joint case's row.
    due_date = models.DateField(_("阶段办理期限"), null=True, blank=True)
    light = models.CharField(_("亮灯"), max_length=8, blank=True)
    watch_on = models.DateField(_("下次监察日"), null=True, blank=True)

    class Meta:
        verbose_name = _("联办阶段")
        verbose_name_plural = _("联办阶段")
        ordering = ["joint_case", "stage__order"]
        constraints = [models.UniqueConstraint(fields=["joint_case", "stage"], name="joint_stage_once")]
        indexes = [
            # the supervision scan: whose stage-deadline light changes today?
            models.Index(fields=["watch_on"], name="joint_stage_watch_idx", condition=Q(watch_on__isnull=False)),
        ]


class SubCase(models.Model):
    """The link of a running stage's item to its real case (子件). A link
    table, not a column on Case: the case lifecycle knows nothing of joint
    approval; the joint layer finds its sub-case from the case (one indexed
    look-up when a case is decided)."""

    joint_case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="sub_cases")
    joint_stage = models.ForeignKey(JointStage, on_delete=models.CASCADE, related_name="sub_cases")
    stage_item = models.ForeignKey(StageItem, on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="joint_link")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    # A re-application for a denied item replaces the sub-case in its stage;
    # the denied one stays linked, marked replaced.
    replaced = models.BooleanField(_("已被重新申请替代"), default=False)

    class Meta:
        verbose_name = _("子件")
        verbose_name_plural = _("子件")
        ordering = ["joint_stage", "stage_item__order", "pk"]


class JointMaterial(models.Model):
    """A shared material uploaded once with an online combined application,
    attached to every sub-case whose item asks for it when its stage starts."""

    joint_case = models.ForeignKey(JointCase, on_delete=models.PROTECT, related_name="uploads")
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="joint/materials/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("共享材料文件")
        verbose_name_plural = _("共享材料文件")
        ordering = ["joint_case", "pk"]
        constraints = [models.UniqueConstraint(fields=["joint_case", "name"], name="joint_material_once")]


class JointEventKind(models.TextChoices):
    INSPECTION = "inspection", _("联合踏勘")
    DRAWING_REVIEW = "drawing_review", _("联合审图")
    ACCEPTANCE = "acceptance", _("联合验收")


class JointEvent(models.Model):
    """A joint event (联合踏勘/联合审图/联合验收) of a joint case, scheduled
    once by the lead department of a stage for several of its sub-cases'
    departments: each records its findings for its own sub-case. ``ground``:
    the special procedure (art. 45, or a ground the center registered with
    its legal basis) under which the participating sub-cases are suspended
    from their head's approval until their findings; empty when the law
    counts the event inside the time limit."""

    joint_case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=JointEventKind.choices)
    scheduled_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    organizer = models.ForeignKey(Department, verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(_("特别程序情形"), max_length=40, blank=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("安排人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("联合活动")
        verbose_name_plural = _("联合活动")
        ordering = ["joint_case", "scheduled_on", "pk"]


class FindingOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    CORRECTION = "correction", _("需整改")


class JointFinding(models.Model):
    """A participating sub-case of a joint event and, once recorded, its
    department's findings (意见): passed, or needs correction with what."""

    event = models.ForeignKey(JointEvent, on_delete=models.CASCADE, related_name="findings")
    sub_case = models.ForeignKey(SubCase, verbose_name=_("子件"), on_delete=models.PROTECT, related_name="findings")
    outcome = models.CharField(_("结论"), max_length=16, choices=FindingOutcome.choices, blank=True)
    text = models.TextField(_("意见"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("联合活动意见")
        verbose_name_plural = _("联合活动意见")
        ordering = ["event", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "sub_case"], name="joint_finding_once")]


class PreReviewVerdict(models.TextChoices):
    PASS = "pass", _("无意见，可以申报")
    ISSUES = "issues", _("有问题需完善")


class PreReview(models.Model):
    """A joint pre-review (联合预审) of a green-channel case or joint case:
    opened by a center manager naming the departments involved, each of
    which gives its opinion within one working day (``due_on``)."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="pre_reviews")
    joint_case = models.ForeignKey(JointCase, verbose_name=_("联办件"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="pre_reviews")
    note = models.TextField(_("预审说明"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("发起时间"))
    due_on = models.DateField(_("意见期限"))

    class Meta:
        verbose_name = _("联合预审")
        verbose_name_plural = _("联合预审")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(case__isnull=True) ^ Q(joint_case__isnull=True),
                                   name="pre_review_one_target"),
        ]


class PreReviewOpinion(models.Model):
    """One department's opinion in a joint pre-review (empty until given)."""

    pre_review = models.ForeignKey(PreReview, on_delete=models.CASCADE, related_name="opinions")
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("意见"), max_length=8, choices=PreReviewVerdict.choices, blank=True)
    text = models.TextField(_("意见内容"), blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    given_on = models.DateField(_("提出日"), null=True, blank=True)

    class Meta:
        verbose_name = _("预审意见")
        verbose_name_plural = _("预审意见")
        ordering = ["pre_review", "department__code"]
        constraints = [
            models.UniqueConstraint(fields=["pre_review", "department"], name="pre_review_opinion_once"),
        ]

    def late_on(self, today) -> bool:
        """Whether the opinion came (or, not given, is) after its day."""
        due = self.pre_review.due_on
        return self.given_on > due if self.given_on else today > due


class ProjectContact(models.Model):
    """One scan of a project's tracking card (审批跟踪卡, 刷卡办事): who opened
    the green-channel case or joint case, from which department and window,
    when (``joint.tracking``)."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="contacts")
    joint_case = models.ForeignKey(JointCase, verbose_name=_("联办件"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT,
                             related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("跟踪卡刷卡记录")
        verbose_name_plural = _("跟踪卡刷卡记录")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(case__isnull=True) ^ Q(joint_case__isnull=True),
                                   name="project_contact_one_target"),
        ]
