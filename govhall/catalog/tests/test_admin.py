"""Themes in the Django admin: created and changed through the services,
each with its audit event; a refusal is a form error, never a 500."""

from django.urls import reverse

from govhall.catalog import admin as catalog_admin
from govhall.catalog.models import Theme
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent

ADD = "admin:catalog_theme_add"
NEW = {"code": "T-START", "name": "开办企业一件事", "kind": "theme", "description": "", "order": "1",
       "themeitem_set-TOTAL_FORMS": "0", "themeitem_set-INITIAL_FORMS": "0"}


def test_a_theme_is_created_and_changed_through_the_services(client, hall):
    client.force_login(hall.admin)
    assert client.post(reverse(ADD), NEW).status_code == 302
    theme = Theme.objects.get(code="T-START")
    assert AuditEvent.objects.filter(action="theme_create", target_id=str(theme.pk)).count() == 1
    url = reverse("admin:catalog_theme_change", args=[theme.pk])
    assert client.post(url, {**NEW, "name": "企业开办一件事"}).status_code == 302
    assert Theme.objects.get(pk=theme.pk).name == "企业开办一件事"
    change = AuditEvent.objects.get(action="theme_update")
    assert change.data["name"] == {"old": "开办企业一件事", "new": "企业开办一件事"}


def test_a_refusal_is_a_form_error_and_writes_nothing(client, hall, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("主题编码已存在。", field="code")

    monkeypatch.setattr(catalog_admin, "theme_create", refuse)
    client.force_login(hall.admin)
    answer = client.post(reverse(ADD), NEW)
    assert answer.status_code == 200 and "主题编码已存在" in answer.content.decode()
    assert not Theme.objects.exists() and not AuditEvent.objects.filter(action__startswith="theme").exists()


def test_a_duplicate_code_is_a_form_error_and_writes_nothing(client, hall):
    client.force_login(hall.admin)
    assert client.post(reverse(ADD), NEW).status_code == 302
    answer = client.post(reverse(ADD), {**NEW, "name": "另一个主题"})
    assert answer.status_code == 200 and "编码" in answer.content.decode()
    assert Theme.objects.count() == 1 and AuditEvent.objects.filter(action="theme_create").count() == 1


def test_a_refusal_about_a_field_the_form_does_not_show_names_it(client, hall, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("该字段不能修改。", field="code")  # code is read-only on the change form

    client.force_login(hall.admin)
    assert client.post(reverse(ADD), NEW).status_code == 302
    monkeypatch.setattr(catalog_admin, "theme_update", refuse)
    theme = Theme.objects.get()
    answer = client.post(reverse("admin:catalog_theme_change", args=[theme.pk]), {**NEW, "name": "改名"})
    assert answer.status_code == 200
    assert "编码：该字段不能修改。" in answer.content.decode()
    assert Theme.objects.get().name == NEW["name"] and not AuditEvent.objects.filter(action="theme_update").exists()
