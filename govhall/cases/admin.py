"""Admin for the cases' reference data: the grounds of special procedure a
center adds to art. 45, each with its legal basis — registered and withdrawn
through the services (checked, audited). Cases themselves change only
through their transitions, in the workbench and the API."""

from django.contrib import admin, messages

from govhall.cases.models import LocalSuspensionGround
from govhall.cases.services import suspension_ground_add, suspension_ground_remove
from govhall.core.admin_services import ServiceAdminMixin
from govhall.core.errors import DomainError


@admin.register(LocalSuspensionGround)
class LocalSuspensionGroundAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "center", "legal_basis", "created_at"]
    list_filter = ["center"]
    fields = ["center", "code", "name", "legal_basis"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # a registered ground is withdrawn and registered anew, not edited

    def save_through_service(self, request, obj, data, change):
        return suspension_ground_add(actor=request.user, center=obj.center, code=obj.code, name=obj.name,
                                     legal_basis=obj.legal_basis)

    def delete_model(self, request, obj):
        suspension_ground_remove(actor=request.user, ground=obj)

    def delete_queryset(self, request, queryset):
        for ground in queryset.select_related("center"):
            suspension_ground_remove(actor=request.user, ground=ground)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            messages.error(request, error.message)
            from django.shortcuts import redirect

            return redirect("admin:cases_localsuspensionground_changelist")
