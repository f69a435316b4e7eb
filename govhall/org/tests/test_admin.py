"""The Django admin writes through the services: each change is checked as
the service checks it and leaves one audit event; a refusal is a form error
naming the field, and writes nothing."""

import pytest
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.org import services as org
from govhall.org.models import Action, Authorization, Center, Department, Post, User


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


def _written(hall):
    """The audit events the administrator's requests wrote (the hall itself
    was built by the system)."""
    return AuditEvent.objects.filter(actor=hall.admin)


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
    assert admin_client.get(reverse("admin:org_center_delete", args=[hall.town.pk])).status_code == 403
    assert admin_client.get(reverse("admin:org_user_delete", args=[hall.clerk.pk])).status_code == 403


def test_a_center_description_is_changed_through_the_service(admin_client, hall):
    url = reverse("admin:org_center_change", args=[hall.district.pk])
    data = _form(admin_client, url)
    data["office_hours"] = "工作日 9:00–17:00"
    assert admin_client.post(url, data).status_code == 302
    assert AuditEvent.objects.get(action="center_update").data["office_hours"]["new"] == "工作日 9:00–17:00"


def test_the_service_refuses_fields_fixed_at_creation(hall):
    with pytest.raises(DomainError) as refused:
        org.org_record_update(actor=SYSTEM, record=hall.district, changes={"code": "X"})
    assert refused.value.field == "code"


# --- logins -------------------------------------------------------------------

NEW_LOGIN = {"username": "reviewer2", "password1": "Hall-new-2026!", "password2": "Hall-new-2026!",
             "role": "reviewer", "full_name": "李四", "center": "", "department": "", "window": "",
             "phone": "13700000002", "id_number": ""}


def test_a_login_is_added_through_user_create(admin_client, hall):
    answer = admin_client.post(reverse("admin:org_user_add"), {**NEW_LOGIN, "department": hall.dept_a.pk})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    user = User.objects.get(username="reviewer2")
    # As user_create places it: the department's center, no admin access.
    assert (user.department, user.center, user.is_staff) == (hall.dept_a, hall.district, False)
    assert user.check_password("Hall-new-2026!")
    event = _written(hall).get()
    assert event.action == "user_create" and event.data == {"username": "reviewer2", "role": "reviewer"}


def test_a_login_the_service_refuses_is_not_added(admin_client, hall):
    answer = admin_client.post(reverse("admin:org_user_add"), NEW_LOGIN)  # a reviewer without a department
    assert answer.status_code == 200
    assert "部门岗位人员必须指定所属部门" in answer.content.decode()
    assert not User.objects.filter(username="reviewer2").exists() and not _written(hall).exists()


def test_a_role_change_is_audited_and_admin_access_follows_it(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.manager.pk])
    data = _form(admin_client, url)
    data["role"] = "sysadmin"
    assert admin_client.post(url, data).status_code == 302
    manager = User.objects.get(pk=hall.manager.pk)
    assert manager.role == "sysadmin" and manager.is_staff and manager.is_superuser
    event = _written(hall).get()
    assert (event.action, event.data) == ("user_update", {"role": {"old": "manager", "new": "sysadmin"}})
    data["role"] = "hotline"
    assert admin_client.post(url, data).status_code == 302
    manager = User.objects.get(pk=hall.manager.pk)
    assert not manager.is_staff and not manager.is_superuser


def test_a_role_that_needs_a_department_is_refused_without_one(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.clerk.pk])  # a comprehensive-window clerk: no department
    data = _form(admin_client, url)
    data["role"] = "reviewer"
    answer = admin_client.post(url, data)
    assert answer.status_code == 200
    assert "部门岗位人员必须指定所属部门" in answer.content.decode()
    assert User.objects.get(pk=hall.clerk.pk).role == "clerk" and not _written(hall).exists()


def test_logins_are_deactivated_and_activated_in_bulk(admin_client, hall):
    changelist = reverse("admin:org_user_changelist")
    chosen = [hall.reviewer.pk, hall.approver.pk]
    answer = admin_client.post(changelist, {"action": "deactivate_selected", "_selected_action": chosen})
    assert answer.status_code == 302
    assert not User.objects.filter(pk__in=chosen, is_active=True).exists()
    events = AuditEvent.objects.filter(action="user_deactivate")
    assert sorted(int(e.target_id) for e in events) == sorted(chosen)
    assert all(e.data == {"is_active": {"old": True, "new": False}} for e in events)
    assert admin_client.post(changelist, {"action": "activate_selected", "_selected_action": chosen}).status_code == 302
    assert User.objects.filter(pk__in=chosen, is_active=True).count() == 2
    assert AuditEvent.objects.filter(action="user_activate").count() == 2


def test_a_refused_bulk_action_changes_nobody(admin_client, hall):
    # The administrator among the chosen: deactivating oneself is refused,
    # and the others chosen with them stay active too.
    chosen = [hall.reviewer.pk, hall.admin.pk, hall.approver.pk]
    answer = admin_client.post(reverse("admin:org_user_changelist"),
                               {"action": "deactivate_selected", "_selected_action": chosen}, follow=True)
    assert answer.status_code == 200
    assert "不能停用自己的账号" in answer.content.decode()
    assert User.objects.filter(pk__in=chosen, is_active=True).count() == 3
    assert not _written(hall).exists()


