"""The operation bulletin's workbench page and the order list's filters
behind its figures (docs/hotline.md, "Operation bulletin")."""

import pytest

from . import test_hotline_bulletin

pytestmark = pytest.mark.django_db
month = test_hotline_bulletin.month  # the hand-built month (a fixture)


def test_the_page_shows_the_figures_and_links_to_their_orders(line, month, client):
    client.force_login(line.hall.manager)
    response = client.get("/workbench/hotline/bulletin/?month=2026-03")
    assert response.status_code == 200
    page = response.content.decode()
    assert "示例区政务服务中心 12345热线运行情况通报（2026年3月）" in page
    assert "12.5%" in page and "66.7%" in page and "81.7" in page and "建设路" in page
    assert (
        'data-chart="chart-ranking"' in page and "vendor/echarts/echarts.min.js" in page
    )
    context = response.context
    # every figure's link lists as many orders as the figure says
    links = [
        (count, url)
        for _title, rows in context["volumes"]
        for _label, count, url in rows
    ]
    links += [(count, url) for _label, count, url in context["ratings"]]
    links += [
        (topic.count, url) for topic, url in context["keywords"] + context["clusters"]
    ]
    # a unit's dispatches: o2 was dispatched to A twice (and reopened), listed once
    links += [
        (row.dispatched - (row.unit == line.unit_a), url)
        for row, url, _s, _r in context["units"]
    ]
    links += [
        (context["b"].total, context["base_url"]),
        (context["b"].direct, context["direct_url"]),
        (context["b"].rated - 1, context["rated_url"]),
    ]  # o2 was called back twice in March
    for count, url in links:
        listed = client.get(url)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == count, url


def test_the_order_list_keeps_the_bulletins_filters(line, month, client):
    client.force_login(line.hall.manager)
    response = client.get(
        "/workbench/hotline/?center=D1&month=2026-03&channel=phone&state=closed"
    )
    assert response.context["bulletin"] == {
        "center": "D1",
        "month": "2026-03",
        "channel": "phone",
    }
    assert {o.number for o in response.context["page"]} == {
        month["o1"].number,
        month["o3"].number,
    }
    assert (
        "center=D1&month=2026-03&channel=phone&state=closed&"
        == response.context["query"]
    )


def test_who_reads_the_bulletin(line, month, client):
    for user, status in (
        (line.operator, 403),
        (line.handler_a, 403),
        (line.office, 200),
        (line.hall.town_manager, 200),
        (line.hall.supervisor, 200),
    ):
        client.force_login(user)
        assert (
            client.get("/workbench/hotline/bulletin/?month=2026-03").status_code
            == status
        ), user
    client.force_login(line.office)
    response = client.get("/workbench/hotline/bulletin/?month=2026-3x")
    assert response.status_code == 400 and "月份" in response.content.decode()
