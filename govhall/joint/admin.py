"""The admin reads joint approval: themes with their stages and items, and
joint cases with their stages and sub-cases. Nothing is changed here: themes
are configured and joint cases move only through govhall.joint.services."""

from django.contrib import admin

from govhall.joint.models import JointCase, JointStage, Stage, StageItem, SubCase, Theme


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StageInline(ReadOnly, admin.TabularInline):
    model = Stage
    fields = ["order", "name", "lead_department", "stage_days"]
    extra = 0


class StageItemInline(ReadOnly, admin.TabularInline):
    model = StageItem
    fields = ["stage", "item", "order"]
    extra = 0


@admin.register(Theme)
class ThemeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "version", "name", "center", "status", "whole_days", "published_at"]
    list_filter = ["status", "center"]
    search_fields = ["code", "name"]
    inlines = [StageInline, StageItemInline]


class JointStageInline(ReadOnly, admin.TabularInline):
    model = JointStage
    fields = ["stage", "state", "started_on", "ended_on", "due_date", "light"]
    extra = 0


class SubCaseInline(ReadOnly, admin.TabularInline):
    model = SubCase
    fields = ["joint_stage", "stage_item", "case", "replaced"]
    extra = 0


@admin.register(JointCase)
class JointCaseAdmin(ReadOnly, admin.ModelAdmin):
    # The applicant's identity number and phone are masked (DESIGN 5).
    list_display = ["number", "theme", "center", "applicant_name", "masked_id_number", "state", "due_date", "light"]
    list_filter = ["state", "light", "center"]
    search_fields = ["number", "applicant_name"]
    exclude = ["applicant_id_number", "applicant_phone"]
    readonly_fields = ["masked_id_number", "masked_phone"]
    inlines = [JointStageInline, SubCaseInline]
