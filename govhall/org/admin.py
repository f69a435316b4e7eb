"""Django admin for the organization (system administrators only).

Every write goes through ``org.services``, with its checks and one audit
event (core/admin_services.py runs the service while the form is
validated: a refusal is a form error or a message naming the field, never
a 500, and nothing is written):

- centers, departments, windows: created by ``center_create`` /
  ``department_create`` / ``window_create``, their descriptive fields
  changed by ``org_record_update``; never deleted (cases point to them);
- logins: created by ``user_create``, changed by ``user_update`` (name,
  role, center, department, window, phone, identity number, active flag),
  deactivated and activated in bulk by ``user_deactivate`` /
  ``user_activate``, passwords reset by ``user_set_password``; never
  deleted;
- authorizations: granted by ``authorization_grant``, removed by
  ``authorization_revoke``; A/B posts created by ``post_create``; neither
  is edited in place (revoke and grant anew);
- API tokens: issued and revoked by ``token_issue`` / ``token_revoke``.

Read-only here: attendance (recorded in the workbench), groups (govhall's
permissions are roles and the policy tables; a group grants nothing the
services ask about) and django-axes' login attempts and logs (a locked-out
name is released by ``manage.py axes_reset_username`` or when the cool-off
ends).
"""

from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from govhall.core.admin_services import ServiceAdminMixin
from govhall.core.errors import DomainError
from govhall.org import services
from govhall.org.models import Attendance, Authorization, Center, Department, Post, User, Window


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Created by its ``*_create`` service; afterwards the fields
    ``org_record_update`` allows are edited and the rest (``fixed``) shown.
    Deleting is not offered: cases and people point to these records."""

    fixed: list[str] = []
    # Shown on an existing record, not asked for on a new one.
    shown_only: list[str] = []

    def get_readonly_fields(self, request, obj=None):
        return self.fixed if obj else []

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [field for field in fields if field not in self.shown_only]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, data, change):
        if change:
            return services.org_record_update(actor=request.user, record=obj, changes=data)
        return self.create(actor=request.user, obj=obj)


@admin.register(Center)
class CenterAdmin(RecordAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    fields = ["code", "name", "level", "parent", "path", "address", "phone", "office_hours"]
    fixed = ["code", "level", "parent", "path"]
    shown_only = ["path"]

    def create(self, *, actor, obj):
        return services.center_create(actor=actor, code=obj.code, name=obj.name, level=obj.level, parent=obj.parent,
                                      address=obj.address, phone=obj.phone, office_hours=obj.office_hours)


@admin.register(Department)
class DepartmentAdmin(RecordAdmin):
    list_display = ["short_name", "name", "code", "center", "phone"]
    list_filter = ["center"]
    search_fields = ["name", "short_name", "code"]
    fields = ["code", "center", "name", "short_name", "credit_code", "phone", "complaint_phone", "source"]
    fixed = ["code", "center"]

    def create(self, *, actor, obj):
        return services.department_create(
            actor=actor, center=obj.center, code=obj.code, name=obj.name, short_name=obj.short_name,
            credit_code=obj.credit_code, phone=obj.phone, complaint_phone=obj.complaint_phone, source=obj.source,
        )


@admin.register(Window)
class WindowAdmin(RecordAdmin):
    list_display = ["number", "name", "kind", "department", "center", "active"]
    list_filter = ["center", "kind", "active"]
    fields = ["center", "number", "kind", "department", "name", "active"]
    fixed = ["center", "number", "kind", "department"]
    shown_only = ["active"]  # a window opens active; closing it is a change of its own

    def create(self, *, actor, obj):
        return services.window_create(actor=actor, center=obj.center, number=obj.number, name=obj.name,
                                      kind=obj.kind, department=obj.department)


# The administrator resetting a password, for the form (the admin's
# password view builds the form without the request).
_resetting_by: ContextVar = ContextVar("password_reset_by")


class PasswordResetForm(AdminPasswordChangeForm):
    """Django's reset form, saving through ``user_set_password`` (validated,
    audited); a refusal shows on the password field."""

    def clean(self):
        data = super().clean()
        if not data.get("set_usable_password", True):
            # Django offers to switch password sign-in off; without a
            # service for it that would be a silent "changed" with nothing
            # done. A login that must not sign in is deactivated instead.
            self.add_error("usable_password", _("govhall 的账号都以密码登录；不再使用的账号请停用。"))
            return data
        password = data.get("password1")
        if password and not self.errors:
            try:
                self.user = services.user_set_password(actor=_resetting_by.get(), user=self.user, password=password)
            except DomainError as error:
                self.add_error("password1", error.message)
        return data

    def save(self, commit=True):
        return self.user  # saved by the service in clean()


class UserAddForm(UserCreationForm):
    """The admin's new-login form; ``user_create`` saves it."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "role", "full_name", "center", "department", "window", "phone", "id_number"]


