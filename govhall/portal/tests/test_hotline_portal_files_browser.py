"""A visitor files a 12345 request with a photo in a real browser, is told
which file was refused, then files it with a good one and downloads it
from the query page (docs/hotline.md, "Portal"). Screenshots land in
/tmp/hotline-portal-files-*.png for a person to look at."""

from pathlib import Path

import pytest
from django.core.cache import caches

from govhall.hotline.models import WorkOrder
from govhall.hotline.portal import order_query_code
from govhall.hotline.tests.test_attachments import png
from govhall.web.tests.browser import BROWSER, browser, page  # noqa: F401  (fixtures)

pytestmark = BROWSER
SHOTS = Path("/tmp")


@pytest.mark.django_db(transaction=True)
def test_a_visitor_attaches_a_photo_and_downloads_it_after_the_query(page, live_server, line):  # noqa: F811
    caches["default"].clear()  # the submissions' rate limit
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/hotline/")
    page.get_by_label("求助").check()
    page.get_by_label("诉求内容").fill("幸福路口的井盖丢了，很危险，见照片。")
    page.get_by_label("联系电话").fill("13612345678")
    # A file that is not a photo: refused on its field, nothing filed.
    page.get_by_label("附件（照片或 PDF）").set_input_files(
        [{"name": "井盖.png", "mimeType": "image/png", "buffer": b"<html><script>x</script></html>"}])
    page.get_by_role("button", name="提交").click()
    page.locator(".errorlist").first.wait_for()
    assert "井盖.png" in page.locator(".errorlist").first.inner_text()  # which file
    page.screenshot(path=str(SHOTS / "hotline-portal-files-refused.png"), full_page=True)
    assert not WorkOrder.objects.exists()
    page.get_by_label("附件（照片或 PDF）").set_input_files(
        [{"name": "井盖.png", "mimeType": "image/png", "buffer": png()}])
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server.url}/hotline/done/")
    order = WorkOrder.objects.get()
    assert list(order.attachments.values_list("original_name", flat=True)) == ["井盖.png"]
    # The query by number and code lists the photo, and the link downloads it.
    page.goto(f"{live_server.url}/hotline/query/")
    page.get_by_label("工单编号").fill(order.number)
    page.get_by_label("查询码（提交时显示）").fill(order_query_code(order))
    page.get_by_role("button", name="查询").click()
    link = page.get_by_role("link", name="井盖.png")
    link.wait_for()
    page.screenshot(path=str(SHOTS / "hotline-portal-files-query.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == png()
