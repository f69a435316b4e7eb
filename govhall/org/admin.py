"""Django admin for organization reference data (system administrators).

Creation goes through the services so that paths, checks and audit events
stay right; the admin edits descriptive fields only.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from govhall.org.models import Attendance, Authorization, Center, Department, Post, User, Window


class ReadOnlyCreateMixin:
    def has_add_permission(self, request):
        return False


@admin.register(Center)
class CenterAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "level", "parent", "path"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["short_name", "name", "code", "center", "phone"]
    list_filter = ["center"]
    search_fields = ["name", "short_name", "code"]
    readonly_fields = ["code", "center"]


@admin.register(Window)
class WindowAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["number", "name", "kind", "department", "center", "active"]
    list_filter = ["center", "kind", "active"]
    readonly_fields = ["center", "number", "kind", "department"]


@admin.register(User)
class UserAdmin(ReadOnlyCreateMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "center", "department", "window", "is_active"]
    list_filter = ["role", "center", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份", {"fields": ["full_name", "role", "center", "department", "window", "phone", "id_number"]}),
        ("状态", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["role", "last_login", "date_joined"]


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["staff", "department", "item_code", "action", "granted_at"]
    list_filter = ["action", "department"]
    readonly_fields = ["staff", "department", "item_code", "action", "granted_by", "granted_at"]


@admin.register(Post)
class PostAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["window", "name", "holder", "backup"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyCreateMixin, admin.ModelAdmin):
    list_display = ["date", "staff", "status", "check_in", "check_out"]
    list_filter = ["status", "date"]
    readonly_fields = ["staff", "date", "status", "check_in", "check_out", "note", "recorded_by"]
