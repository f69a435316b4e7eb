"""A notice (制式文书) as plain data, and its plain-text rendering.

``cases`` builds a :class:`NoticeData`; ``pdf.notice_pdf`` prints it and
:func:`notice_text` gives the same content, in the same order, as text (the
portal's HTML view, tests). Nothing here knows about cases or Django.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Party:
    label: str  # e.g. "申请人"
    value: str  # e.g. "张三（身份证件号码 1101**********0011）"


@dataclass(frozen=True)
class Section:
    heading: str = ""  # optional bold heading, e.g. "需要补正的材料"
    paragraphs: tuple[str, ...] = ()  # plain text, no markup
    rows: tuple[tuple[str, ...], ...] = ()  # optional table; first row is the header


@dataclass(frozen=True)
class NoticeData:
    title: str  # e.g. "受理通知书"
    number: str  # e.g. "广安区审批受〔2026〕00012号"
    issuer: str  # issuing department's full name
    date_text: str  # "2026年3月2日"
    addressee: str  # "张三" (the colon is added when rendering)
    parties: tuple[Party, ...] = ()  # facts block: case number, item, query code …
    sections: tuple[Section, ...] = ()
    qr_url: str = ""  # verification page encoded in the QR code; no QR when ""
    qr_caption: str = ""  # e.g. "扫码核验本文书真伪"
    footer: str = ""  # small print on every page
    seal_text: str = ""  # text in the place of the seal (drawn as a red circle)


INDENT = "\u3000\u3000"  # two full-width spaces: the first-line indent of 公文 paragraphs


def notice_text(notice: NoticeData) -> str:
    """The notice as plain text, in the order the PDF prints it.

    Blank lines separate blocks; paragraphs start with two full-width spaces;
    table rows are cells joined by `` | ``. The seal is graphical and left out.
    """
    blocks: list[list[str]] = []
    head = [notice.issuer, notice.title, notice.number]
    blocks.append([line for line in head if line])
    if notice.addressee:
        blocks.append([f"{notice.addressee}："])
    if notice.parties:
        blocks.append([f"{p.label}：{p.value}" for p in notice.parties])
    for section in notice.sections:
        lines: list[str] = []
        if section.heading:
            lines.append(section.heading)
        lines.extend(INDENT + p for p in section.paragraphs)
        lines.extend(" | ".join(row) for row in section.rows)
        if lines:
            blocks.append(lines)
    closing = [line for line in (notice.issuer, notice.date_text) if line]
    if closing:
        blocks.append(closing)
    if notice.qr_url:
        caption = notice.qr_caption or "核验地址"
        blocks.append([f"{caption}：{notice.qr_url}"])
    if notice.footer:
        blocks.append([notice.footer])
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
