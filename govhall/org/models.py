"""Organization of the hall (DESIGN 3.1): centers, departments, windows,
people, their authorizations, A/B posts and attendance."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.core.masking import mask_id_number, mask_phone
from govhall.org.roles import DEPARTMENT_REQUIRED_ROLES, Role


class CenterLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")
    TOWN = "town", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    BRANCH = "branch", _("分中心")


class Center(models.Model):
    """A service center (政务服务中心); centers form a tree of levels.

    ``path`` is a materialized path ("0001.0003.") so that "this center and
    everything below it" is one indexed prefix query on SQLite and PostgreSQL.
    """

    code = models.CharField("中心编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=CenterLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级中心", null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField("层级路径", max_length=255, unique=True, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=32, blank=True)
    office_hours = models.CharField("办公时间", max_length=100, blank=True)

    class Meta:
        verbose_name = "政务服务中心"
        verbose_name_plural = "政务服务中心"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count(".") - 1


class Department(models.Model):
    """A department stationed in the hall (进驻单位), at one center's level."""

    code = models.CharField("部门编码", max_length=32, unique=True)
    name = models.CharField("全称", max_length=100)
    short_name = models.CharField("简称", max_length=50)
    center = models.ForeignKey(
        Center, verbose_name="所属中心", on_delete=models.PROTECT, related_name="departments"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("咨询电话", max_length=32, blank=True)
    complaint_phone = models.CharField("投诉电话", max_length=32, blank=True)
    source = models.CharField("数据来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "进驻部门"
        verbose_name_plural = "进驻部门"
        ordering = ["center__path", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合窗口")
    DEDICATED = "dedicated", _("专业窗口")


class Window(models.Model):
    """A service window (窗口). A comprehensive window accepts the items of
    many departments (一窗受理); a dedicated one belongs to one department."""

    center = models.ForeignKey(
        Center, verbose_name="所属中心", on_delete=models.PROTECT, related_name="windows"
    )
    number = models.CharField("窗口号", max_length=16)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=WindowKind.choices)
    department = models.ForeignKey(
        Department, verbose_name="所属部门", null=True, blank=True,
        on_delete=models.PROTECT, related_name="windows",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        ordering = ["center__path", "number"]
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="window_number_per_center"),
            models.CheckConstraint(
                condition=Q(kind="comprehensive", department__isnull=True)
                | Q(kind="dedicated", department__isnull=False),
                name="window_kind_department",
                violation_error_message="综合窗口不属于单一部门；专业窗口必须指定所属部门。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class User(AbstractUser):
    """Everyone who logs in: applicants and staff, told apart by ``role``."""

    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.APPLICANT)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    center = models.ForeignKey(
        Center, verbose_name="所属中心", null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    department = models.ForeignKey(
        Department, verbose_name="所属部门", null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    window = models.ForeignKey(
        Window, verbose_name="所在窗口", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="staff",
    )
    id_number = models.CharField("身份证件号码", max_length=32, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=sorted(r.value for r in DEPARTMENT_REQUIRED_ROLES)) | Q(department__isnull=False),
                name="department_role_has_department",
                violation_error_message="部门岗位人员必须指定所属部门。",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT


class Action(models.TextChoices):
    """Actions at a window or in the back office that need an authorization."""

    ACCEPT = "accept", _("受理")
    REVIEW = "review", _("审查")
    APPROVE = "approve", _("审批决定")
    CERTIFY = "certify", _("制证")
    DELIVER = "deliver", _("送达")
    CHARGE = "charge", _("收费")


class Authorization(models.Model):
    """Authorization of a staff member for an action on items (授权).

    ``item_code`` is the catalog's base code (基本编码); empty means every
    item of ``department``. A comprehensive-window clerk holds authorizations
    in several departments. The catalog plugs in by base code, so that a new
    version of an item keeps its authorizations.
    """

    staff = models.ForeignKey(
        User, verbose_name="工作人员", on_delete=models.CASCADE, related_name="authorizations"
    )
    department = models.ForeignKey(
        Department, verbose_name="事项所属部门", on_delete=models.CASCADE, related_name="+"
    )
    item_code = models.CharField("事项基本编码", max_length=64, blank=True, default="")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    granted_by = models.ForeignKey(
        User, verbose_name="授权人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField("授权时间")

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "department", "item_code", "action"], name="authorization_unique"
            ),
        ]
        indexes = [
            # "is this staff authorized for this action on this department's item"
            models.Index(fields=["staff", "action", "department"], name="authorization_lookup_idx"),
        ]

    def __str__(self) -> str:
        scope = self.item_code or "全部事项"
        return f"{self.staff} {self.get_action_display()} {self.department}/{scope}"


class Post(models.Model):
    """A window post with its holder (A岗) and backup (B岗).

    The backup may act for the holder on the days the holder is absent.
    """

    window = models.ForeignKey(Window, verbose_name="窗口", on_delete=models.CASCADE, related_name="posts")
    name = models.CharField("岗位名称", max_length=50)
    holder = models.ForeignKey(User, verbose_name="A岗", on_delete=models.PROTECT, related_name="held_posts")
    backup = models.ForeignKey(User, verbose_name="B岗", on_delete=models.PROTECT, related_name="backup_posts")

    class Meta:
        verbose_name = "A/B岗"
        verbose_name_plural = "A/B岗"
        constraints = [
            models.CheckConstraint(
                condition=~Q(holder=models.F("backup")),
                name="post_backup_differs",
                violation_error_message="B岗不能与A岗为同一人。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.name}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("在岗")
    LEAVE = "leave", _("请假")
    TRIP = "trip", _("公出")
    ABSENT = "absent", _("缺勤")


# Statuses in which a post's backup takes over (A/B岗).
AWAY_STATUSES = frozenset({AttendanceStatus.LEAVE, AttendanceStatus.TRIP, AttendanceStatus.ABSENT})


class Attendance(models.Model):
    """Attendance of one staff member on one day (考勤)."""

    staff = models.ForeignKey(User, verbose_name="工作人员", on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField("日期")
    status = models.CharField("状态", max_length=16, choices=AttendanceStatus.choices)
    check_in = models.DateTimeField("签到时间", null=True, blank=True)
    check_out = models.DateTimeField("签退时间", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["-date", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date"], name="attendance_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.get_status_display()}"
