"""Notices (制式文书) as plain data, printed to PDF or plain text.

A renderer at the bottom of govhall: it imports no domain app. ``cases``
builds a :class:`NoticeData` and calls :func:`notice_pdf` / :func:`notice_text`.
"""

from govhall.documents.notice import NoticeData, Party, Section, notice_text
from govhall.documents.pdf import notice_pdf

__all__ = ["NoticeData", "Party", "Section", "notice_pdf", "notice_text"]
