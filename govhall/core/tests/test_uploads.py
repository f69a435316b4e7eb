"""Uploads are checked by their content (DESIGN 5): opened by a library of
their format, and refused when they also carry markup a browser would run."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from PIL import Image

from govhall.core.errors import DomainError
from govhall.core.uploads import FORMS, SCANS, upload_check
from govhall.test import sample_pdf

MB = 1024 * 1024


def check(name: str, content: bytes, allowed=SCANS):
    return upload_check(filename=name, content=content, allowed=allowed, max_bytes=10 * MB)


def refused(name: str, content: bytes, allowed=SCANS) -> str:
    with pytest.raises(DomainError) as error:
        check(name, content, allowed)
    assert error.value.field == "file"
    return error.value.message


def image(kind: str, size=(40, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind, **save)
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "申请表"
    book.save(buffer)
    return buffer.getvalue()


def test_real_files_pass():
    assert check("申请书.pdf", sample_pdf()).content_type == "application/pdf"
    assert check("照片.JPG", image("JPEG")).content_type == "image/jpeg"
    assert check("scan.png", image("PNG")).suffix == ".png"
    assert check("申请表.xlsx", xlsx(), FORMS).suffix == ".xlsx"


def test_a_pdf_header_followed_by_html_is_refused():
    assert "PDF" in refused("a.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>")


def test_a_truncated_pdf_is_refused():
    assert "PDF" in refused("a.pdf", sample_pdf()[:300])


def test_a_valid_pdf_carrying_html_is_refused_as_a_polyglot():
    assert "网页或脚本" in refused("a.pdf", sample_pdf() + b"\n<html><body><script>fetch('/')</script>")


def test_a_pdf_that_runs_a_script_on_opening_is_refused():
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_open_action(JavaScript("app.alert('hi');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "脚本" in refused("a.pdf", buffer.getvalue())


def test_an_image_must_be_what_its_name_says():
    assert "PNG" in refused("photo.jpg", image("PNG"))
    assert "损坏" in refused("photo.png", image("PNG")[:60])


def test_a_valid_png_with_a_script_in_a_text_chunk_is_refused():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>document.location='https://evil.example/'</script>")
    assert "网页或脚本" in refused("scan.png", image("PNG", pnginfo=info))


def test_a_decompression_bomb_is_refused():
    bomb = image("PNG", size=(12000, 12000))  # 144 megapixels, a few hundred KB compressed
    assert "过大" in refused("scan.png", bomb)


def test_empty_oversized_and_unknown_files_name_the_field():
    assert "为空" in refused("a.pdf", b"")
    with pytest.raises(DomainError) as error:
        upload_check(filename="a.pdf", content=sample_pdf(), allowed=SCANS, max_bytes=100, field="scan-1")
    assert error.value.field == "scan-1" and "过大" in error.value.message
    assert "只接受" in refused("tool.exe", b"MZ\x90\x00")
    assert "只接受" in refused("noname", sample_pdf())


def test_office_forms_are_opened_as_packages():
    assert "Office" in refused("form.docx", b"PK\x03\x04" + b"\x00" * 40, FORMS)
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/vbaProject.bin", b"\x00")
    assert "宏" in refused("form.xlsx", macro.getvalue(), FORMS)
    assert "Office" in refused("form.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 600, FORMS)
