"""The Django admin writes through the services: each change is checked as
the service checks it and leaves one audit event; a refusal is a form error
naming the field, and writes nothing."""

import pytest
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.core.models import AuditEvent
from govhall.org import services as org
from govhall.org.models import Action, Authorization, User


def _form(client, url):
    """The admin form's current values, as the browser would post them."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        if value is None or (field.disabled if hasattr(field, "disabled") else False):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


@pytest.fixture
def admin_client(client, hall):
    client.force_login(hall.admin)
    return client


def test_moving_a_clerk_to_another_window_is_audited(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.clerk.pk])
    data = _form(admin_client, url)
    data.update(window=hall.window_b.pk, phone="13800000009")
    answer = admin_client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    clerk = User.objects.get(pk=hall.clerk.pk)
    assert clerk.window == hall.window_b
    event = AuditEvent.objects.get(action="user_update")
    assert event.actor_id == hall.admin.pk and event.target_id == str(clerk.pk)
    assert event.data["window"]["new"] == str(hall.window_b)
    assert event.data["phone"] == {"old": "138****0001", "new": "138****0009"}  # masked in the log too


def test_deactivating_a_login_is_audited(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.reviewer.pk])
    data = _form(admin_client, url)
    data.pop("is_active", None)
    assert admin_client.post(url, data).status_code == 302
    assert not User.objects.get(pk=hall.reviewer.pk).is_active
    assert AuditEvent.objects.get(action="user_update").data["is_active"] == {"old": True, "new": False}


def test_a_refused_change_is_a_form_error_and_writes_nothing(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.reviewer.pk])
    data = _form(admin_client, url)
    data["department"] = ""  # a reviewer must belong to a department
    answer = admin_client.post(url, data)
    assert answer.status_code == 200
    assert "部门岗位人员必须指定所属部门" in answer.content.decode()
    assert User.objects.get(pk=hall.reviewer.pk).department == hall.dept_a
    assert not AuditEvent.objects.filter(action="user_update").exists()


def test_a_password_reset_goes_through_the_service(admin_client, hall):
    url = reverse("admin:auth_user_password_change", args=[hall.clerk.pk])  # Django's name, for any user model
    weak = admin_client.post(url, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and not AuditEvent.objects.filter(action="user_set_password").exists()
    answer = admin_client.post(url, {"password1": "Hall-reset-2026!", "password2": "Hall-reset-2026!"})
    assert answer.status_code == 302
    assert User.objects.get(pk=hall.clerk.pk).check_password("Hall-reset-2026!")
    event = AuditEvent.objects.get(action="user_set_password")
    assert "Hall-reset" not in str(event.data)


def test_removing_an_authorization_revokes_it_with_its_audit_row(admin_client, hall):
    grant = Authorization.objects.get(staff=hall.clerk, action=Action.ACCEPT)
    url = reverse("admin:org_authorization_delete", args=[grant.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Authorization.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.get(action="authorization_revoke").data["staff"] == "clerk"
    # The bulk action too.
    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    grant = Authorization.objects.get(staff=hall.reviewer)
    answer = admin_client.post(reverse("admin:org_authorization_changelist"),
                               {"action": "delete_selected", "_selected_action": [grant.pk], "post": "yes"})
    assert answer.status_code == 302 and not Authorization.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action="authorization_revoke").count() == 2


def test_what_the_admin_does_not_change(admin_client, hall):
    grant = Authorization.objects.get(staff=hall.clerk, action=Action.ACCEPT)
    assert admin_client.post(reverse("admin:org_authorization_change", args=[grant.pk]), {}).status_code == 403
    assert admin_client.get(reverse("admin:org_user_add")).status_code == 403
    assert admin_client.get(reverse("admin:org_center_delete", args=[hall.town.pk])).status_code == 403


def test_a_center_description_is_changed_through_the_service(admin_client, hall):
    url = reverse("admin:org_center_change", args=[hall.district.pk])
    data = _form(admin_client, url)
    data["office_hours"] = "工作日 9:00–17:00"
    assert admin_client.post(url, data).status_code == 302
    assert AuditEvent.objects.get(action="center_update").data["office_hours"]["new"] == "工作日 9:00–17:00"


def test_the_service_refuses_fields_fixed_at_creation(hall):
    from govhall.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        org.org_record_update(actor=SYSTEM, record=hall.district, changes={"code": "X"})
    assert refused.value.field == "code"
