"""Admin pages for the calendar. An official year is entered by importing
its schedule (the same JSON as ``govhall calendar import``) through
``calendar_year_enter`` and removed through ``calendar_year_remove``, so
that it is validated, audited and picked up by every process; the days are
shown read-only."""

import json

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from govhall.calendars.models import CalendarDay, CalendarYear, LocalDay
from govhall.calendars.services import (
    calendar_year_enter,
    calendar_year_parse,
    calendar_year_remove,
    local_day_remove,
    local_day_set,
)
from govhall.core.admin_services import RefusalsAsMessagesMixin, ServiceAdminMixin
from govhall.core.errors import DomainError


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["date", "kind", "name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="放假安排文件（JSON）", help_text="格式见 docs/calendar.md；可先用 govhall calendar template 年份 生成草稿。")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 256 * 1024:
            raise forms.ValidationError("文件过大（上限 256 KB）。")
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise forms.ValidationError(f"不是有效的 UTF-8 JSON 文件：{error}") from None
        try:
            return calendar_year_parse(data)
        except DomainError as error:
            raise forms.ValidationError(f"{error.field}: {error.message}") from None


@admin.register(CalendarYear)
class CalendarYearAdmin(RefusalsAsMessagesMixin, admin.ModelAdmin):
    list_display = ["year", "source", "entered_by", "entered_at"]
    readonly_fields = ["year", "source", "entered_by", "entered_at"]
    inlines = [CalendarDayInline]
    change_list_template = "admin/calendars/calendaryear/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        calendar_year_remove(actor=request.user, year=obj.year)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            calendar_year_remove(actor=request.user, year=entry.year)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="calendars_calendaryear_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            parsed = form.cleaned_data["file"]
            try:
                calendar_year_enter(actor=request.user, **parsed)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                messages.success(request, f"{parsed['year']} 年官方放假安排已录入，临时日历不再使用。")
                return redirect(reverse("admin:calendars_calendaryear_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": "导入官方年度放假安排",
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/calendars/calendaryear/import.html", context)


@admin.register(LocalDay)
class LocalDayAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Local days through ``local_day_set`` (checked, audited, deadlines
    recomputed); a refusal is a form error."""

    list_display = ["date", "name", "is_workday", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return ["date"] if obj else []  # another day is another record

    def save_through_service(self, request, obj, data, change):
        values = {"day": obj.date, "is_workday": obj.is_workday, "name": obj.name, "reason": obj.reason}
        values.update({{"date": "day"}.get(field, field): value for field, value in data.items()})
        return local_day_set(actor=request.user, **values)

    def delete_model(self, request, obj):
        local_day_remove(actor=request.user, day=obj.date)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            local_day_remove(actor=request.user, day=obj.date)
