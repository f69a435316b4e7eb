"""Items, versions and publishing (DESIGN 3.2)."""

import pytest
from django.db import IntegrityError, transaction

from govhall.catalog import selectors
from govhall.catalog.models import ItemVersion, VersionStatus
from govhall.catalog.services import (
    SpecInvalid, item_create, item_draft_open, item_publish, material_attach_form, version_update,
)
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.test import sample_pdf


def test_a_new_item_is_a_draft_until_published(hall):
    item = item_create(actor=hall.head, spec=complete_spec("A"))
    version = item.versions.get()
    assert version.status == VersionStatus.DRAFT and item.current is None
    assert not selectors.version_list_published().exists()
    item_publish(actor=hall.head, version=version)
    item.refresh_from_db()
    assert item.current == version
    assert selectors.version_get_published(code=item.code).name == "食品经营许可（仅销售预包装食品除外）"


def test_publishing_an_incomplete_item_lists_everything_missing(hall):
    spec = complete_spec("A", statutory_days=None, promised_days=None, no_fee=None, materials=[], consult_phone="")
    item = item_create(actor=hall.head, spec=spec)
    with pytest.raises(DomainError) as error:
        item_publish(actor=hall.head, version=item.versions.get())
    for element in ["法定时限", "承诺时限", "收费标准", "申请材料", "咨询电话"]:
        assert element in error.value.message
    assert item.versions.get().status == VersionStatus.DRAFT


def test_editing_a_published_item_makes_a_new_draft_and_keeps_the_old_version(hall):
    item = item_create(actor=hall.head, spec=complete_spec("A", status="published"))
    v1 = item.versions.get()
    draft = item_draft_open(actor=hall.manager, item=item)
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert item_draft_open(actor=hall.head, item=item) == draft  # one draft at a time
    version_update(actor=hall.manager, version=draft, spec=complete_spec("A", promised_days=8,
                   steps=[{"name": "受理", "role": "clerk", "days": 1}, {"name": "审查决定", "role": "approver", "days": 7}]),
                   change_note="压缩承诺时限")
    # The published version has not moved while the draft is edited.
    assert selectors.version_get_published(code=item.code).promised_days == 10
    item_publish(actor=hall.manager, version=draft)
    v1.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.superseded_at and v1.published_at
    assert v1.promised_days == 10 and v1.steps.count() == 3  # the old version stays readable, whole
    assert selectors.version_get_published(code=item.code).promised_days == 8
    history = list(selectors.version_history(item))
    assert [(v.number, v.status) for v in history] == [(2, "published"), (1, "superseded")]
    assert history[0].change_note == "压缩承诺时限"
    actions = list(AuditEvent.objects.filter(target_type="catalog.item", target_id=str(item.pk)).order_by("pk").values_list("action", "actor__username"))
    assert actions == [("item_create", "head"), ("item_publish", "head"), ("item_draft_open", "manager"),
                       ("version_update", "manager"), ("item_publish", "manager")]


def test_a_published_version_cannot_be_changed(hall):
    item = item_create(actor=hall.head, spec=complete_spec("A", status="published"))
    with pytest.raises(DomainError):
        version_update(actor=hall.head, version=item.current, spec=complete_spec("A", name="改名"))


