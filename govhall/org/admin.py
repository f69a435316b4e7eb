"""Django admin for organization reference data (system administrators).

Every write goes through the services of ``org.services`` — with their
checks and one audit event each (core/admin_services.py): the descriptive
fields of centers, departments, windows and logins (``org_record_update``),
a password reset (``user_set_password``), the removal of an authorization
(``authorization_revoke``). Creation happens in the workbench and the
commands (services again); A/B posts, authorizations and attendance are
read-only here.
"""

from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from govhall.core.admin_services import ServiceAdminMixin
from govhall.core.errors import DomainError
from govhall.org import services
from govhall.org.models import Attendance, Authorization, Center, Department, Post, User, Window


class NoAddMixin:
    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NoAddMixin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ServiceAdminMixin, NoAddMixin, admin.ModelAdmin):
    """Edits the fields ``org_record_update`` allows; deleting is not offered
    (records referenced by cases and people are deactivated, not deleted)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, data, change):
        return services.org_record_update(actor=request.user, record=obj, changes=data)


@admin.register(Center)
class CenterAdmin(RecordAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    fields = ["code", "name", "level", "parent", "path", "address", "phone", "office_hours"]
    readonly_fields = ["code", "level", "parent", "path"]


@admin.register(Department)
class DepartmentAdmin(RecordAdmin):
    list_display = ["short_name", "name", "code", "center", "phone"]
    list_filter = ["center"]
    search_fields = ["name", "short_name", "code"]
    fields = ["code", "center", "name", "short_name", "credit_code", "phone", "complaint_phone", "source"]
    readonly_fields = ["code", "center"]


@admin.register(Window)
class WindowAdmin(RecordAdmin):
    list_display = ["number", "name", "kind", "department", "center", "active"]
    list_filter = ["center", "kind", "active"]
    fields = ["center", "number", "kind", "department", "name", "active"]
    readonly_fields = ["center", "number", "kind", "department"]


# The administrator resetting a password, for the form's save (the admin's
# password view builds the form without the request).
_resetting_by: ContextVar = ContextVar("password_reset_by")


class PasswordResetForm(AdminPasswordChangeForm):
    """Django's reset form, saving through ``user_set_password`` (validated,
    audited); a refusal shows on the password field."""

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and not self.errors:
            try:
                self.user = services.user_set_password(actor=_resetting_by.get(), user=self.user, password=password)
            except DomainError as error:
                self.add_error("password1", error.message)
        return data

    def save(self, commit=True):
        return self.user  # saved by the service in clean()


@admin.register(User)
class UserAdmin(RecordAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "center", "department", "window", "is_active"]
    list_filter = ["role", "center", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份", {"fields": ["full_name", "role", "center", "department", "window", "phone", "id_number"]}),
        ("状态", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["username", "role", "last_login", "date_joined"]
    change_password_form = PasswordResetForm

    def user_change_password(self, request, id, form_url=""):
        token = _resetting_by.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _resetting_by.reset(token)


@admin.register(Authorization)
class AuthorizationAdmin(NoAddMixin, admin.ModelAdmin):
    """Grants are given in the workbench; here they are read and revoked."""

    list_display = ["staff", "department", "item_code", "action", "granted_at"]
    list_filter = ["action", "department"]
    readonly_fields = ["staff", "department", "item_code", "action", "granted_by", "granted_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.authorization_revoke(actor=request.user, authorization=obj)

    def delete_queryset(self, request, queryset):
        for authorization in queryset.select_related("staff__center"):
            services.authorization_revoke(actor=request.user, authorization=authorization)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            messages.error(request, error.message)
            from django.shortcuts import redirect

            return redirect("admin:org_authorization_changelist")


@admin.register(Post)
class PostAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["window", "name", "holder", "backup"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["date", "staff", "status", "check_in", "check_out"]
    list_filter = ["status", "date"]
