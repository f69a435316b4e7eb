"""Agency service (代办/帮办, DESIGN 3.8): an agent of the center acts for an
applicant who signed an authorization; what the agent does is recorded as
the agent's, on the applicant's behalf."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govhall.cases.models import ApplicantKind
from govhall.catalog.models import Item
from govhall.core.masking import mask_id_number, mask_phone


class AgencyAuthorization(models.Model):
    """One signed authorization (代办授权书): ``agent`` may act for the
    applicant on the items in scope (every item, or the chosen ones) from
    ``valid_from`` to ``expires_on`` inclusive, until revoked."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代办员"), on_delete=models.PROTECT,
                              related_name="agencies")
    center = models.ForeignKey("org.Center", verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = models.CharField(_("证件号码"), max_length=32, db_index=True)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    applicant_account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人账户"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="agencies_granted")
    all_items = models.BooleanField(_("全部事项"), default=False)
    items = models.ManyToManyField(Item, verbose_name=_("代办事项"), blank=True, related_name="+")
    valid_from = models.DateField(_("生效日期"))
    expires_on = models.DateField(_("截止日期"))
    document = models.FileField(_("签字授权书"), upload_to="agency/%Y/%m/")
    document_sha256 = models.CharField(_("授权书摘要"), max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("代办授权")
        verbose_name_plural = _("代办授权")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("valid_from")),
                                   name="agency_expires_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.applicant_name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)

    def valid_on(self, day) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.expires_on
