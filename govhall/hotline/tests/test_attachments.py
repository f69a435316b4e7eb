"""Attachments on work orders (docs/hotline.md, "Attachments"): photos and
PDFs from the intake screen and the order page, checked as case materials
are, one event per file, served only to those who see the order."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.core.errors import DomainError, NotPermitted
from govhall.hotline import services as hotline
from govhall.hotline.events import order_verify
from govhall.hotline.models import OrderState, WorkOrder, WorkOrderAttachment
from govhall.test import sample_pdf

from .conftest import new_order

pytestmark = pytest.mark.django_db


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def dispatched(line, unit=None):
    return hotline.workorder_dispatch(actor=line.operator, order=new_order(line), main_unit=unit or line.unit_b)


def test_the_operator_and_the_unit_attach_files_each_with_an_event(line):
    order = dispatched(line)
    content = sample_pdf()
    [pdf] = hotline.workorder_attach(actor=line.operator, order=order, files=[("现场.pdf", content)])
    assert (pdf.content_type, pdf.original_name, pdf.uploaded_by) == ("application/pdf", "现场.pdf", line.operator)
    assert pdf.file.read() == content and pdf.size == len(content)
    hotline.workorder_attach(actor=line.handler_b, order=order, files=[("a.png", png()), ("b.pdf", sample_pdf("b"))])
    order.refresh_from_db()
    events = list(order.events.filter(action="attach").values_list("data", flat=True))
    assert [e["name"] for e in events] == ["现场.pdf", "a.png", "b.pdf"]
    assert order.state == OrderState.DISPATCHED and order_verify(order) is None


def test_bad_files_and_wrong_people_are_refused_and_nothing_is_stored(line, monkeypatch):
    order = dispatched(line)

    def refused(files, field="file", actor=line.operator, target=order):
        with pytest.raises(DomainError) as error:
            hotline.workorder_attach(actor=actor, order=target, files=files)
        assert error.value.field == field

    refused([])
    refused([("x.exe", b"MZ...")])  # not an accepted type
    refused([("fake.pdf", b"<html><script>alert(1)</script></html>")])  # not what its name says
    refused([("ok.pdf", sample_pdf()), ("bad.png", b"not a picture")])  # one bad file: none stored
    refused([(f"{n}.pdf", sample_pdf()) for n in range(hotline.ATTACHMENTS_MAX + 1)])
    monkeypatch.setattr("govhall.cases.services.MATERIAL_MAX_BYTES", 100)  # the materials' limit
    refused([("big.pdf", sample_pdf())])
    assert not WorkOrderAttachment.objects.exists() and not order.events.filter(action="attach").exists()
    monkeypatch.undo()
    # A unit the order is not dispatched to; a closed order.
    with pytest.raises(NotPermitted):
        hotline.workorder_attach(actor=line.handler_a, order=order, files=[("a.pdf", sample_pdf())])
    closed = new_order(line)
    hotline.workorder_close_direct(actor=line.operator, order=closed, answer="已告知。")
    refused([("a.pdf", sample_pdf())], field="state", target=closed)


def test_files_from_the_order_page_are_served_only_to_those_who_see_the_order(line, client, hall):
    order, other = dispatched(line), dispatched(line, unit=line.unit_a)
    client.force_login(line.handler_b)
    bad = client.post(f"/workbench/hotline/{order.number}/attach/",
                      {"file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 400 and not WorkOrderAttachment.objects.exists()
    response = client.post(f"/workbench/hotline/{order.number}/attach/",
                           {"file": [SimpleUploadedFile("现场.png", png()), SimpleUploadedFile("b.pdf", sample_pdf())]})
    assert response.status_code == 302
    first = WorkOrderAttachment.objects.get(original_name="现场.png")
    page = client.get(f"/workbench/hotline/{order.number}/").content.decode()
    assert "现场.png" in page
    url = f"/workbench/hotline/{order.number}/files/{first.pk}/"
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png" and b"".join(served) == png()
    assert "attachment" in client.get(url + "?download=1")["Content-Disposition"]
    # Through another order: not found.
    client.force_login(line.operator)
    assert client.get(f"/workbench/hotline/{other.number}/files/{first.pk}/").status_code == 404
    assert client.get(url).status_code == 200
    # A unit that does not see the order: not found; an applicant: refused.
    client.force_login(line.handler_a)
    assert client.get(url).status_code == 404
    client.force_login(hall.applicant)
    assert client.get(url).status_code == 403


def test_the_intake_screen_registers_with_attachments_or_not_at_all(line, client):
    client.force_login(line.operator)
    data = {"caller_phone": "13912345678", "caller_name": "王先生", "type": "complaint", "content": "路面塌陷。",
            "urgency": "normal", "step": "register"}
    bad = client.post("/workbench/hotline/intake/", {**data, "attachments": SimpleUploadedFile("x.png", b"no")})
    assert bad.status_code == 400 and not WorkOrder.objects.exists()
    response = client.post("/workbench/hotline/intake/",
                           {**data, "attachments": SimpleUploadedFile("现场.pdf", sample_pdf())})
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert [a.original_name for a in order.attachments.all()] == ["现场.pdf"]
    assert list(order.events.values_list("action", flat=True)) == ["create", "attach"]
