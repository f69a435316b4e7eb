"""A person in a real browser: headless Debian Chromium driven by Playwright.

Skipped when /usr/bin/chromium is absent; .ci/run installs it. Screenshots
land in test-artifacts/ for a person to look at.
"""

import os
from pathlib import Path

import pytest

from govhall.test import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # would otherwise refuse to be called from it in the live-server fixtures.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/workbench/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["admin", "manager", "clerk", "clerk_b", "reviewer", "supervisor", "hotline", "applicant"])
def test_each_role_logs_in_and_sees_its_home(page, live_server, hall, persona):
    log_in(page, live_server, persona)
    user = getattr(hall, persona)
    assert page.get_by_role("heading", name=f"您好，{user.display_name}").is_visible()
    assert user.get_role_display() in page.locator("header").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{persona}.png"), full_page=True)
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")


@pytest.mark.django_db(transaction=True)
def test_clerk_computes_a_deadline_across_national_day(page, live_server, hall):
    log_in(page, live_server, "clerk")
    page.get_by_role("link", name="工作日与期限计算").click()
    page.wait_for_url(f"{live_server.url}/calendar/")
    page.wait_for_load_state()  # htmx (a deferred script) is ready
    page.get_by_label("起算日（如受理日）").fill("2025-09-26")
    page.get_by_label("时限（工作日）").fill("5")
    page.get_by_role("button", name="计算期限").click()
    result = page.get_by_test_id("deadline")
    result.wait_for()
    # Answered in place by htmx: the URL did not change.
    assert page.url.endswith("/calendar/")
    assert result.inner_text().startswith("2025-10-10")
    page.screenshot(path=str(ARTIFACTS / "calendar-deadline.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_wrong_passwords_lock_the_account(page, live_server, hall, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill("reviewer")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("reviewer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("heading", name="账户已暂时锁定").is_visible()


@pytest.mark.django_db(transaction=True)
def test_applicant_searches_opens_a_guide_and_downloads_a_form(page, live_server, hall):
    from govhall.catalog.services import item_create, item_publish, material_attach_form
    from govhall.catalog.tests.factories import complete_spec
    from govhall.demo.forms import material_form_xlsx

    item = item_create(actor=None, spec=complete_spec("A"))
    draft = item.versions.get()
    material = draft.materials.get(order=1)
    material_attach_form(actor=None, material=material, kind="template", filename="t.xlsx",
                         content=material_form_xlsx(item_name=draft.name, material_name=material.name, sample=False))
    item_publish(actor=None, version=draft)

    page.goto(live_server.url + "/")
    page.get_by_label("搜索事项").fill("开饭店")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="食品经营许可（仅销售预包装食品除外）").click()
    assert page.get_by_role("heading", name="申请材料").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-guide.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="空白表格").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert Path(download.path()).read_bytes().startswith(b"PK")