def test_the_admin_does_not_demote_themselves(admin_client, hall):
    url = reverse("admin:org_user_change", args=[hall.admin.pk])
    data = _form(admin_client, url)
    data["role"] = "manager"
    answer = admin_client.post(url, data)
    assert answer.status_code == 200 and "不能修改自己的角色" in answer.content.decode()
    assert User.objects.get(pk=hall.admin.pk).role == "sysadmin" and not _written(hall).exists()


def test_switching_password_sign_in_off_is_refused(admin_client, hall):
    # Django's form offers it; govhall deactivates logins instead.
    url = reverse("admin:auth_user_password_change", args=[hall.clerk.pk])
    assert admin_client.get(url).status_code == 200
    answer = admin_client.post(url, {"usable_password": "false", "unset-password": "1"})
    assert answer.status_code == 200 and "不再使用的账号请停用" in answer.content.decode()
    clerk = User.objects.get(pk=hall.clerk.pk)
    assert clerk.has_usable_password() and clerk.check_password("persona-password")
    assert not _written(hall).exists()


# --- centers, departments, windows, authorizations, posts ----------------------

def _added(client, model, values):
    answer = client.post(reverse(f"admin:org_{model}_add"), values)
    assert answer.status_code == 302, answer.content.decode()[:3000]


def test_reference_records_are_created_through_their_services(admin_client, hall):
    _added(admin_client, "center", {"code": "T2", "name": "示例二镇便民服务中心", "level": "town",
                                    "parent": hall.district.pk, "address": "", "phone": "", "office_hours": ""})
    town = Center.objects.get(code="T2")
    assert town.path == f"{hall.district.path}{town.pk:05d}."  # as center_create builds it
    _added(admin_client, "department", {"code": "C", "center": hall.district.pk, "name": "示例区市场监督管理局",
                                        "short_name": "市场局", "credit_code": "", "phone": "",
                                        "complaint_phone": "", "source": ""})
    _added(admin_client, "window", {"center": hall.district.pk, "number": "21", "kind": "dedicated",
                                    "department": Department.objects.get(code="C").pk, "name": "市场窗口"})
    _added(admin_client, "authorization", {"staff": hall.reviewer.pk, "department": hall.dept_a.pk,
                                           "item_code": "", "action": Action.REVIEW})
    _added(admin_client, "post", {"window": hall.comprehensive.pk, "name": "综合受理", "holder": hall.clerk.pk,
                                  "backup": hall.clerk_b.pk})
    actions = list(_written(hall).order_by("pk").values_list("action", "actor_id"))
    assert actions == [(name, hall.admin.pk) for name in
                       ("center_create", "department_create", "window_create", "authorization_grant", "post_create")]
    assert Post.objects.get().holder == hall.clerk


def test_a_record_the_service_refuses_is_not_created(admin_client, hall):
    # A town directly below the city: the form is fine, center_create says no.
    answer = admin_client.post(reverse("admin:org_center_add"), {
        "code": "T2", "name": "某镇", "level": "town", "parent": hall.city.pk,
        "address": "", "phone": "", "office_hours": ""})
    assert answer.status_code == 200 and "该层级的中心不能设在所选上级之下" in answer.content.decode()
    # A comprehensive window with a department.
    answer = admin_client.post(reverse("admin:org_window_add"), {
        "center": hall.district.pk, "number": "22", "kind": "comprehensive", "department": hall.dept_a.pk, "name": "x"})
    assert answer.status_code == 200
    assert not Center.objects.filter(code="T2").exists() and not _written(hall).exists()


def test_a_refused_revocation_is_a_message_and_revokes_nothing(admin_client, hall, monkeypatch):
    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    grants = list(Authorization.objects.order_by("pk"))
    real = org.authorization_revoke

    def revoke(*, actor, authorization):
        if authorization.staff == hall.reviewer:
            raise DomainError("该授权正在使用。", field="staff")
        return real(actor=actor, authorization=authorization)

    monkeypatch.setattr(org, "authorization_revoke", revoke)
    answer = admin_client.post(reverse("admin:org_authorization_changelist"), {
        "action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"}, follow=True)
    assert answer.status_code == 200
    assert "该授权正在使用" in answer.content.decode()
    # All or nothing: the clerk's grant, revoked first, is back too.
    assert Authorization.objects.count() == 2 and not AuditEvent.objects.filter(action="authorization_revoke").exists()
    one = admin_client.post(reverse("admin:org_authorization_delete", args=[grants[1].pk]), {"post": "yes"}, follow=True)
    assert one.status_code == 200 and "该授权正在使用" in one.content.decode()
    assert Authorization.objects.count() == 2


# --- API tokens ----------------------------------------------------------------

def test_api_tokens_are_issued_and_revoked_through_the_services(admin_client, hall):
    from rest_framework.authtoken.models import Token

    assert admin_client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": hall.head.pk}).status_code == 302
    token = Token.objects.get(user=hall.head)
    issued = AuditEvent.objects.get(action="token_issue")
    assert issued.target_id == str(hall.head.pk) and token.key not in str(issued.data) + issued.target_id
    answer = admin_client.post(reverse("admin:authtoken_tokenproxy_delete", args=[hall.head.pk]), {"post": "yes"})
    assert answer.status_code == 302 and not Token.objects.exists()
    assert AuditEvent.objects.get(action="token_revoke").target_id == str(hall.head.pk)
