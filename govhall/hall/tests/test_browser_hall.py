"""The hall in a real browser: a person takes a number at the kiosk and gets
a ticket with his place in line; the clerk of window 01 calls it from the
calling panel; the hall display, polling on its own, shows the number and
the window. Screenshots land in /tmp/hall-*.png for a person to look at."""

import re
from pathlib import Path

import pytest

from govhall.core import clock
from govhall.hall import services as hall_services
from govhall.org import services as org
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

pytestmark = BROWSER
SHOTS = Path("/tmp")


@pytest.fixture
def open_hall(hall):
    """The persona hall's district with category A at the comprehensive
    window, its clerk signed in now (the live server runs on the real clock)."""
    hall.cat_a = hall_services.category_create(actor=hall.manager, center=hall.district, code="A", name="综合业务")
    hall_services.window_categories_set(actor=hall.manager, window=hall.comprehensive, categories=[hall.cat_a])
    org.attendance_check_in(staff=hall.clerk, at=clock.now())
    return hall


@pytest.mark.django_db(transaction=True)
def test_a_number_from_the_kiosk_is_called_and_shown_on_the_display(browser, page, live_server, open_hall):  # noqa: F811
    hall = open_hall
    kiosk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    kiosk.set_default_timeout(10_000)
    kiosk.goto(f"{live_server.url}/hall/{hall.district.code}/kiosk/")
    kiosk.get_by_role("button", name=re.compile("综合业务")).click()
    kiosk.wait_for_url(re.compile(r"/hall/ticket/[^/]+/$"))
    assert kiosk.get_by_test_id("ticket-number").inner_text() == "A001"
    assert "前面还有 0 人等候" in kiosk.get_by_test_id("ticket-place").inner_text()
    kiosk.screenshot(path=str(SHOTS / "hall-ticket.png"), full_page=True)

    display = page  # the fixture's page: it also checks that the Content Security Policy refuses nothing
    display.set_default_timeout(10_000)
    display.goto(f"{live_server.url}/hall/{hall.district.code}/display/")
    assert display.locator(".display-number").count() == 0

    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    clerk.set_default_timeout(10_000)
    log_in(clerk, live_server, "clerk")
    clerk.get_by_role("link", name="窗口叫号").click()
    assert clerk.get_by_test_id("waiting-A").inner_text() == "1"
    clerk.get_by_role("button", name="叫下一位").click()
    assert clerk.get_by_test_id("panel-number").inner_text() == "A001"
    clerk.screenshot(path=str(SHOTS / "hall-panel.png"), full_page=True)

    # The display updates itself (htmx polling every 2 s), no reload.
    display.locator(".display-number", has_text="A001").wait_for()
    assert display.locator(".display-call.latest .display-window").inner_text() == "01 号窗口"
    display.get_by_role("button", name="开启语音叫号").click()
    assert display.get_by_role("button", name="关闭语音叫号").get_attribute("aria-pressed") == "true"
    display.screenshot(path=str(SHOTS / "hall-display.png"), full_page=True)

    # The person's ticket page, refreshed, sends him to the window.
    kiosk.reload()
    assert kiosk.get_by_test_id("ticket-place").inner_text() == "请到 01 号窗口"


@pytest.mark.django_db(transaction=True)
def test_the_touch_screen_guide_keeps_the_person_on_the_screen(page, live_server, open_hall):  # noqa: F811
    """导办屏: a search, an item's guide on the screen, the big 返回 back to
    the search, the progress query on the screen — never a portal page."""
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec
    from govhall.core.actors import SYSTEM

    item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    guide = f"{live_server.url}/hall/{open_hall.district.code}/guide/"
    page.set_default_timeout(10_000)
    page.goto(guide)
    page.get_by_label(re.compile("您要办什么")).fill("开饭店")
    page.get_by_role("button", name="查找").click()
    page.get_by_test_id("guide-item-link").first.click()
    page.wait_for_url(re.compile(r"/guide/items/[^/]+/"))
    assert "区政务服务中心二楼 15号窗口" in page.get_by_test_id("guide-item").inner_text()
    page.screenshot(path=str(SHOTS / "hall-guide-item.png"), full_page=True)
    page.get_by_test_id("guide-back").click()
    page.wait_for_url(re.compile(r"/guide/\?q="))
    assert page.get_by_label(re.compile("您要办什么")).input_value() == "开饭店"
    page.get_by_test_id("guide-progress").click()
    page.wait_for_url(re.compile(r"/guide/progress/$"))
    page.get_by_label("办件编号或联办编号").fill("NO-SUCH")
    page.get_by_label(re.compile("查询码")).fill("WRONG")
    page.get_by_role("button", name="查询").click()
    assert "办件编号或查询码不正确" in page.get_by_role("alert").inner_text()
    assert page.url.startswith(guide)
    page.get_by_test_id("guide-back").click()
    page.wait_for_url(guide)
