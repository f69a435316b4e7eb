"""The CJK font notices are set in, found once per process.

A notice must print the same on any computer, so the font is embedded: a
TrueType CJK font (ReportLab cannot embed CFF-outline fonts such as Noto CJK).
The path comes from the optional setting ``GOVHALL_PDF_FONT``, else the first
Debian font found below. Without any, notices fall back to ReportLab's
built-in ``STSong-Light``, which is *not* embedded (a reader without Chinese
fonts shows blank boxes), and one warning says how to fix it.

This is the only module of ``govhall.documents`` that looks at Django, and
only to read that one setting.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

DEFAULT_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
EMBEDDED_FONT_NAME = "GovhallCJK"
FALLBACK_FONT_NAME = "STSong-Light"


class FontFallbackWarning(UserWarning):
    """Notices are rendered without an embedded Chinese font."""


@dataclass(frozen=True)
class PdfFont:
    name: str  # the name registered with ReportLab's pdfmetrics
    embedded: bool
    path: str  # "" for the built-in CID font


_lock = threading.Lock()
_font: PdfFont | None = None


def _configured_path() -> str:
    try:
        from django.conf import settings

        if not settings.configured:
            return ""
        return str(getattr(settings, "GOVHALL_PDF_FONT", "") or "")
    except Exception:  # Django missing or settings broken: use the defaults
        return ""


def _register_ttf(path: str) -> PdfFont:
    from reportlab.pdfbase.ttfonts import TTFont

    kwargs = {"subfontIndex": 0} if path.lower().endswith((".ttc", ".otc")) else {}
    pdfmetrics.registerFont(TTFont(EMBEDDED_FONT_NAME, path, **kwargs))
    return PdfFont(EMBEDDED_FONT_NAME, True, path)


def _resolve() -> PdfFont:
    problems: list[str] = []
    configured = _configured_path()
    candidates = ([configured] if configured else []) + list(DEFAULT_FONT_PATHS)
    for path in candidates:
        if not Path(path).is_file():
            if path == configured:
                problems.append(f"GOVHALL_PDF_FONT={configured!r} does not exist")
            continue
        try:
            font = _register_ttf(path)
        except Exception as exc:  # e.g. a CFF (.otf/Noto) font ReportLab cannot embed
            problems.append(f"cannot embed {path!r} ({exc})")
            continue
        if problems:
            warnings.warn(
                "PDF notices: " + "; ".join(problems) + f"; using {path!r} instead.",
                FontFallbackWarning,
                stacklevel=2,
            )
        return font

    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT_NAME))
    looked = ", ".join(DEFAULT_FONT_PATHS) or "no default paths"
    problems.append(f"no TrueType Chinese font found (looked in {looked})")
    warnings.warn(
        "PDF notices: "
        + "; ".join(problems)
        + f". Falling back to the built-in {FALLBACK_FONT_NAME} font, which is not embedded: "
        "Chinese may not display on computers without Chinese fonts. Fix: install "
        "fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or set GOVHALL_PDF_FONT "
        "to the path of a TrueType (.ttf/.ttc) Chinese font.",
        FontFallbackWarning,
        stacklevel=2,
    )
    return PdfFont(FALLBACK_FONT_NAME, False, "")


def pdf_font() -> PdfFont:
    """The font to set notices in; found and registered on first use."""
    global _font
    font = _font
    if font is None:
        with _lock:
            if _font is None:
                _font = _resolve()
            font = _font
    return font


def pdf_font_name() -> str:
    return pdf_font().name


def pdf_font_embedded() -> bool:
    return pdf_font().embedded


def reset_pdf_font() -> None:
    """Forget the chosen font, so the next notice looks again (tests, settings changes)."""
    global _font
    with _lock:
        _font = None
