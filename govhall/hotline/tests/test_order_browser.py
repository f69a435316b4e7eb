"""A work order's round trip in a real browser, through the pages each
person uses (issue 15, "Done means"): the operator dispatches it from the
order page, the unit's handler finds it in the unit's work list, signs it
and answers it, the operator calls back, the caller is not satisfied (a bad
rating) and the order is reopened to the same unit, which finds it again.
Screenshots land in /tmp/hotline-order-*.png for a person to look at."""

from pathlib import Path

import pytest
from django.utils import timezone

from govhall.hotline.events import order_verify
from govhall.hotline.models import AssignmentRole, OrderState, WorkOrder
from govhall.web.tests.browser import BROWSER, browser, log_in, page  # noqa: F401  (fixtures)

from .conftest import new_order

pytestmark = BROWSER
SHOTS = Path("/tmp")


def as_user(page, live_server, username, number):  # noqa: F811
    page.context.clear_cookies()
    log_in(page, live_server, username)
    page.goto(f"{live_server.url}/workbench/hotline/{number}/")


@pytest.mark.django_db(transaction=True)
def test_dispatched_signed_answered_called_back_badly_and_reopened(page, live_server, line):  # noqa: F811
    # Registered now (the live server reads the real clock): the operator's call.
    order = new_order(line, content="楼上装修噪音每天晚上十点以后还在施工。", when=timezone.now())
    page.set_default_timeout(10_000)

    # The operator dispatches it to the housing bureau from the order page.
    as_user(page, live_server, line.operator.username, order.number)
    page.get_by_label("主办单位").select_option(str(line.unit_b.pk))
    page.get_by_role("button", name="派单").click()
    page.get_by_text("待签收").first.wait_for()

    # The bureau's handler finds it in the unit's work list, signs and answers.
    page.context.clear_cookies()
    log_in(page, live_server, line.handler_b.username)
    page.goto(f"{live_server.url}/workbench/hotline/unit/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="签收").click()
    page.get_by_label("答复内容").fill("已告知施工方遵守作息时间，社区将加强巡查。")
    page.screenshot(path=str(SHOTS / "hotline-order-signed.png"), full_page=True)
    page.get_by_role("button", name="答复").click()
    page.get_by_text("待回访").first.wait_for()

    # The operator calls back: not solved, 不满意, reopened to the same unit.
    as_user(page, live_server, line.operator.username, order.number)
    reopen = page.locator("form[action$='/reopen/']")
    reopen.locator("[name=reason]").fill("来电人反映噪音依旧。")
    reopen.locator("select[name=rating]").select_option("2")  # 不满意 (the call-back form has a rating too)
    reopen.get_by_role("button", name="重办").click()
    page.locator("form[action$='/reopen/']").wait_for(state="detached")
    page.screenshot(path=str(SHOTS / "hotline-order-reopened.png"), full_page=True)
    assert "重办" in page.locator("#events").locator("xpath=..").inner_text()

    order = WorkOrder.objects.get(pk=order.pk)
    assert (order.state, order.reopen_count, order.evaluation_rating.level, order.solved) == (
        OrderState.DISPATCHED, 1, 2, False)
    assert order.main_unit == line.unit_b
    mains = list(order.assignments.filter(role=AssignmentRole.MAIN).order_by("pk").values_list("unit", "active"))
    assert mains == [(line.unit_b.pk, False), (line.unit_b.pk, True)]
    assert [e.action for e in order.events.order_by("seq")] == ["create", "dispatch", "sign", "reply", "reopen"]
    assert order_verify(order) is None

    # The same unit finds it again to sign, and the reopen form is gone for the operator.
    page.context.clear_cookies()
    log_in(page, live_server, line.handler_b.username)
    page.goto(f"{live_server.url}/workbench/hotline/unit/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="签收").wait_for()
