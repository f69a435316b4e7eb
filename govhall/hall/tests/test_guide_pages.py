"""The touch-screen guide's own pages (导办屏, docs/hall.md "Screens"): an
item's guide and the progress query in the kiosk's frame, a big 返回 on
each, and no link that leaves the screen for the portal."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from govhall.cases.tests.conftest import accept_checked, desk  # noqa: F401  (fixture)
from govhall.cases.tests.test_lifecycle import submit
from govhall.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"#]*)', html)


def inside(hall, html: str) -> bool:
    """Every link stays on the hall's screens of this center (or is the page's own anchor)."""
    screens = (f"/hall/{hall.district.code}/", "/hall/ticket/")
    return all(href == "" or href.startswith(screens) or href.startswith("/static/") for href in links(html))


def test_the_guide_and_the_kiosk_keep_the_person_on_the_screen(client, floor):
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    guide = reverse("hall_guide", args=[floor.district.code])
    found = client.get(guide, {"q": "开饭店"}).content.decode()
    assert inside(floor, found) and reverse("hall_guide_progress", args=[floor.district.code]) in found
    assert inside(floor, client.get(reverse("hall_kiosk", args=[floor.district.code])).content.decode())
    item_link = next(href for href in links(found) if "/guide/items/" in href)
    page = client.get(item_link)
    html = page.content.decode()
    assert page.status_code == 200 and "食品经营许可" in html and "区政务服务中心二楼 15号窗口" in html
    assert 'data-testid="guide-back"' in html and inside(floor, html)
    back = re.search(r'href="([^"]*)" data-testid="guide-back"', html)[1]
    assert back.startswith(guide) and "q=" in back
    assert client.get(reverse("hall_guide_item", args=[floor.district.code, "NO-SUCH"])).status_code == 404
    assert client.get(reverse("hall_guide_item", args=["no-such-center", "X"])).status_code == 404


def test_the_progress_query_answers_on_the_screen(client, desk):  # noqa: F811
    caches["default"].clear()  # the query's rate limit counts in the shared cache
    case = accept_checked(actor=desk.clerk, case=submit(desk))
    url = reverse("hall_guide_progress", args=[desk.district.code])
    form = client.get(url).content.decode()
    assert 'data-testid="guide-back"' in form
    found = client.post(url, {"number": case.number, "query_code": case.query_code})
    html = found.content.decode()
    assert found.status_code == 200 and "已受理" in html and 'data-testid="guide-progress-result"' in html
    assert inside(desk, html) and "clerk" not in html
    wrong = client.post(url, {"number": case.number, "query_code": "WRONG"})
    assert wrong.status_code == 404 and "办件编号或查询码不正确" in wrong.content.decode()