def test_promised_time_may_not_exceed_statutory(hall):
    with pytest.raises(SpecInvalid) as error:
        item_create(actor=hall.head, spec=complete_spec("A", promised_days=25))
    assert error.value.errors[0].path == "promised_days"
    # The database enforces it too, whatever writes.
    item = item_create(actor=hall.head, spec=complete_spec("A"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemVersion.objects.filter(item=item).update(promised_days=30)


def test_fee_lines_and_no_fee_must_agree(hall):
    with pytest.raises(SpecInvalid) as error:
        item_create(actor=hall.head, spec=complete_spec("A", no_fee=True, fees=[{"name": "工本费", "amount": "10", "basis": "x"}]))
    assert error.value.errors[0].path == "fees"
    with pytest.raises(SpecInvalid):
        item_create(actor=hall.head, spec=complete_spec("A", no_fee=False, fees=[]))
    item = item_create(actor=hall.head, spec=complete_spec("A", no_fee=False, fees=[{"name": "工本费", "amount": "10", "rule": "", "basis": "某价费文件"}]))
    assert str(item.versions.get().fees.get().amount) == "10.00"


def test_every_bad_field_is_reported_at_once(hall):
    spec = complete_spec("A", item_type="permit", visits=-1, department="NOPE",
                         materials=[{"name": "", "required": False}])
    with pytest.raises(SpecInvalid) as error:
        item_create(actor=hall.head, spec=spec)
    paths = {e.path for e in error.value.errors}
    assert {"item_type", "visits", "department", "materials[0].name", "materials[0].condition"} <= paths


def test_only_editors_of_the_department_edit_its_items(hall):
    with pytest.raises(NotPermitted):
        item_create(actor=hall.clerk_b, spec=complete_spec("A"))
    with pytest.raises(NotPermitted):
        item_create(actor=hall.reviewer, spec=complete_spec("A"))
    with pytest.raises(NotPermitted):
        item_create(actor=hall.town_manager, spec=complete_spec("A"))
    item = item_create(actor=hall.manager, spec=complete_spec("A"))
    assert item.department == hall.dept_a


def test_quality_check_flags_catch_all_materials_and_unbalanced_steps(hall):
    spec = complete_spec("A", materials=complete_spec("A")["materials"] + [
        {"name": "法律法规规定的其他材料", "required": True}])
    spec["steps"][1]["days"] = 2
    item = item_create(actor=hall.head, spec=spec)
    issues = selectors.version_quality_issues(item.versions.get())
    assert any("法律法规规定的其他材料" in issue for issue in issues)
    assert any("合计 6 个工作日" in issue for issue in issues)


def test_staff_see_items_of_their_scope(hall):
    item_create(actor=SYSTEM, spec=complete_spec("A"))
    item_create(actor=SYSTEM, spec=complete_spec("B", code="B-1"))
    assert [i.code for i in selectors.item_list_for_staff(user=hall.clerk_b)] == ["B-1"]
    assert selectors.item_list_for_staff(user=hall.supervisor).count() == 2


class TestForms:
    def test_a_form_must_be_an_office_document_or_pdf(self, hall):
        item = item_create(actor=hall.head, spec=complete_spec("A"))
        material = item.versions.get().materials.get(order=1)
        with pytest.raises(DomainError) as error:
            material_attach_form(actor=hall.head, material=material, kind="template", filename="form.exe", content=b"MZ")
        assert error.value.field == "file"
        with pytest.raises(DomainError, match="无法打开"):  # a renamed executable is not a PDF
            material_attach_form(actor=hall.head, material=material, kind="template", filename="form.pdf", content=b"MZ...")
        material_attach_form(actor=hall.head, material=material, kind="template", filename="form.pdf", content=sample_pdf("form"))
        material.refresh_from_db()
        assert material.template.name.endswith("-template.pdf")

    def test_forms_of_a_published_version_do_not_change(self, hall):
        item = item_create(actor=hall.head, spec=complete_spec("A", status="published"))
        material = item.current.materials.get(order=1)
        with pytest.raises(DomainError):
            material_attach_form(actor=hall.head, material=material, kind="sample", filename="a.pdf", content=b"%PDF")


def test_admin_creates_a_theme_through_the_service(client, hall):
    from govhall.catalog.models import Theme
    from govhall.core.models import AuditEvent

    client.force_login(hall.admin)
    answer = client.post("/admin/catalog/theme/add/", {
        "code": "kaidian", "name": "开店", "kind": "theme", "description": "", "order": 1,
        "themeitem_set-TOTAL_FORMS": 0, "themeitem_set-INITIAL_FORMS": 0})
    assert answer.status_code == 302
    assert Theme.objects.get(code="kaidian").name == "开店"
    assert AuditEvent.objects.filter(action="theme_create", actor=hall.admin).exists()
