"""Blank application forms and filled samples for the demo's materials.

Real centers publish their own forms (usually Word or Excel); the demo makes
a plain Excel form per material so that the portal's downloads are real
files an applicant could fill in.
"""

import functools
import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

FIELDS = [
    ("申请人（单位）名称", "张三"),
    ("统一社会信用代码 / 身份证件号码", "511602199001010014"),
    ("法定代表人（负责人）", "张三"),
    ("联系电话", "13912345678"),
    ("通讯地址", "四川省广安市广安区示例路 1 号"),
    ("申请事项", None),
    ("申请内容及理由", "（示例）按办事指南要求申请办理。"),
    ("申请人签名（盖章）", "张三"),
    ("申请日期", "2026 年 11 月 23 日"),
]


TITLE, ITEM = "@@TITLE@@", "@@ITEM@@"


def material_form_xlsx(*, item_name: str, material_name: str, sample: bool) -> bytes:
    """An A4 form for one material: blank, or filled with sample values.

    openpyxl takes ~25 ms to style and save a workbook; the demo needs a few
    hundred, so the styled workbook is built once with placeholders and each
    form only rewrites the placeholders in the sheet's XML (~2 ms).
    """
    base = _base_form(sample)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename.startswith("xl/worksheets/") or entry.filename == "xl/sharedStrings.xml":
                text = data.decode("utf-8").replace(TITLE, escape(material_name)).replace(ITEM, escape(item_name))
                data = text.encode("utf-8")
            target.writestr(entry, data)
    return out.getvalue()


@functools.cache
def _base_form(sample: bool) -> bytes:
    item_name, material_name = ITEM, TITLE
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申请表"
    thin = Side(style="thin")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 56
    sheet.merge_cells("A1:B1")
    sheet["A1"] = material_name + ("（示例样表）" if sample else "")
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells("A2:B2")
    sheet["A2"] = f"办理事项：{item_name}" + ("　　本表为示例，仅供参考。" if sample else "")
    for row, (label, value) in enumerate(FIELDS, start=3):
        sheet.cell(row, 1, label).font = Font(bold=True)
        filled = item_name if value is None else value
        sheet.cell(row, 2, filled if sample or value is None else "")
        for column in (1, 2):
            sheet.cell(row, column).border = Border(left=thin, right=thin, top=thin, bottom=thin)
            sheet.cell(row, column).alignment = Alignment(vertical="center", wrap_text=True)
        sheet.row_dimensions[row].height = 30
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
