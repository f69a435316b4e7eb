"""The statistics pages of the workbench on the month of conftest.py."""

import io
import json
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from govhall.cases.tests.conftest import at
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import CenterLevel, WindowKind
from govhall.org.roles import Role
from govhall.test import PASSWORD

MARCH = {"period": "month", "month": "2026-03"}


@pytest.fixture(autouse=True)
def frozen(desk):  # after the desk, whose clock stands at 2026-03-02
    with time_machine.travel(at("2026-04-15 09:00"), tick=False):
        yield


def page(client, user, name, params=None, status=200):
    client.force_login(user)
    answer = client.get(reverse(name), params or {})
    assert answer.status_code == status, answer.content.decode()[:2000]
    return answer.content.decode()


def chart(html: str, name: str) -> dict:
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match[1])


def test_the_dashboard_of_the_whole_hall(client, attendance):
    h = attendance.hall
    html = page(client, h.supervisor, "stats_dashboard", MARCH)
    assert "2026年3月" in html and "按期办结率" in html
    assert "55.6%" in html  # 5 / 9
    # ECharts from our own static files, nothing from another host.
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]*)"', html))
    volumes = chart(html, "volumes")
    assert sum(point["value"] for point in volumes["series"][0]["data"]) == 11
    # Every point links to its cases: March 2 → the four accepted that day.
    march_2 = volumes["series"][0]["data"][1]
    assert march_2["value"] == 4 and "indicator=accepted" in march_2["url"] and "day=2026-03-02" in march_2["url"]
    listed = client.get(march_2["url"]).content.decode()
    assert all(case.number in listed for case in (attendance.cases[n] for n in ("c1", "c2", "c3", "c6")))
    alerts = chart(html, "alerts")
    assert alerts["yAxis"]["data"][0] == "办件临近或超过承诺时限"
    assert "report.xlsx?" in html and "report.pdf?" in html


def test_the_first_visit_shows_this_month(client, attendance):
    html = page(client, attendance.hall.manager, "stats_dashboard")
    assert "2026年4月" in html


def test_a_department_user_sees_its_own_department(client, attendance):
    h = attendance.hall
    html = page(client, h.clerk_b, "stats_dashboard", MARCH)
    tiles = dict(re.findall(r'<span class="tile-label">(.*?)</span><span class="tile-value">(.*?)</span>', html))
    assert tiles["受理量"] == "1" and tiles["按期办结率"] == "0.0%" and tiles["期末在办超期"] == "1"
    assert "审批局" not in html.split('<form method="get"')[1].split("</form>")[0]  # not even as a choice
    # Asking for department A by its id is an error on that field, not A's figures.
    html = page(client, h.clerk_b, "stats_dashboard", {**MARCH, "department": h.dept_a.pk}, status=400)
    assert 'id="id_department_error"' in html


@pytest.mark.parametrize("params, field", [
    ({"period": "month", "month": "2026-13"}, "month"),
    ({"period": "month", "month": "三月"}, "month"),
    ({"period": "range", "start": "2026-03-01"}, "end"),
    ({"period": "range", "start": "2026-03-10", "end": "2026-03-01"}, "end"),
    ({"period": "range", "start": "2024-01-01", "end": "2026-03-01"}, "end"),
    ({"period": "range", "start": "1990-01-01", "end": "1990-01-31"}, "start"),
    ({"period": "quarter", "quarter": "2026-Q9"}, "quarter"),
    ({**MARCH, "center": "999999"}, "center"),
    ({**MARCH, "window": "abc"}, "window"),
    ({**MARCH, "item": "NO-SUCH-ITEM"}, "item"),
])
def test_bad_filters_are_named(client, month, params, field):
    html = page(client, month.hall.supervisor, "stats_dashboard", params, status=400)
    assert f'id="id_{field}_error"' in html


def test_filters_by_item_code_and_window(client, attendance):
    h = attendance.hall
    html = page(client, h.supervisor, "stats_dashboard", {**MARCH, "item": h.fee_item.item.code})
    tiles = dict(re.findall(r'<span class="tile-label">(.*?)</span><span class="tile-value">(.*?)</span>', html))
    assert tiles["受理量"] == "1" and tiles["收费金额（元）"] == "50.00"
    html = page(client, h.supervisor, "stats_dashboard", {**MARCH, "window": h.window2.pk})
    tiles = dict(re.findall(r'<span class="tile-label">(.*?)</span><span class="tile-value">(.*?)</span>', html))
    assert tiles["受理量"] == "3" and tiles["按期办结率"] == "50.0%"


