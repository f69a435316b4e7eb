"""The order page's direct close in a real browser: the knowledge panel
fills itself from the order's content (htmx), the operator takes an entry
into the answer and closes, which records the entry's version. The
screenshot lands in /tmp/order-knowledge.png for a person to look at."""

from datetime import date
from pathlib import Path

import pytest

from govhall.hotline.models import OrderState, OrderType
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

from .conftest import new_order
from .test_knowledge import _fresh_index, publish  # noqa: F401  (fixture)

pytestmark = BROWSER


@pytest.mark.django_db(transaction=True)
def test_the_operator_answers_a_registered_order_from_its_page_with_an_entry(
    page,  # noqa: F811
    live_server,
    line,
):
    # valid from before today, whatever day the suite runs on (the live server reads the real clock)
    version = publish(line, valid_from=date(2000, 1, 1))
    order = new_order(
        line, type=OrderType.CONSULT, content="我家这两天一直没水，什么时候能来水"
    )
    page.set_default_timeout(10_000)
    log_in(page, live_server, line.operator.username)
    page.goto(f"{live_server.url}/workbench/hotline/{order.number}/")
    suggestions = page.locator("#knowledge-suggest")
    suggestions.get_by_text(version.question).wait_for()
    suggestions.get_by_role("button", name="采用此答复").first.click()
    page.locator("#direct-answer", has_text="答复依据").wait_for()
    assert page.get_by_label("直接答复内容").input_value() == version.answer
    page.screenshot(path=str(Path("/tmp") / "order-knowledge.png"), full_page=True)
    page.get_by_role("button", name="直接办结").click()
    page.get_by_text("已直接办结").wait_for()
    order.refresh_from_db()
    assert (order.state, order.knowledge_id, order.direct_answer) == (
        OrderState.CLOSED,
        version.pk,
        version.answer,
    )
