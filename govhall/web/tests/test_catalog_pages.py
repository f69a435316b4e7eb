"""The workbench's catalog pages: a manager edits, previews and publishes."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.catalog.exchange import catalog_export_json
from govhall.catalog.models import Item, VersionStatus
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.test import sample_pdf


@pytest.fixture
def item(hall):
    return item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))


def form_data(item, **changes) -> dict:
    """The editor's POST body for the item's current content, with changes."""
    from govhall.catalog.selectors import item_latest_version, version_to_spec

    spec = version_to_spec(item_latest_version(item))
    data = {k: v for k, v in spec.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    data.update({k: "on" for k in ("immediate", "online", "onsite_inspection") if spec[k]})
    data["no_fee"] = "yes"
    data["delivery_methods"] = spec["delivery_methods"]
    for key in ("legal_basis", "materials", "steps", "fees", "form_fields"):
        rows = spec[key]
        data[f"{key}-TOTAL_FORMS"] = str(len(rows))
        data[f"{key}-INITIAL_FORMS"] = str(len(rows))
        for i, row in enumerate(rows):
            for field, value in row.items():
                if isinstance(value, bool):
                    if value:
                        data[f"{key}-{i}-{field}"] = "on"
                else:
                    data[f"{key}-{i}-{field}"] = value
    for k, v in changes.items():
        data[k] = v
    return {k: v for k, v in data.items() if v is not None}


def test_manager_edits_a_published_item_into_a_new_draft_and_publishes_it(client, hall, item):
    client.force_login(hall.manager)
    page = client.get(reverse("catalog_edit", args=[item.pk]))
    assert page.status_code == 200 and "食品经营许可申请书" in page.content.decode()
    answer = client.post(reverse("catalog_edit", args=[item.pk]), form_data(item, **{
        "promised_days": 8, "steps-1-days": 4, "change_note": "承诺时限压缩为 8 天"}))
    assert answer.status_code == 302
    item.refresh_from_db()
    assert item.current.number == 1 and item.current.promised_days == 10  # the portal is unchanged
    detail = client.get(reverse("catalog_item", args=[item.pk])).content.decode()
    assert "第 2 版草稿" in detail or "发布第 2 版" in detail
    client.post(reverse("catalog_publish", args=[item.pk]))
    item.refresh_from_db()
    assert item.current.number == 2 and item.current.promised_days == 8
    assert "承诺 8 个工作日" in client.get(reverse("portal_search"), {"q": "食品经营"}).content.decode()


def test_an_error_in_a_material_row_shows_on_that_row(client, hall, item):
    client.force_login(hall.manager)
    answer = client.post(reverse("catalog_edit", args=[item.pk]), form_data(item, **{"materials-2-condition": ""}))
    assert answer.status_code == 400
    assert "非必要材料须写明适用情形" in answer.content.decode()
    assert item.versions.count() == 1


def test_promised_above_statutory_is_refused_on_the_field(client, hall, item):
    client.force_login(hall.manager)
    answer = client.post(reverse("catalog_edit", args=[item.pk]), form_data(item, promised_days=30))
    assert answer.status_code == 400 and "承诺时限不得超过法定时限" in answer.content.decode()


def test_an_incomplete_item_shows_what_is_missing_and_cannot_be_published(client, hall):
    item = item_create(actor=SYSTEM, spec=complete_spec("A", statutory_days=None, promised_days=None))
    client.force_login(hall.head)
    detail = client.get(reverse("catalog_item", args=[item.pk])).content.decode()
    assert "待完善" in detail and "法定时限" in detail
    answer = client.post(reverse("catalog_publish", args=[item.pk]), follow=True)
    assert "不能发布" in answer.content.decode()
    assert item.versions.get().status == VersionStatus.DRAFT


def test_preview_shows_the_draft_as_the_portal_would(client, hall):
    item = item_create(actor=SYSTEM, spec=complete_spec("A"))
    client.force_login(hall.head)
    text = client.get(reverse("catalog_preview", args=[item.pk])).content.decode()
    assert "食品经营许可" in text and "申请材料" in text


def test_staff_of_another_department_neither_see_nor_edit(client, hall, item):
    client.force_login(hall.clerk_b)
    assert client.get(reverse("catalog_item", args=[item.pk])).status_code == 404
    assert client.get(reverse("catalog_edit", args=[item.pk])).status_code == 404
    client.force_login(hall.reviewer)  # sees the item of A, may not edit it
    assert client.get(reverse("catalog_item", args=[item.pk])).status_code == 200
    assert client.get(reverse("catalog_edit", args=[item.pk])).status_code == 403
    client.force_login(hall.applicant)
    assert client.get(reverse("catalog_list")).status_code == 403


def test_list_and_search_within_scope(client, hall, item):
    item_create(actor=SYSTEM, spec=complete_spec("B", code="B-1", name="城镇污水排入排水管网许可"))
    client.force_login(hall.manager)
    text = client.get(reverse("catalog_list")).content.decode()
    assert "食品经营许可" in text and "城镇污水排入排水管网许可" in text
    text = client.get(reverse("catalog_list"), {"q": "排水"}).content.decode()
    assert "城镇污水排入排水管网许可" in text and "食品经营许可" not in text
    text = client.get(reverse("catalog_list"), {"state": "draft"}).content.decode()
    assert "城镇污水" in text and "食品经营许可" not in text


def test_new_item_starts_as_a_draft(client, hall):
    client.force_login(hall.head)
    answer = client.post(reverse("catalog_new"), {"code": "A-NEW", "base_code": "A", "name": "新事项",
                                                  "item_type": "licensing", "department": "A"})
    assert answer.status_code == 302
    assert Item.objects.get(code="A-NEW").versions.get().status == VersionStatus.DRAFT
    bad = client.post(reverse("catalog_new"), {"code": "A-NEW", "base_code": "A", "name": "重复", "item_type": "licensing", "department": "A"})
    assert bad.status_code == 400 and "已存在" in bad.content.decode()


def test_export_then_import_from_the_workbench_with_progress(client, hall, item, django_capture_on_commit_callbacks):
    client.force_login(hall.manager)
    exported = client.get(reverse("catalog_export", args=["xlsx"]))
    assert exported.status_code == 200 and exported.content.startswith(b"PK")
    data = json.loads(catalog_export_json())
    data["items"][0]["promised_days"] = 99
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the job once its start commits
        answer = client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.json", json.dumps(data).encode())})
    job_url = answer.url
    assert answer.status_code == 302 and "/import/" in job_url
    # The worker (inline in tests) has run: the refusal lists every error.
    text = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "未写入任何数据" in text and "items[0].promised_days" in text
    assert 'hx-trigger="every 1s"' not in text  # finished: the page stops polling
    with django_capture_on_commit_callbacks(execute=True):
        good = client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.xlsx", exported.content)})
    good = client.get(good.url)
    assert "导入完成：新建 0 项，更新 0 项，未变 1 项，发布 0 项" in good.content.decode()
    assert client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.csv", b"a,b")}).status_code == 400


def test_an_import_job_is_visible_only_to_its_owner(client, hall, item):
    client.force_login(hall.manager)
    answer = client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.json", catalog_export_json())})
    client.force_login(hall.head)
    assert client.get(answer.url).status_code == 404


def test_a_queued_job_shows_progress_and_polls(client, hall, item, settings):
    from govhall.catalog.models import ImportJob

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nobody runs it
    client.force_login(hall.manager)
    answer = client.post(reverse("catalog_import"), {"file": SimpleUploadedFile("c.json", catalog_export_json())})
    ImportJob.objects.update(status="checking", total=1135, checked=400)
    text = client.get(answer.url).content.decode()
    assert 'value="400" max="1135"' in text and 'hx-trigger="every 1s"' in text
    assert "已检查 400 / 1135 项" in text


def test_uploading_a_form_goes_to_a_draft(client, hall, item):
    client.force_login(hall.manager)
    upload = SimpleUploadedFile("申请书.pdf", sample_pdf("form"), content_type="application/pdf")
    client.post(reverse("catalog_form_upload", args=[item.pk, 1]), {"kind": "template", "file": upload})
    draft = item.versions.get(status=VersionStatus.DRAFT)
    assert draft.materials.get(order=1).template.name.endswith(".pdf")
    assert not item.current.materials.get(order=1).template
    bad = SimpleUploadedFile("x.pdf", b"MZ not a pdf")
    answer = client.post(reverse("catalog_form_upload", args=[item.pk, 1]), {"kind": "template", "file": bad}, follow=True)
    assert "无法打开" in answer.content.decode()



def test_a_refused_form_upload_leaves_no_draft(client, hall, item):
    client.force_login(hall.manager)
    client.post(reverse("catalog_form_upload", args=[item.pk, 1]), {"kind": "template", "file": SimpleUploadedFile("x.exe", b"MZ")})
    assert item.versions.count() == 1


def test_the_editor_saves_as_the_browser_posts_it_blank_extra_rows_ignored(client, hall, item):
    from govhall.test import form_as_posted

    client.force_login(hall.manager)
    url = reverse("catalog_edit", args=[item.pk])
    posted = form_as_posted(client.get(url).content.decode(), "editor")
    assert posted["materials-TOTAL_FORMS"] and posted["steps-TOTAL_FORMS"]  # the blank extra rows are there
    posted["change_note"] = ["只改说明"]
    answer = client.post(url, posted)
    assert answer.status_code == 302, answer.context and [f.errors for fs in answer.context["formsets"].values()
                                                          for f in fs.forms if f.errors]
    item.refresh_from_db()
    draft = item.versions.order_by("-number").first()
    assert draft.number == 2 and draft.materials.count() == item.current.materials.count()
    assert draft.steps.count() == item.current.steps.count()
