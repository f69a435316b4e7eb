"""Print a :class:`~govhall.documents.notice.NoticeData` as an A4 PDF.

Layout of a Chinese official notice (制式文书): issuer and title centred,
document number right-aligned, the addressee line, the facts as a key/value
table, the sections, then the issuer and date on the right under a red seal
circle, the verification QR code on the left, and small print plus the page
number at the foot of every page.

Text is plain data: it is escaped here, never read as markup. The output is
deterministic (same notice, same bytes), so a PDF can be hashed or cached.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as _rl_paragraph

from govhall.documents.fonts import pdf_font_name
from govhall.documents.notice import NoticeData, Section

# ReportLab's CJK line breaking knows the Japanese marks that may not start a
# line (、。」…) but not the Chinese full-width ones, so "，视为撤回申请" could
# start a line. Teach it those (they then hang in the margin, as in 标点悬挂).
# Process-wide, idempotent, and only ever an improvement for CJK text.
_CHINESE_CANNOT_START = "，；：？！》〉”’…—％"
for _module in (_rl_textsplit, _rl_paragraph):  # single-style and mixed-style paragraphs
    _module.ALL_CANNOT_START += "".join(ch for ch in _CHINESE_CANNOT_START if ch not in _module.ALL_CANNOT_START)

MARGIN = 25 * mm
BODY_SIZE = 12  # 小四
BODY_LEADING = 21
SEAL_RED = colors.Color(0.82, 0.08, 0.08)
GRID_GRAY = colors.Color(0.45, 0.45, 0.45)
LABEL_FILL = colors.Color(0.95, 0.95, 0.95)
FOOT_GRAY = colors.Color(0.4, 0.4, 0.4)
SEAL_RADIUS = 21 * mm  # a 42 mm department seal
QR_SIZE = 26 * mm
QR_BORDER = 2  # quiet zone, in modules, inside QR_SIZE; the page margin adds the rest
KEEP_TABLE_ROWS = 8  # a last table this short moves to the next page with the seal
FRAME_HEIGHT = A4[1] - 2 * MARGIN
MAX_ROW_HEIGHT = FRAME_HEIGHT * 0.4  # a table row taller than this continues in the next row


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code printed for ``url`` (no quiet zone); True is dark.

    Always a full QR code, never a Micro QR (phones' scanners rarely read those).
    """
    code = segno.make_qr(url, error="m")
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def _markup(text: str) -> str:
    """Plain text to Paragraph markup: escape, keep line breaks."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


class _BoldParagraph(Paragraph):
    """A paragraph in synthetic bold: CJK TrueType fonts rarely ship a bold face,
    so the glyphs are filled and stroked (text render mode 2)."""

    def drawOn(self, canvas, x, y, _sW=0):
        canvas.saveState()
        canvas.setStrokeColor(self.style.textColor)
        canvas.setLineWidth(self.style.fontSize * 0.04)
        canvas.addLiteral("2 Tr")
        super().drawOn(canvas, x, y, _sW)
        canvas.restoreState()


@lru_cache(maxsize=4)
def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=BODY_SIZE,
        leading=BODY_LEADING,
        wordWrap="CJK",
        textColor=colors.black,
    )

    def style(name: str, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "issuer": style("issuer", fontSize=16, leading=24, alignment=TA_CENTER, spaceAfter=4),
        "title": style("title", fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=4),
        "number": style("number", alignment=TA_RIGHT, spaceAfter=10),
        "addressee": style("addressee", spaceAfter=6),
        "label": style("label", fontSize=10.5, leading=15),
        "value": style("value", fontSize=10.5, leading=15),
        "heading": style("heading", fontSize=13, leading=22, spaceBefore=8, spaceAfter=2, keepWithNext=1),
        "para": style("para", firstLineIndent=2 * BODY_SIZE, spaceAfter=2),
        "cell": style("cell", fontSize=10.5, leading=15),
        "caption": style("caption", fontSize=8.5, leading=11, alignment=TA_LEFT),
        "footer": style("footer", fontSize=8, leading=10, textColor=FOOT_GRAY),
    }


def _col_widths(rows: list[list[str]], font: str, size: float, total: float, pad: float) -> list[float]:
    """Share ``total`` among columns: narrow columns get their natural width,
    the wide ones split the rest (water-filling), then all grow to fill."""
    ncols = len(rows[0])
    natural = [
        max(stringWidth(row[c], font, size) for row in rows) + 2 * pad + 1 for c in range(ncols)
    ]
    if sum(natural) <= total:
        # Spare room goes to the text columns; short ones (序号, 份数) keep their width.
        short = 3 * size + 2 * pad + 1
        growing = [c for c in range(ncols) if natural[c] > short] or list(range(ncols))
        spare = total - sum(natural)
        weight = sum(natural[c] for c in growing)
        return [n + (spare * n / weight if c in growing else 0) for c, n in enumerate(natural)]
    widths = [0.0] * ncols
    open_cols = set(range(ncols))
    remaining = total
    while open_cols:
        share = remaining / len(open_cols)
        fixed = {c for c in open_cols if natural[c] <= share}
        if not fixed:
            for c in open_cols:
                widths[c] = share
            break
        for c in fixed:
            widths[c] = natural[c]
            remaining -= natural[c]
        open_cols -= fixed
    return widths


def _fit_size(text: str, font: str, size: float, width: float, smallest: float = 8) -> float:
    """``size``, or the size at which ``text`` fits on one line of ``width`` (not below ``smallest``)."""
    natural = stringWidth(text, font, size)
    return size if natural <= width else max(smallest, size * width / natural)


class _QRCode(Flowable):
    def __init__(self, url: str, size: float = QR_SIZE):
        super().__init__()
        self.matrix = qr_matrix(url)
        self.size = size

    def wrap(self, availWidth, availHeight):
        return self.size, self.size

    def draw(self):
        canvas = self.canv
        n = len(self.matrix)
        module = self.size / (n + 2 * QR_BORDER)
        canvas.saveState()
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for r, row in enumerate(self.matrix):
            y = self.size - (QR_BORDER + r + 1) * module
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    # Runs merged into one rectangle each; a hair of overlap closes seams.
                    path.rect((QR_BORDER + start) * module, y, (c - start) * module, module * 1.02)
                else:
                    c += 1
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


def _draw_seal(canvas, cx: float, cy: float, text: str, font: str) -> None:
    """A red seal outline: the text along the upper arc and a star in the middle."""
    r = SEAL_RADIUS
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeAlpha(0.85)
    canvas.setFillAlpha(0.85)
    canvas.setLineWidth(2.2)
    canvas.circle(cx, cy, r, stroke=1, fill=0)

    # Star
    star = canvas.beginPath()
    outer, inner = r * 0.26, r * 0.26 * 0.382
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        star.moveTo(x, y) if i == 0 else star.lineTo(x, y)
    star.close()
    canvas.drawPath(star, stroke=0, fill=1)

    chars = list(text)
    if chars:
        size = r * 0.3
        max_span = math.radians(250)
        # The character centres sit on a circle just inside the outline.
        text_r = r - 3 - size * 0.55
        step = size * 1.08 / text_r
        if step * len(chars) > max_span:
            step = max_span / len(chars)
            size = min(size, step * text_r / 1.02)
            text_r = r - 3 - size * 0.55
        span = step * len(chars)
        for i, ch in enumerate(chars):
            theta = math.pi / 2 + span / 2 - (i + 0.5) * step
            canvas.saveState()
            canvas.translate(cx + text_r * math.cos(theta), cy + text_r * math.sin(theta))
            canvas.rotate(math.degrees(theta - math.pi / 2))
            canvas.setFont(font, size)
            canvas.drawCentredString(0, -size * 0.36, ch)
            canvas.restoreState()
    canvas.restoreState()


class _Closing(Flowable):
    """Issuer and date on the right under the seal; QR code and caption on the left."""

    def __init__(self, notice: NoticeData, font: str, styles: dict[str, ParagraphStyle]):
        super().__init__()
        self.notice = notice
        self.font = font
        self.qr = _QRCode(notice.qr_url) if notice.qr_url else None
        self.caption = (
            Paragraph(_markup(notice.qr_caption), styles["caption"])
            if notice.qr_url and notice.qr_caption
            else None
        )
        self.caption_h = 0.0

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        left_h = 0.0
        self.left_w = 0.0
        if self.qr:
            left_h = self.left_w = QR_SIZE
            if self.caption:
                self.left_w = QR_SIZE * 1.9
                _, self.caption_h = self.caption.wrap(self.left_w, availHeight)
                left_h += 2 + self.caption_h
        right_h = 2 * SEAL_RADIUS + 8 if self.notice.seal_text else 2 * BODY_LEADING + 8
        self.height = 12 + max(left_h, right_h)
        return self.width, self.height

    def draw(self):
        canvas, n = self.canv, self.notice
        top = self.height - 12
        right_h = 2 * SEAL_RADIUS + 8 if n.seal_text else 2 * BODY_LEADING + 8
        # Issuer and date, right-aligned two characters in from the margin.
        right = self.width - 2 * BODY_SIZE
        mid_y = top - right_h / 2
        issuer_y = mid_y + 3
        date_y = issuer_y - BODY_LEADING
        widths = [stringWidth(s, self.font, BODY_SIZE) for s in (n.issuer, n.date_text)]
        if n.seal_text:
            # The seal goes down first so the black text stays legible on top of it.
            text_w = max(widths)
            cx = right - text_w / 2 if text_w else right - SEAL_RADIUS
            cx = min(cx, self.width - SEAL_RADIUS - 2)  # keep the circle inside the frame
            _draw_seal(canvas, cx, mid_y, n.seal_text, self.font)
        # A very long issuer name shrinks rather than run into the QR code.
        room = right - (self.left_w + 8 if self.qr else 0)
        canvas.saveState()
        canvas.setFillColor(colors.black)
        for text, y in ((n.issuer, issuer_y), (n.date_text, date_y)):
            if text:
                canvas.setFont(self.font, _fit_size(text, self.font, BODY_SIZE, room))
                canvas.drawRightString(right, y, text)
        canvas.restoreState()
        if self.qr:
            y = top - QR_SIZE
            self.qr.drawOn(canvas, 0, y)
            if self.caption:
                module = QR_SIZE / (len(self.qr.matrix) + 2 * QR_BORDER)
                self.caption.drawOn(canvas, QR_BORDER * module, y - 2 - self.caption_h)


def _rows_that_fit(rows: list[list[Paragraph]], widths: list[float], pad: float, empty: ParagraphStyle) -> list[list]:
    """The table's rows, a row taller than ``MAX_ROW_HEIGHT`` cut into
    continuation rows: ReportLab breaks a table between rows, never inside
    one, so a cell of a whole page's text (a long correction problem, a long
    name) continues in the row below, and the table onto the next page."""
    out = []
    for row in rows:
        pieces = []
        for cell, width in zip(row, widths):
            inner = width - 2 * pad
            todo, done = [cell], []
            while todo:
                part = todo.pop(0)
                _, height = part.wrap(inner, MAX_ROW_HEIGHT)
                if height <= MAX_ROW_HEIGHT:
                    done.append(part)
                    continue
                split = part.split(inner, MAX_ROW_HEIGHT)
                if len(split) < 2:  # cannot be cut (should not happen with CJK wrapping)
                    done.append(part)
                    break
                done.append(split[0])
                todo = split[1:] + todo
            pieces.append(done)
        for line in range(max(len(cell) for cell in pieces)):
            out.append([cell[line] if line < len(cell) else Paragraph("", empty) for cell in pieces])
    return out


def _section_flowables(section: Section, font: str, styles: dict[str, ParagraphStyle], width: float) -> list:
    out: list = []
    if section.heading:
        out.append(_BoldParagraph(_markup(section.heading), styles["heading"]))
    out.extend(Paragraph(_markup(p), styles["para"]) for p in section.paragraphs)
    if section.rows:
        ncols = max(len(row) for row in section.rows)
        rows = [list(row) + [""] * (ncols - len(row)) for row in section.rows]
        pad = 4
        widths = _col_widths(rows, font, styles["cell"].fontSize, width, pad)
        header, body = rows[0], rows[1:]
        data = [[_BoldParagraph(_markup(c), styles["cell"]) for c in header]]
        data += _rows_that_fit([[Paragraph(_markup(c), styles["cell"]) for c in row] for row in body], widths, pad,
                               styles["cell"])
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),  # else Tables reference Helvetica
                    ("GRID", (0, 0), (-1, -1), 0.6, GRID_GRAY),
                    ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), pad),
                    ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        out += [Spacer(1, 4), table, Spacer(1, 6)]
    return out


def _parties_table(notice: NoticeData, font: str, styles: dict[str, ParagraphStyle], width: float) -> Table:
    size = styles["label"].fontSize
    pad = 5
    label_w = max(stringWidth(p.label, font, size) for p in notice.parties) + 2 * pad + 2
    label_w = min(label_w, width * 0.35)
    data = _rows_that_fit(
        [[Paragraph(_markup(p.label), styles["label"]), Paragraph(_markup(p.value), styles["value"])]
         for p in notice.parties], [label_w, width - label_w], pad, styles["value"])
    table = Table(data, colWidths=[label_w, width - label_w], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID_GRAY),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def notice_pdf(notice: NoticeData) -> bytes:
    """The notice as a PDF (A4 portrait, CJK font embedded when one is installed)."""
    font = pdf_font_name()
    styles = _styles(font)
    width = A4[0] - 2 * MARGIN

    story: list = []
    # Issuer and title stay on one line each as long as they can (down to 12 pt).
    for text, key, cls in ((notice.issuer, "issuer", Paragraph), (notice.title, "title", _BoldParagraph)):
        if not text:
            continue
        style = styles[key]
        size = _fit_size(text, font, style.fontSize, width * 0.98, smallest=BODY_SIZE)
        if size != style.fontSize:
            style = ParagraphStyle(key, parent=style, fontSize=size, leading=style.leading * size / style.fontSize)
        story.append(cls(_markup(text), style))
    if notice.number:
        story.append(Paragraph(_markup(notice.number), styles["number"]))
    else:
        story.append(Spacer(1, 10))
    if notice.addressee:
        story.append(Paragraph(_markup(notice.addressee) + "：", styles["addressee"]))
    if notice.parties:
        story += [_parties_table(notice, font, styles, width), Spacer(1, 8)]
    for section in notice.sections:
        story += _section_flowables(section, font, styles, width)

    closing = _Closing(notice, font, styles)
    # Keep the closing with the last paragraph (or a short last table), so a page
    # never holds only the seal.
    last = len(story) - 1
    while last >= 0 and isinstance(story[last], Spacer):
        last -= 1
    tail = story[last] if last >= 0 else None
    if isinstance(tail, Paragraph) or (isinstance(tail, Table) and tail._nrows <= KEEP_TABLE_ROWS):
        story[last:] = [KeepTogether(story[last:] + [closing])]
    else:
        story.append(closing)

    footer = Paragraph(_markup(notice.footer), styles["footer"]) if notice.footer else None

    def decorate(canvas, doc):
        if footer:
            canvas.saveState()
            _, h = footer.wrap(width - 110, MARGIN)
            footer.drawOn(canvas, MARGIN, 12 * mm + 8 - h)
            canvas.restoreState()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=" ".join(part for part in (notice.title, notice.number) if part),
        author=notice.issuer,
        subject=notice.title,
        creator="govhall",
        lang="zh-CN",
        initialFontName=font,
        invariant=1,
        pageCompression=1,
    )
    # A frame without padding: text runs exactly from margin to margin.
    frame = Frame(MARGIN, MARGIN, width, A4[1] - 2 * MARGIN, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("notice", frames=[frame], onPage=decorate)])
    mark = f"{notice.number}　" if notice.number else ""
    doc.build(story, canvasmaker=lambda *args, **kwargs: _NumberedCanvas(*args, font=font, mark=mark, **kwargs))
    return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Holds each page until the last is laid out, then prints on every one
    "第 N 页 共 M 页" with the notice's number: a sheet that comes loose
    still says which notice it belongs to and that none is missing."""

    def __init__(self, *args, font: str, mark: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._font, self._mark, self._pages = font, mark, []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.saveState()
            self.setFillColor(FOOT_GRAY)
            self.setFont(self._font, 9)
            self.drawRightString(A4[0] - MARGIN, 12 * mm, f"{self._mark}第 {number} 页 共 {total} 页")
            self.restoreState()
            super().showPage()
        super().save()
