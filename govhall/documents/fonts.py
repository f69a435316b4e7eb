"""The CJK font notices are set in, found once per process.

A notice must print the same on any computer, so the font is embedded: a
TrueType CJK font (ReportLab cannot embed CFF-outline fonts such as Noto CJK).
The candidates, first usable one wins:

1. the optional setting ``GOVHALL_PDF_FONT`` (a .ttf/.ttc path);
2. the font the project brings itself: WenQuanYi Micro Hei (文泉驿微米黑,
   Apache-2.0) from the PyPI package ``paperang-p2-fonts-cjk``, a dependency
   in pyproject.toml, so every install that follows the README has it;
3. Debian's TrueType CJK fonts, for an install made without that package
   (its wqy-microhei.ttc is the very file ``fonts-wqy-microhei`` ships).

Without any, notices fall back to ReportLab's built-in ``STSong-Light``, which
is *not* embedded (a reader without Chinese fonts shows blank boxes, and "·"
or "−" print as boxes), and one warning says how to fix it.

This is the only module of ``govhall.documents`` that looks at Django, and
only to read that one setting.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

# The bundled font: the distribution, and (import package, file inside it).
# The package has no path helper of its own; its wheel installs a plain file,
# byte for byte Debian's wqy-microhei.ttc.
BUNDLED_FONT_DIST = "paperang-p2-fonts-cjk"
BUNDLED_FONT: tuple[str, str] = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc")
DEFAULT_FONT_PATHS: tuple[str, ...] = (  # Debian's, after the bundled font
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
_names: dict[str, str] = {}  # font file -> the name it is registered under


def _configured_path() -> str:
    try:
        from django.conf import settings

        if not settings.configured:
            return ""
        return str(getattr(settings, "GOVHALL_PDF_FONT", "") or "")
    except Exception:  # Django missing or settings broken: use the defaults
        return ""


def bundled_font_path() -> str:
    """The path of the font installed with the project, or "" if its package is missing."""
    package, inside = BUNDLED_FONT
    try:
        resource = files(package).joinpath(*inside.split("/"))
    except ModuleNotFoundError:
        return ""
    return str(resource) if resource.is_file() else ""


def _register_ttf(path: str) -> PdfFont:
    # ReportLab keeps the first TrueType font registered under a name and
    # ignores a later one, so each file gets a name of its own: the first
    # EMBEDDED_FONT_NAME, another (a changed setting, a test) one with a number.
    name = _names.get(path)
    if name is None:
        from reportlab.pdfbase.ttfonts import TTFont

        name = f"{EMBEDDED_FONT_NAME}-{len(_names) + 1}" if _names else EMBEDDED_FONT_NAME
        kwargs = {"subfontIndex": 0} if path.lower().endswith((".ttc", ".otc")) else {}
        pdfmetrics.registerFont(TTFont(name, path, **kwargs))
        _names[path] = name
    return PdfFont(name, True, path)


def _resolve() -> PdfFont:
    problems: list[str] = []
    configured = _configured_path()
    candidates = [("setting", configured)] if configured else []
    candidates += [("bundled", bundled_font_path())] + [("debian", path) for path in DEFAULT_FONT_PATHS]
    for kind, path in candidates:
        if not path or not Path(path).is_file():
            if kind == "setting":
                problems.append(f"GOVHALL_PDF_FONT={configured!r} does not exist")
            elif kind == "bundled":
                problems.append(f"the bundled font is missing (pip install {BUNDLED_FONT_DIST})")
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
    looked = ", ".join(DEFAULT_FONT_PATHS) or "no Debian paths"
    problems.append(f"no usable TrueType Chinese font (also looked in {looked})")
    warnings.warn(
        "PDF notices: "
        + "; ".join(problems)
        + f". Falling back to the built-in {FALLBACK_FONT_NAME} font, which is not embedded: "
        "Chinese may not display on computers without Chinese fonts. Fix: install the "
        f"project's dependencies (pip install -e . brings {BUNDLED_FONT_DIST}), install "
        "fonts-wqy-microhei (apt-get install fonts-wqy-microhei), or set GOVHALL_PDF_FONT "
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
