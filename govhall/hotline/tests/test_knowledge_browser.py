"""The knowledge base in a real browser: the operator types the caller's
words, the suggestions appear (htmx), the operator takes one into the
direct answer and closes the order, which records the entry's version.
Screenshots land in /tmp/knowledge-*.png for a person to look at."""

import re
from datetime import date
from pathlib import Path

import pytest

from govhall.hotline.models import OrderState, WorkOrder
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

from .test_knowledge import _fresh_index, publish  # noqa: F401  (fixture)

pytestmark = BROWSER
SHOTS = Path("/tmp")


@pytest.mark.django_db(transaction=True)
def test_the_operator_picks_a_suggested_entry_and_closes_the_order(page, live_server, line):  # noqa: F811
    # valid from before today, whatever day the suite runs on (the live server reads the real clock)
    version = publish(line, valid_from=date(2000, 1, 1))
    page.set_default_timeout(10_000)
    log_in(page, live_server, line.operator.username)
    page.goto(f"{live_server.url}/workbench/hotline/intake/")
    page.get_by_label("来电号码").fill("13912345678")
    page.get_by_label("诉求类型").select_option("consult")
    page.get_by_label("诉求内容").press_sequentially("我家这两天一直没水，什么时候能来水")
    suggestions = page.locator("#knowledge-suggest")
    suggestions.get_by_text(version.question).wait_for()
    assert "自来水公司" in suggestions.inner_text()
    page.screenshot(path=str(SHOTS / "knowledge-suggest.png"), full_page=True)
    suggestions.get_by_role("button", name="采用此答复").first.click()
    page.locator("#direct-answer", has_text="答复依据").wait_for()
    assert page.get_by_label("直接答复内容").input_value() == version.answer
    page.get_by_role("button", name="直接办结").click()
    page.wait_for_url(re.compile(r"/workbench/hotline/[^/]+-H\d{8}-\d{5}/$"))
    page.screenshot(path=str(SHOTS / "knowledge-closed.png"), full_page=True)
    order = WorkOrder.objects.get()
    assert (order.state, order.knowledge_id, order.direct_answer) == (OrderState.CLOSED, version.pk, version.answer)
