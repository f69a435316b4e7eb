"""Every page of the Django admin writes through a service or writes nothing
(DESIGN 2: admin actions call services): the rule checked over the whole
admin site, and the admins of other apps this rule made change."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.test import RequestFactory
from django.urls import reverse

from govhall.calendars.models import CalendarYear
from govhall.calendars.services import calendar_year_enter
from govhall.core.admin_services import RefusalsAsMessagesMixin, ServiceAdminMixin
from govhall.core.models import AuditEvent, Installation


def _registered():
    return sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


@pytest.mark.parametrize("model_admin", [a for _m, a in _registered()], ids=[m._meta.label for m, _a in _registered()])
def test_no_admin_page_writes_past_a_service(model_admin, hall):
    request = RequestFactory().get("/admin/")
    request.user = hall.admin  # a superuser: every permission the admin class does not take away
    if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
        assert isinstance(model_admin, ServiceAdminMixin), "its forms would save the model themselves"
    if model_admin.has_delete_permission(request):
        assert isinstance(model_admin, RefusalsAsMessagesMixin)
        assert type(model_admin).delete_model is not ModelAdmin.delete_model, "deletes without a service"
        if model_admin.actions is not None:
            assert type(model_admin).delete_queryset is not ModelAdmin.delete_queryset, "bulk-deletes without a service"
    own_actions = set(model_admin.get_actions(request)) - {"delete_selected"}
    if own_actions:
        assert isinstance(model_admin, RefusalsAsMessagesMixin), f"{own_actions}: a refusal would be a 500"


def test_what_became_read_only(client, hall):
    from django.contrib.auth.models import Group

    client.force_login(hall.admin)
    installation = Installation.objects.create(demo=True)
    # Deleting the row would print the sample hall's notices as real ones.
    assert client.post(reverse("admin:core_installation_delete", args=[installation.pk]), {"post": "yes"}).status_code == 403
    # Groups grant nothing in govhall (roles do).
    assert client.post(reverse("admin:auth_group_add"), {"name": "x"}).status_code == 403
    assert Installation.objects.get().demo and not Group.objects.exists()


SCHEDULE = {"source": "示例通知", "workdays": {}}


def test_a_calendar_year_is_removed_through_the_service(client, hall):
    calendar_year_enter(actor=hall.admin, year=2027, holidays={date(2027, 1, 1): "元旦"}, **SCHEDULE)
    calendar_year_enter(actor=hall.admin, year=2028, holidays={date(2028, 1, 1): "元旦"}, **SCHEDULE)
    client.force_login(hall.admin)
    # 2027 cannot go while 2028 stays (a gap in the calendar): a message, nothing removed.
    first = CalendarYear.objects.get(year=2027)
    answer = client.post(reverse("admin:calendars_calendaryear_delete", args=[first.pk]), {"post": "yes"}, follow=True)
    assert answer.status_code == 200
    assert '<li class="error">年份：' in answer.content.decode()  # naming the field
    assert CalendarYear.objects.count() == 2 and not AuditEvent.objects.filter(action="calendar_year_remove").exists()
    last = CalendarYear.objects.get(year=2028)
    answer = client.post(reverse("admin:calendars_calendaryear_delete", args=[last.pk]), {"post": "yes"})
    assert answer.status_code == 302 and not CalendarYear.objects.filter(year=2028).exists()
    assert AuditEvent.objects.get(action="calendar_year_remove").data == {"year": 2028}


def test_every_admin_page_opens(client, hall):
    from django.contrib.admin.utils import quote
    from rest_framework.authtoken.models import Token

    from govhall.org import services as org

    Token.objects.create(user=hall.head)
    org.post_create(actor=hall.admin, window=hall.comprehensive, name="综合受理", holder=hall.clerk, backup=hall.clerk_b)
    client.force_login(hall.admin)
    for model, model_admin in _registered():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, opts.label
        assert client.get(reverse(f"{name}_add")).status_code in {200, 403}, opts.label
        first = model._default_manager.first()
        if first is not None:
            assert client.get(reverse(f"{name}_change", args=[quote(first.pk)])).status_code == 200, opts.label
