"""Admin for the catalog's reference data: themes and life events. Items are
edited in the workbench (versions, completeness, publishing)."""

from django.contrib import admin, messages

from govhall.catalog.models import Theme, ThemeItem
from govhall.catalog.services import theme_create
from govhall.core.errors import DomainError


class ThemeItemInline(admin.TabularInline):
    model = ThemeItem
    extra = 0
    raw_id_fields = ["item"]
    fields = ["item", "stage", "order"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "order"]
    list_filter = ["kind"]
    inlines = [ThemeItemInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            created = theme_create(actor=request.user, code=obj.code, name=obj.name, kind=obj.kind,
                                   description=obj.description, order=obj.order)
        except DomainError as error:
            messages.error(request, error.message)
            raise
        obj.pk = created.pk
