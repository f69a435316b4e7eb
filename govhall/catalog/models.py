"""The service catalog (事项目录, DESIGN 3.2).

An ``Item`` is the identity of a service item (its implementation code and
department); each edit makes a new ``ItemVersion``, the spec that cases are
pinned to (STYLE 11). Only published versions reach the portal; the item's
``current`` is the version in force.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from govhall.org.models import CenterLevel, Department


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    PAYMENT = "payment", _("行政给付")
    CONFIRMATION = "confirmation", _("行政确认")
    REWARD = "reward", _("行政奖励")
    ADJUDICATION = "adjudication", _("行政裁决")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class ProcedureClass(models.TextChoices):
    """The Foshan reform's classes: who decides, and how fast by default."""

    SIMPLE = "simple", _("简易程序")
    ORDINARY = "ordinary", _("一般程序")
    SPECIAL = "special", _("特殊程序")


class ResultType(models.TextChoices):
    CERTIFICATE = "certificate", _("证照")
    APPROVAL_DOCUMENT = "approval_document", _("批准文书")
    FILING_RECEIPT = "filing_receipt", _("备案回执")
    PAYMENT = "payment", _("给付")
    OTHER = "other", _("其他")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    MAIL = "mail", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")


class FormFieldType(models.TextChoices):
    """The kinds of answer an item's own application form asks for (ItemVersion.form_fields)."""

    TEXT = "text", _("文本")
    TEXTAREA = "textarea", _("多行文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("单选")
    CHECKBOX = "checkbox", _("勾选")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class Item(models.Model):
    """A service item's identity, stable across versions."""

    code = models.CharField(_("实施编码"), max_length=80, unique=True)
    base_code = models.CharField(_("基本编码"), max_length=40, db_index=True)
    department = models.ForeignKey(Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="items")
    current = models.ForeignKey(
        "ItemVersion", verbose_name=_("现行版本"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.CharField(_("所属主项"), max_length=200, blank=True,
                             help_text=_("清单中归集多个办理项的主项名称"))
    source = models.CharField(_("数据来源"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["department__code", "code"]

    def __str__(self) -> str:
        latest = self.current or self.versions.order_by("-number").first()
        return latest.name if latest else self.code


class ItemVersion(models.Model):
    """One version of an item: every element an applicant needs."""

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)

    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    level = models.CharField(_("行使层级"), max_length=16, choices=CenterLevel.choices, default=CenterLevel.DISTRICT)
    # [{"law": "《…法》", "article": "第…条", "excerpt": "…"}]
    legal_basis = models.JSONField(_("设定依据"), default=list, blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    procedure_class = models.CharField(_("办理程序"), max_length=16, choices=ProcedureClass.choices, blank=True)
    statutory_days = models.PositiveIntegerField(_("法定时限（工作日）"), null=True, blank=True)
    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"), null=True, blank=True)
    immediate = models.BooleanField(_("即办件"), default=False)
    # None: not yet stated (incomplete); True: explicitly no fee; False: fee lines apply.
    no_fee = models.BooleanField(_("不收费"), null=True, blank=True)
    result_type = models.CharField(_("办理结果类型"), max_length=20, choices=ResultType.choices, blank=True)
    result_name = models.CharField(_("办理结果名称"), max_length=100, blank=True)
    delivery_methods = models.JSONField(_("送达方式"), default=list, blank=True)
    visits = models.PositiveSmallIntegerField(_("到现场次数"), null=True, blank=True)
    online = models.BooleanField(_("网上可办"), default=False)
    onsite_inspection = models.BooleanField(_("需现场踏勘"), default=False)
    consult_phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=40, blank=True)
    location = models.CharField(_("办理地点"), max_length=200, blank=True)
    office_hours = models.CharField(_("办理时间"), max_length=100, blank=True)
    # The item's own application form (申请表): [{"key", "label", "type",
    # "required", "options", "max_length", "min", "max", "help"}], checked by
    # catalog.spec; the answers are checked by catalog.application_form.
    form_fields = models.JSONField(_("申请表字段"), default=list, blank=True)

    change_note = models.CharField(_("修改说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("替代时间"), null=True, blank=True)
    # Bumped by every save: tells the search caches that a name may have changed.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number"),
            # One draft at a time: two managers editing open the same draft.
            models.UniqueConstraint(fields=["item"], condition=Q(status="draft"), name="item_one_draft"),
            models.CheckConstraint(
                condition=Q(promised_days__isnull=True) | Q(statutory_days__isnull=True)
                | Q(promised_days__lte=F("statutory_days")),
                name="promised_within_statutory",
                violation_error_message=_("承诺时限不得超过法定时限。"),
            ),
        ]
        indexes = [
            # portal: published versions by type
            models.Index(fields=["status", "item_type"], name="version_status_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.number}版）"

    @property
    def speed_up(self) -> float | None:
        """(statutory − promised) / statutory: the share of time the center saves."""
        if not self.statutory_days or self.promised_days is None:
            return None
        return (self.statutory_days - self.promised_days) / self.statutory_days


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子材料")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人提供")
    ELICENCE = "elicence", _("电子证照调取")
    SHARED = "shared", _("部门共享")


class Material(models.Model):
    """An application material (申请材料) of a version."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    condition = models.CharField(_("适用情形"), max_length=300, blank=True)
    form = models.CharField(_("材料形式"), max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    source = models.CharField(_("来源"), max_length=16, choices=MaterialSource.choices, default=MaterialSource.APPLICANT)
    source_department = models.CharField(_("出具部门"), max_length=100, blank=True)
    template = models.FileField(_("空白表格"), upload_to="catalog/templates/", blank=True)
    sample = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True)
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name

    @property
    def exempt(self) -> bool:
        """Fetched from an e-licence or another department: not to be handed in (免提交)."""
        return self.source != MaterialSource.APPLICANT

    @property
    def handed_in_required(self) -> bool:
        """Required and to be handed in by the applicant: what submission and acceptance wait for."""
        return self.required and not self.exempt


class Step(models.Model):
    """A review step of the process (受理 → 审查 → 决定 …)."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节名称"), max_length=50)
    role = models.CharField(_("办理角色"), max_length=16)
    days = models.PositiveSmallIntegerField(_("环节时限（工作日）"), default=0)
    department = models.ForeignKey(Department, verbose_name=_("办理部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("空白表示事项的实施部门"))

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class FeeLine(models.Model):
    """A fee of the item (收费项目): a standard amount, or a rule."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("收费项目"), max_length=100)
    amount = models.DecimalField(_("收费标准（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("计费规则"), max_length=300, blank=True)
    basis = models.CharField(_("收费依据"), max_length=300)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class ThemeKind(models.TextChoices):
    THEME = "theme", _("主题服务（一件事）")
    LIFE_EVENT = "life_event", _("生活事件")


class Theme(models.Model):
    """A grouping of items: a theme (一件事, later joint approval) or a life event."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=ThemeKind.choices)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    items = models.ManyToManyField(Item, through="ThemeItem", related_name="themes")

    class Meta:
        verbose_name = _("主题/生活事件")
        verbose_name_plural = _("主题/生活事件")
        ordering = ["kind", "order", "code"]

    def __str__(self) -> str:
        return self.name


class ThemeItem(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE)
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    stage = models.PositiveSmallIntegerField(_("阶段"), default=1)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题事项")
        verbose_name_plural = _("主题事项")
        ordering = ["theme", "stage", "order"]
        constraints = [models.UniqueConstraint(fields=["theme", "item"], name="theme_item_once")]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    CHECKING = "checking", _("检查中")
    DONE = "done", _("已导入")
    REFUSED = "refused", _("未导入（有错误）")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """A catalog import run by the task worker, with its progress and outcome."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("提交时间"))
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="catalog/imports/")
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField(_("事项数"), default=0)
    checked = models.PositiveIntegerField(_("已检查"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED}