def test_the_cases_behind_a_figure(client, attendance):
    h, c = attendance.hall, attendance.cases
    html = page(client, h.supervisor, "stats_cases", {**MARCH, "indicator": "overdue_open"})
    assert "期末在办超期" in html and "共 3 件" in html
    for name in ("c4", "c12", "c13"):
        assert reverse("case_detail", args=[c[name].pk]) in html
    assert c["c1"].number not in html
    # The same list for clerk_b: only B's c12.
    html = page(client, h.clerk_b, "stats_cases", {**MARCH, "indicator": "overdue_open"})
    assert c["c12"].number in html and c["c4"].number not in html
    html = page(client, h.supervisor, "stats_cases", {**MARCH, "indicator": "alerts", "rule": "case.deadline",
                                                      "severity": "red"})
    assert c["c3"].number in html and c["c12"].number in html and c["c4"].number not in html


@pytest.mark.parametrize("params, message", [
    ({**MARCH, "indicator": "everything"}, "指标"),
    ({**MARCH}, "指标"),
    ({**MARCH, "indicator": "rated", "level": "9"}, "评价等级"),
    ({**MARCH, "indicator": "alerts", "rule": "<script>"}, "规则"),
    ({**MARCH, "indicator": "accepted", "day": "yesterday"}, "日期"),
])
def test_bad_case_lists_say_which_field(client, month, params, message):
    html = page(client, month.hall.supervisor, "stats_cases", params, status=400)
    assert f"<li>{message}：" in html


def test_scores_and_red_flags(client, attendance):
    h = attendance.hall
    html = page(client, h.supervisor, "stats_scores", MARCH)
    assert "80.3" in html and "★" in html and "67.9" in html and "合格" in html
    assert "窗口工作人员绩效" in html and "68.2" in html  # clerk's own score
    assert "100 × (40×0.600 + 30×1.000 + 20×1.000 + 10×0.833) / 100 − 2 = 80.3" in html
    # A clerk sees departments and windows of their scope, not colleagues' scores.
    html = page(client, h.clerk_b, "stats_scores", MARCH)
    assert "窗口工作人员绩效" not in html and "12.3" in html and "综合窗口二" not in html
    # A quarter by default.
    assert "2026年第2季度" in page(client, h.manager, "stats_scores")


