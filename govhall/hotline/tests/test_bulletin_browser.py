"""The operation bulletin's page in a real browser: the charts are drawn
by the local ECharts file under the Content Security Policy, and a figure
opens its orders."""

import pytest

from govhall.web.tests.browser import ARTIFACTS, BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

from . import test_hotline_bulletin

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]
month = test_hotline_bulletin.month  # the hand-built month (a fixture)


def test_the_manager_reads_the_bulletin_and_opens_a_figures_orders(page, live_server, line, month):  # noqa: F811
    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/workbench/hotline/bulletin/?month=2026-03")
    for chart in ("channel", "type", "category", "ranking"):
        page.wait_for_selector(f'[data-chart="chart-{chart}"] svg')
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hotline-bulletin.png"), full_page=True)
    page.get_by_role("link", name="直接办结率").click()
    page.wait_for_url("**/workbench/hotline/?*direct=1*")
    assert page.locator("table.orders tbody tr").count() == 1
    assert month["o3"].number in page.content()
