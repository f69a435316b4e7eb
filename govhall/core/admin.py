from django.contrib import admin

from govhall.core.models import AuditEvent, Installation


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target_type", "target_id", "actor", "actor_role"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "action"]

    # The audit log is append-only: the admin may read it, never change it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin):
    list_display = ["demo", "demo_loaded_at"]

    # Written by the demo loader only, and read-only here: deleting the row
    # would make the sample hall's notices print as real ones.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
