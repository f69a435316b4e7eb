"""Under the Content Security Policy, in a real browser: what the pages once
did inline works from site.js, and the pages that bring their own script
(the API docs, the admin) still run. The ``page`` fixture fails any test in
which the browser refused something by the policy."""

import pytest

from govhall.cases.tests.conftest import desk  # noqa: F401  (fixture)
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]


def test_the_language_switch_submits_itself(page, live_server):  # noqa: F811
    page.goto(f"{live_server.url}/")
    # The choice submits the form from site.js: wait for the page it leads
    # to (waiting for the load state returned before that navigation began).
    with page.expect_navigation():
        page.select_option("#lang", "en")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_error_pages_way_back_goes_back(page, live_server):  # noqa: F811
    page.goto(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/no-such-page/")
    page.get_by_role("link", name="返回上一页").click()
    page.wait_for_url(f"{live_server.url}/login/")


def test_the_api_docs_page_draws_the_schema(page, live_server, hall):  # noqa: F811
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "govhall API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10  # the operations, drawn by its script


def test_the_admin_works_under_the_policy(page, live_server, hall):  # noqa: F811
    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/org/user/")
    page.locator("#result_list").wait_for()
    page.locator("#action-toggle").check()  # the admin's own script ticks every row
    assert page.locator("input.action-select:checked").count() == page.locator("input.action-select").count() > 1


def test_the_guides_print_button_prints(page, live_server, desk):  # noqa: F811
    page.add_init_script("window.print = () => { window.printed = true; };")
    page.goto(f"{live_server.url}/items/{desk.item.code}/")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") is True
