"""Files with a portal order (网上诉求, docs/hotline.md "Portal"): photos or
PDFs stored with the order in one transaction, checked as the workbench's
attachments are; shown on "我的诉求" and on the query page, downloadable by
the applicant who filed them or by a session that found the order by its
number and query code; staff see them on the order page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from govhall.hotline import services as hotline
from govhall.hotline.models import (
    OrderType,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderEvent,
)
from govhall.hotline.portal import PORTAL_ATTACHMENTS_MAX, order_query_code
from govhall.hotline.tests.test_attachments import png
from govhall.test import sample_pdf

from .test_hotline_portal import PHONE, _fresh_rate_limits  # noqa: F401  (autouse fixture)


def _post(client, *files, **data):
    data.setdefault("type", OrderType.HELP)
    data.setdefault("content", "小区门口路面塌陷，见照片。")
    return client.post(reverse("portal_hotline"), {**data, "attachments": list(files)})


def _file_url(order, record):
    return reverse("portal_hotline_file", args=[order.number, record.pk])


def test_an_applicants_files_are_stored_with_the_order_and_shown_on_my_orders(client, line):
    client.force_login(line.hall.applicant)
    pdf = sample_pdf()
    response = _post(client, SimpleUploadedFile("路面.png", png()), SimpleUploadedFile("说明.pdf", pdf))
    assert response.status_code == 302, response.content.decode()[:500]
    order = WorkOrder.objects.get()
    records = list(order.attachments.order_by("pk"))
    assert [(r.original_name, r.content_type, r.uploaded_by) for r in records] == [
        ("路面.png", "image/png", line.hall.applicant), ("说明.pdf", "application/pdf", line.hall.applicant)]
    # One create event, then one per file, by the system, in the same chain.
    assert list(order.events.order_by("seq").values_list("action", flat=True)) == ["create", "attach", "attach"]
    page = client.get(reverse("portal_my_order", args=[order.number])).content.decode()
    assert "路面.png" in page and _file_url(order, records[1]) in page
    download = client.get(_file_url(order, records[1]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    assert "attachment" in download["Content-Disposition"]
    # A file staff added later is theirs: not shown to the applicant nor served on the portal.
    hotline.workorder_attach(actor=line.operator, order=order, files=[("内部.pdf", sample_pdf("x"))])
    staff_file = order.attachments.get(original_name="内部.pdf")
    assert "内部.pdf" not in client.get(reverse("portal_my_order", args=[order.number])).content.decode()
    assert client.get(_file_url(order, staff_file)).status_code == 404
    # Another applicant, a visitor: 404. Staff see the files on the order page.
    client.logout()
    assert client.get(_file_url(order, records[0])).status_code == 404
    client.force_login(line.operator)
    staff_page = client.get(reverse("hotline_order", args=[order.number])).content.decode()
    assert "路面.png" in staff_page and "内部.pdf" in staff_page


def test_a_visitors_files_are_downloadable_after_the_query_by_number_and_code(client, line):
    response = _post(client, SimpleUploadedFile("现场.pdf", sample_pdf()), phone=PHONE)
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    record = order.attachments.get()
    assert record.uploaded_by is None
    url = _file_url(order, record)
    assert client.get(url).status_code == 404  # not yet found by its query code in this session
    wrong = client.post(reverse("portal_hotline_query"), {"number": order.number, "query_code": "AAAAAAAA"})
    assert wrong.status_code == 404 and client.get(url).status_code == 404
    page = client.post(reverse("portal_hotline_query"),
                       {"number": order.number, "query_code": order_query_code(order)}).content.decode()
    assert "现场.pdf" in page and url in page
    assert client.get(url).status_code == 200
    # Another browser has not queried it.
    client.cookies.clear()
    assert client.get(url).status_code == 404
    # Staff see a visitor's file as filed by the caller.
    client.force_login(line.operator)
    assert "诉求人（网上诉求）" in client.get(reverse("hotline_order", args=[order.number])).content.decode()


@pytest.mark.parametrize("files", [
    [("病毒.exe", b"MZ\x90\x00")],  # not a photo or a PDF
    [("照片.png", b"<html><script>alert(1)</script></html>")],  # not what its name says
    [("ok.pdf", None), ("坏.jpg", b"not a picture")],  # one bad file: nothing at all
    [(f"{n}.pdf", None) for n in range(PORTAL_ATTACHMENTS_MAX + 1)],  # too many
])
def test_a_bad_file_is_refused_on_its_field_and_no_order_is_filed(client, line, files):
    uploads = [SimpleUploadedFile(name, sample_pdf(name) if content is None else content) for name, content in files]
    response = _post(client, *uploads, phone=PHONE)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("attachments"), form.errors
    if len(files) <= PORTAL_ATTACHMENTS_MAX:  # the message names the bad file
        assert files[-1][0] in form.errors["attachments"][0]
    assert "attachments" in response.content.decode()  # the field is on the page with its error
    assert not WorkOrder.objects.exists() and not WorkOrderEvent.objects.exists()
    assert not WorkOrderAttachment.objects.exists()