@admin.register(User)
class UserAdmin(ServiceAdminMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "center", "department", "window", "is_active"]
    list_filter = ["role", "center", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份", {"fields": ["full_name", "role", "center", "department", "window", "phone", "id_number"]}),
        ("状态", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        ("身份", {"fields": ["role", "full_name", "center", "department", "window", "phone", "id_number"]}),
    ]
    add_form = UserAddForm
    readonly_fields = ["username", "last_login", "date_joined"]
    change_password_form = PasswordResetForm
    actions = ["deactivate_selected", "activate_selected"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # deactivated, not deleted: cases and audit events point to logins

    def save_through_service(self, request, obj, data, change):
        if change:
            return services.user_update(actor=request.user, user=obj, changes=data)
        return services.user_create(
            actor=request.user, username=obj.username, password=data["password1"], role=obj.role,
            full_name=obj.full_name, center=obj.center, department=obj.department, window=obj.window,
            phone=obj.phone, id_number=obj.id_number,
        )

    def user_change_password(self, request, id, form_url=""):
        token = _resetting_by.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _resetting_by.reset(token)

    @admin.action(description=gettext_lazy("停用所选账号"))
    def deactivate_selected(self, request, queryset):
        count = self._switch(request, queryset, services.user_deactivate, was_active=True)
        self.message_user(request, _("已停用 %(count)d 个账号。") % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("启用所选账号"))
    def activate_selected(self, request, queryset):
        count = self._switch(request, queryset, services.user_activate, was_active=False)
        self.message_user(request, _("已启用 %(count)d 个账号。") % {"count": count}, messages.SUCCESS)

    @staticmethod
    def _switch(request, queryset, service, *, was_active: bool) -> int:
        users = list(queryset.filter(is_active=was_active).select_related("center", "department"))
        for user in users:
            service(actor=request.user, user=user)
        return len(users)


class GrantAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Records that are created by a service and never edited: the add form
    asks for ``asked``, an existing record shows every field read-only."""

    asked: list[str] = []

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if obj else self.asked

    def has_change_permission(self, request, obj=None):
        return False  # revoked and granted anew, not edited


@admin.register(Authorization)
class AuthorizationAdmin(GrantAdmin):
    list_display = ["staff", "department", "item_code", "action", "granted_at"]
    list_filter = ["action", "department"]
    fields = ["staff", "department", "item_code", "action", "granted_by", "granted_at"]
    asked = ["staff", "department", "item_code", "action"]

    def save_through_service(self, request, obj, data, change):
        return services.authorization_grant(actor=request.user, staff=obj.staff, department=obj.department,
                                            action=obj.action, item_code=obj.item_code)

    def delete_model(self, request, obj):
        services.authorization_revoke(actor=request.user, authorization=obj)

    def delete_queryset(self, request, queryset):
        for authorization in queryset.select_related("staff__center"):
            services.authorization_revoke(actor=request.user, authorization=authorization)


@admin.register(Post)
class PostAdmin(GrantAdmin):
    list_display = ["window", "name", "holder", "backup"]
    fields = ["window", "name", "holder", "backup"]
    asked = fields

    def has_delete_permission(self, request, obj=None):
        return False  # no service removes a post

    def save_through_service(self, request, obj, data, change):
        return services.post_create(actor=request.user, window=obj.window, name=obj.name, holder=obj.holder,
                                    backup=obj.backup)


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["date", "staff", "status", "check_in", "check_out"]
    list_filter = ["status", "date"]


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(ServiceAdminMixin, BaseTokenAdmin):
    """DRF's token page, issuing and revoking through the services."""

    def has_change_permission(self, request, obj=None):
        return False  # revoked and issued anew, not edited

    def save_through_service(self, request, obj, data, change):
        token = services.token_issue(actor=request.user, user=obj.user)
        return TokenProxy.objects.get(key=token.key)  # the admin's links use the proxy's key (the user)

    def delete_model(self, request, obj):
        services.token_revoke(actor=request.user, user=obj.user)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnlyMixin, BaseGroupAdmin):
    pass


def _axes_read_only() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, base in ((AccessAttempt, axes_admin.AccessAttemptAdmin), (AccessLog, axes_admin.AccessLogAdmin),
                        (AccessFailureLog, axes_admin.AccessFailureLogAdmin)):
        if admin.site.is_registered(model):  # AXES_ENABLE_ADMIN
            admin.site.unregister(model)
            admin.site.register(model, type(base.__name__, (ReadOnlyMixin, base), {"actions": None}))


_axes_read_only()
