"""``govhall report``: the month of conftest.py as Excel and PDF."""

import shutil
import subprocess

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from govhall.stats.report import report_build, series_for
from govhall.stats.periods import Period
from govhall.stats.tests.conftest import MARCH, TODAY
from govhall.cases.tests.conftest import at
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action, WindowKind


@pytest.fixture
def frozen(desk):  # after the desk, whose clock stands at 2026-03-02
    # The command reads today from the clock; March is long over.
    with time_machine.travel(at("2026-04-15 09:00"), tick=False):
        yield


def test_the_xlsx_report(attendance, frozen, tmp_path):
    out = tmp_path / "2026-03.xlsx"
    call_command("report", month="2026-03", out=str(out))
    book = load_workbook(out)
    assert book.sheetnames == ["指标", "部门", "红旗窗口", "监察预警", "办件量"]
    sheet = book["指标"]
    # The whole installation: named by its top center.
    assert sheet["A1"].value == "示例市政务服务中心政务服务运行情况月报（2026年3月）"
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(5, sheet.max_row + 1)}
    assert values["受理量"] == 11 and values["办结量"] == 6 and values["期末在办超期"] == 3
    assert values["按期办结率"] == pytest.approx(5 / 9)
    assert values["收费金额（元）"] == 50.0
    assert sheet.cell(row=5 + list(values).index("按期办结率"), column=2).number_format == "0.0%"
    departments = book["部门"]
    rows = {departments.cell(row=r, column=1).value: r for r in range(5, departments.max_row + 1)}
    a = rows["示例区行政审批局"]
    assert departments.cell(row=a, column=2).value == 10  # accepted
    assert departments.cell(row=a, column=13).value == 67.9 and departments.cell(row=a, column=14).value == "合格"
    ranking = book["红旗窗口"]
    assert [ranking.cell(row=r, column=c).value for r in (5, 6) for c in (1, 2, 3, 11)] == [
        1, "01 综合窗口", 80.3, "★", 2, "02 综合窗口二", 74.3, None]
    alerts = book["监察预警"]
    assert [alerts.cell(row=5, column=c).value for c in range(1, 6)] == ["case.deadline", "办件临近或超过承诺时限", 1, 2, 3]
    assert len(departments._charts) == 2 and len(ranking._charts) == 1 and len(alerts._charts) == 1
    assert len(book["办件量"]._charts) == 1 and book["办件量"]["A5"].value == "03-01"


def test_the_pdf_report(attendance, frozen, tmp_path):
    out = tmp_path / "2026-03.pdf"
    call_command("report", month="2026-03", out=str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # the embedded TrueType CJK font
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True).stdout.decode()
        assert "政务服务运行情况月报" in text and "红旗窗口" in text and "按期办结率" in text
        assert "55.6%" in text  # 5 / 9


def test_a_center_and_a_quarter(month, frozen, tmp_path):
    out = tmp_path / "town.xlsx"
    call_command("report", quarter="2026-Q1", center="T1", out=str(out))
    sheet = load_workbook(out)["指标"]
    assert sheet["A1"].value == "示例镇便民服务中心政务服务运行情况季报（2026年第1季度）"
    assert sheet["B6"].value == 1  # 受理量: c11 only


@pytest.mark.parametrize("arguments, message", [
    ({"month": "2026-13", "out": "x.xlsx"}, "--month"),
    ({"month": "March", "out": "x.xlsx"}, "--month"),
    ({"quarter": "2026-Q5", "out": "x.pdf"}, "--quarter"),
    ({"month": "2026-03", "out": "x.docx"}, "--out"),
    ({"month": "2026-03", "out": "/no/such/folder/x.pdf"}, "--out"),
    ({"month": "2026-03", "out": "x.pdf", "center": "NOPE"}, "--center"),
    ({"month": "1990-01", "out": "x.pdf"}, "--month"),
])
def test_bad_arguments_are_named(db, tmp_path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("report", **arguments)
    assert not list(tmp_path.iterdir())


def test_the_command_line_demands_a_period(db):
    with pytest.raises(CommandError):
        call_command("report", out="x.pdf")


@pytest.mark.parametrize("reader, where", [
    (None, "示例市政务服务中心"),  # the command line: the whole installation
    ("supervisor", "示例市政务服务中心"),
    ("admin", "示例市政务服务中心"),
    ("manager", "示例区政务服务中心"),  # a center manager: their center (and those below)
    ("town_manager", "示例镇便民服务中心"),
    ("head", "示例区行政审批局"),  # department staff: their department
    ("clerk_b", "示例区住房和城乡建设局"),
    ("clerk", "示例区行政审批局"),  # a comprehensive window's clerk authorized for A only
])
def test_the_report_without_a_chosen_center_names_what_the_reader_covers(month, reader, where):
    user = getattr(month.hall, reader) if reader else None
    report = report_build(user=user, period=MARCH, today=TODAY)
    assert report.title == f"{where}政务服务运行情况月报（2026年3月）" and report.scope == where


def test_the_report_of_a_clerk_working_for_several_departments_names_them(month):
    h = month.hall
    org.authorization_grant(actor=SYSTEM, staff=h.clerk2, department=h.dept_b, action=Action.ACCEPT)
    report = report_build(user=h.clerk2, period=MARCH, today=TODAY)
    assert report.title == "示例区政务服务中心（审批局、住建局）政务服务运行情况月报（2026年3月）"
    # A chosen center is named, with the departments the figures are limited to.
    report = report_build(user=h.clerk_b, period=MARCH, today=TODAY, center=h.town)
    assert report.scope == "示例镇便民服务中心（住建局）"


def test_a_window_without_cases_is_listed_as_no_data_after_the_ranking(month, frozen, tmp_path):
    h = month.hall
    org.window_create(actor=SYSTEM, center=h.district, number="03", name="综合窗口三", kind=WindowKind.COMPREHENSIVE)
    out = tmp_path / "2026-03.xlsx"
    call_command("report", month="2026-03", out=str(out))
    ranking = load_workbook(out)["红旗窗口"]
    rows = [[ranking.cell(row=r, column=c).value for c in (1, 2, 3, 4)] for r in range(5, ranking.max_row + 1)]
    assert [row[0] for row in rows] == [1, 2, 3, None]
    assert rows[-1] == [None, "03 综合窗口三", "无数据", None]


def test_long_periods_are_drawn_by_week(month):
    report = report_build(user=None, period=Period.quarter(2026, 1), today=TODAY)
    assert len(report.series) == 14  # 2025-12-29 … 2026-03-30
    assert report.series[0][0] == "12-29 周" and sum(a for _l, a, _c in report.series) == 12
    assert series_for(MARCH, [])[:1] == []
