"""Admin for the catalog's reference data: themes and life events, created
and changed through ``theme_create`` / ``theme_update`` (checked, audited;
a refusal is a form error). Items are edited in the workbench (versions,
completeness, publishing), where they are also assigned to themes: the
admin lists a theme's items without changing them."""

from django.contrib import admin

from govhall.catalog.models import Theme, ThemeItem
from govhall.catalog.services import theme_create, theme_update
from govhall.core.admin_services import ServiceAdminMixin


class ThemeItemInline(admin.TabularInline):
    model = ThemeItem
    extra = 0
    fields = ["item", "stage", "order"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "order"]
    list_filter = ["kind"]
    inlines = [ThemeItemInline]
    fields = ["code", "name", "kind", "description", "order"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # themes are referenced by items and the portal's pages

    def save_through_service(self, request, obj, data, change):
        if change:
            return theme_update(actor=request.user, theme=obj, changes=data)
        return theme_create(actor=request.user, code=obj.code, name=obj.name, kind=obj.kind,
                            description=obj.description, order=obj.order)
