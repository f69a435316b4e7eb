"""The dashboard in a real browser: the charts draw from the local ECharts
and a click on a bar opens the cases behind it (skipped without Chromium)."""

import pytest
import time_machine

from govhall.cases.tests.conftest import at
from govhall.web.tests.browser import ARTIFACTS, BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

pytestmark = BROWSER


@pytest.mark.django_db(transaction=True)
def test_a_click_on_a_bar_lists_its_cases(page, live_server, attendance):  # noqa: F811
    c = attendance.cases
    with time_machine.travel(at("2026-04-15 09:00"), tick=True):
        log_in(page, live_server, "supervisor")
        page.goto(f"{live_server.url}/workbench/stats/?period=month&month=2026-03")
        chart = page.locator("[data-chart=chart-volumes]")
        chart.locator("svg").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "stats-dashboard.png"), full_page=True)
        assert page.locator(".chart svg").count() == 7
        chart.scroll_into_view_if_needed()
        # The bar of March 2 (4 accepted), a little below its top.
        x, y = page.evaluate("""() => {
            const el = document.querySelector('[data-chart=chart-volumes]');
            const box = el.getBoundingClientRect();
            const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [1, 2]);
            return [box.left + px - 3, box.top + py];
        }""")
        page.mouse.click(x, y)
        page.wait_for_url("**/workbench/stats/cases/**")
        assert "day=2026-03-02" in page.url
        text = page.locator("main").inner_text()
        assert "共 4 件" in text and all(c[name].number in text for name in ("c1", "c2", "c3", "c6"))
