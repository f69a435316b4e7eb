"""Uploaded files, checked by what they are, not by what they are called
(DESIGN 5: uploads are checked for size and type).

A file is accepted only when a library made for its format opens it:
PDFs are parsed by pypdf (every page readable, not encrypted, no scripts
or launch actions), images decoded by Pillow (the format must be the one
the name says, within a pixel budget against decompression bombs), Office
documents opened as the zip packages they are (the main part present, no
macros, a bounded unpacked size). And a file that is a valid PDF or image
but also carries markup a browser would run — HTML, script, SVG — is
refused as a polyglot: what is stored is served back to staff's browsers.
"""

import io
import re
import warnings
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from govhall.core.errors import DomainError

# Markup a browser would execute, anywhere in the file (case-insensitive).
ACTIVE_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed|!doctype)\b|javascript\s*:", re.I)
# Decoded images up to ~50 megapixels (a 600 dpi A3 scan is ~70 MB of
# pixels at most; anything larger is a bomb, not a scan).
MAX_PIXELS = 50_000_000
# A document package may unpack to at most this much.
MAX_UNPACKED = 64 * 1024 * 1024
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Upload:
    suffix: str  # ".pdf"
    content_type: str  # "application/pdf"


def _pdf(content: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content), strict=True)
        if reader.is_encrypted:
            return _("加密的 PDF 文件无法审核，请上传未加密的文件。")
        pages = len(reader.pages)
        for page in reader.pages:
            page.get("/Contents")
            if "/AA" in page:
                return _("PDF 文件含有自动执行的动作，不予接受。")
        root = reader.trailer["/Root"].get_object()
        names = root["/Names"].get_object() if "/Names" in root else {}
        opening = root["/OpenAction"].get_object() if "/OpenAction" in root else None
        runs = isinstance(opening, dict) and opening.get("/S") in {"/JavaScript", "/Launch"}
        if runs or "/AA" in root or "/JavaScript" in names or "/EmbeddedFiles" in names:
            return _("PDF 文件含有脚本或内嵌文件，不予接受。")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        return _("PDF 文件已损坏或不完整，无法打开。")
    return None if pages else _("PDF 文件没有页面。")


def _image(expected: str):
    def check(content: bytes) -> str | None:
        from PIL import Image, UnidentifiedImageError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content)) as image:
                    if image.format != expected:
                        return _("文件内容是 %(found)s 图片，与扩展名不符。") % {"found": image.format}
                    if image.width * image.height > MAX_PIXELS:
                        return _("图片尺寸过大。")
                    image.verify()
                with Image.open(io.BytesIO(content)) as image:
                    image.load()  # decode every pixel: a truncated scan fails here
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return _("图片尺寸过大。")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return _("图片文件已损坏或不完整，无法打开。")
        return None

    return check


def _package(main_part: str):
    """An Office Open XML document: a zip with its content types and main part, no macros."""
    def check(content: bytes) -> str | None:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                members = package.infolist()
                names = {member.filename for member in members}
                if "[Content_Types].xml" not in names or main_part not in names:
                    return _("文件不是有效的 Office 文档。")
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    return _("含宏的文件不予接受。")
                if sum(member.file_size for member in members) > MAX_UNPACKED:
                    return _("文件解压后过大。")
                if package.testzip() is not None:
                    return _("文件已损坏，无法打开。")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return _("文件已损坏或不是 Office 文档，无法打开。")
        return None

    return check


def _compound(content: bytes) -> str | None:
    """A legacy Office file (.doc, .xls): an OLE2 compound file header
    (signature, byte order, sector size) — enough to refuse anything else."""
    if not content.startswith(OLE2_SIGNATURE) or len(content) < 512:
        return _("文件不是有效的 Office 文档。")
    if content[28:30] != b"\xfe\xff" or content[30:32] not in (b"\x09\x00", b"\x0c\x00"):
        return _("文件不是有效的 Office 文档。")
    return None


KINDS = {
    ".pdf": ("application/pdf", _pdf),
    ".jpg": ("image/jpeg", _image("JPEG")),
    ".jpeg": ("image/jpeg", _image("JPEG")),
    ".png": ("image/png", _image("PNG")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _package("word/document.xml")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _package("xl/workbook.xml")),
    ".doc": ("application/msword", _compound),
    ".xls": ("application/vnd.ms-excel", _compound),
}
SCANS = (".pdf", ".jpg", ".jpeg", ".png")
FORMS = (".pdf", ".docx", ".xlsx", ".doc", ".xls")


def upload_check(*, filename: str, content: bytes, allowed: tuple[str, ...], max_bytes: int,
                 field: str = "file") -> Upload:
    """Check an uploaded file: its suffix among ``allowed``, its size, and
    its content opened as that format and free of active markup. Raises
    DomainError naming ``field``; returns the suffix and content type to
    store and serve it with."""
    name = str(filename or "")
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix not in allowed or suffix not in KINDS:
        raise DomainError(_("只接受以下类型的文件：%(list)s。") % {"list": "、".join(allowed)}, field=field)
    if not content:
        raise DomainError(_("文件为空。"), field=field)
    if len(content) > max_bytes:
        raise DomainError(_("文件过大（上限 %(n)s MB）。") % {"n": max_bytes // (1024 * 1024)}, field=field)
    content_type, check = KINDS[suffix]
    problem = check(content)
    if problem is None and ACTIVE_MARKUP.search(content):
        problem = _("文件中夹带网页或脚本内容，不予接受。")
    if problem is not None:
        raise DomainError(problem, field=field)
    return Upload(suffix, content_type)
