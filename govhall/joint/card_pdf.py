"""The printable tracking card (审批跟踪卡): an A6 page with the project's
name, its card number and the QR code leading to its workbench page, in
the notices' CJK font (govhall/documents, STACK-NOTES.md)."""

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from govhall.documents.fonts import pdf_font_name
from govhall.documents.pdf import _QRCode
from govhall.joint import tracking


def card_pdf(target) -> bytes:
    """The card of ``target`` (a joint case or a green-channel case) as PDF bytes."""
    font = pdf_font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15)
    name = target.theme.name if hasattr(target, "theme") else target.item_version.name
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A6), leftMargin=8 * mm, rightMargin=8 * mm,
                                 topMargin=8 * mm, bottomMargin=8 * mm, title=_("审批跟踪卡"))
    document.build([
        Paragraph(_("审批跟踪卡"), title),
        Paragraph(f"{_('卡号')}：{target.number}", body),
        Paragraph(f"{_('项目')}：{name}", body),
        Paragraph(f"{_('申请人')}：{target.applicant_name}", body),
        Paragraph(_("办事时请出示本卡，窗口刷卡即可查看办理进度。"), body),
        Spacer(1, 3 * mm),
        _QRCode(tracking.card_url(target.number)),
    ])
    return buffer.getvalue()