def options(html: str, name: str) -> list[str]:
    """The labels of the choices of the filter ``name`` (the empty one left out)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)[1]
    return [label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select) if value]


def test_the_filters_tell_windows_staff_and_departments_apart(client, month):
    h = month.hall
    town2 = org.center_create(actor=SYSTEM, code="T2", name="示例二镇便民服务中心", level=CenterLevel.TOWN,
                              parent=h.district)
    for town in (h.town, town2):
        org.window_create(actor=SYSTEM, center=town, number="01", name="便民服务综合窗口",
                          kind=WindowKind.COMPREHENSIVE)
    for username, department in (("lina_a", h.dept_a), ("lina_b", h.dept_b)):
        org.user_create(actor=SYSTEM, username=username, password=PASSWORD, role=Role.REVIEWER, full_name="李娜",
                        department=department)
    org.department_create(actor=SYSTEM, center=h.town, code="TA", name="示例镇行政审批办", short_name="审批局")
    html = page(client, h.supervisor, "stats_dashboard", MARCH)
    windows = options(html, "window")
    assert "示例镇便民服务中心 · 01 便民服务综合窗口" in windows
    assert "示例二镇便民服务中心 · 01 便民服务综合窗口" in windows
    assert "示例区政务服务中心 · 01 综合窗口" in windows
    staff = options(html, "staff")
    assert "李娜（审批局）" in staff and "李娜（住建局）" in staff
    departments = options(html, "department")
    assert "示例区行政审批局" in departments and "示例镇行政审批办" in departments
    for labels in (windows, staff, departments, options(html, "center")):
        assert len(labels) == len(set(labels)), labels
    # The town manager's windows are all the town's: no center needed.
    assert options(page(client, h.town_manager, "stats_dashboard", MARCH), "window") == ["01 便民服务综合窗口"]
    # The scores page uses the same filters.
    assert "示例二镇便民服务中心 · 01 便民服务综合窗口" in options(page(client, h.supervisor, "stats_scores", MARCH),
                                                              "window")


def test_a_window_without_cases_shows_no_data_on_the_scores_page(client, attendance):
    h = attendance.hall
    idle = org.window_create(actor=SYSTEM, center=h.district, number="03", name="综合窗口三",
                             kind=WindowKind.COMPREHENSIVE)
    html = page(client, h.supervisor, "stats_scores", MARCH)
    table = html.split('id="windows"')[1].split('id="departments"')[0]
    ranked, unranked = table.split('<tbody class="unranked">')
    assert "80.3" in ranked and str(idle) not in ranked
    row = unranked.split("</tr>")[1]
    assert str(idle) in row and "<strong>无数据</strong>" in row and "优秀" not in row
    assert re.search(r"<td>—</td>", row)  # no rank


def test_the_report_downloads(client, attendance):
    h = attendance.hall
    client.force_login(h.manager)
    answer = client.get(reverse("stats_report", args=["xlsx"]), MARCH)
    assert answer.status_code == 200 and 'filename="govhall-report-2026-03.xlsx"' in answer["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.content))["指标"]
    # No center chosen: the manager's own center names the report.
    assert sheet["A1"].value == "示例区政务服务中心政务服务运行情况月报（2026年3月）"
    answer = client.get(reverse("stats_report", args=["pdf"]), {**MARCH, "center": h.town.pk})
    assert answer["Content-Type"] == "application/pdf" and answer.content.startswith(b"%PDF")
    assert client.get(reverse("stats_report", args=["pdf"]), {"month": "2026-99"}).status_code == 400


def test_who_may_see_statistics(client, month):
    h = month.hall
    assert page(client, h.applicant, "stats_dashboard", status=403) is not None
    client.logout()
    assert client.get(reverse("stats_dashboard")).status_code == 302
    home = page(client, h.clerk, "home")
    assert reverse("stats_dashboard") in home and reverse("stats_scores") in home
    assert reverse("stats_dashboard") not in page(client, h.applicant, "home")


def test_a_backlog_beyond_a_pages_share_is_left_to_the_worker(client, month, monkeypatch, settings,
                                                              django_capture_on_commit_callbacks):
    """A page takes on a backlog of at most its share of source rows; after a
    bulk load it reads none, says how old its figures are, and enqueues the
    worker's refresh; with no rollups yet it does not build them itself."""
    from django_tasks_db.models import DBTaskResult

    from govhall.cases.models import Case
    from govhall.evaluation.models import Rating
    from govhall.stats import rollup
    from govhall.stats.models import RollupMark
    from govhall.stats.tasks import rollup_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the worker's queue
    h = month.hall
    rollup.rollups_refresh()
    assert "数据截至" not in page(client, h.supervisor, "stats_dashboard", MARCH)
    monkeypatch.setattr(rollup, "REQUEST_BATCH", 2)
    unrated = Case.objects.exclude(pk__in=Rating.objects.values("case_id")).order_by("pk")[:5]
    ratings = [Rating.objects.create(case=case, level=5, channel="portal", rated_at=at("2026-03-30 09:00"),
                                     department=case.department, window=case.window, staff=case.accepted_by)
               for case in unrated]
    assert len(ratings) == 5
    with django_capture_on_commit_callbacks(execute=True):
        html = page(client, h.supervisor, "stats_dashboard", MARCH)
    assert "数据截至 2026-04-15 09:00" in html and "正在后台汇总" in html
    assert RollupMark.objects.get(name="ratings").last_id < ratings[0].pk  # more than a page's share: none read
    assert DBTaskResult.objects.filter(task_path=rollup_task.module_path, status="READY").count() == 1
    rollup_task.call(reschedule=False)  # the worker catches up
    assert RollupMark.objects.get(name="ratings").last_id == ratings[-1].pk
    assert "数据截至" not in page(client, h.supervisor, "stats_dashboard", MARCH)
    case = Case.objects.exclude(pk__in=Rating.objects.values("case_id")).order_by("pk").first()
    again = Rating.objects.create(case=case, level=1, channel="portal", rated_at=at("2026-03-30 10:00"),
                                  department=case.department, window=case.window, staff=case.accepted_by)
    assert "数据截至" not in page(client, h.supervisor, "stats_dashboard", MARCH)  # within the share: read at once
    assert RollupMark.objects.get(name="ratings").last_id == again.pk
    RollupMark.objects.all().delete()  # no rollups (a migration started them over): more cases than a page's share
    with django_capture_on_commit_callbacks(execute=True):
        html = page(client, h.supervisor, "stats_scores", MARCH)
    assert "统计数据正在后台首次生成" in html and not RollupMark.objects.exists()
