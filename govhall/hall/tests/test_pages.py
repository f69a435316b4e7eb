"""The hall's pages: the public kiosk, ticket and display, and the clerk's
calling panel."""

import pytest
import time_machine
from django.core.cache import caches
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.hall.models import Ticket, TicketState
from govhall.hall.tests.conftest import issue, later
from govhall.org import services as org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_ten(floor):
    caches["default"].clear()  # the kiosk's rate limit counts in the shared cache
    with time_machine.travel(later(60), tick=False):
        yield


def kiosk_url(floor):
    return reverse("hall_kiosk", args=[floor.district.code])


def test_the_kiosk_gives_a_number_and_a_ticket_page_with_the_place_in_line(client, floor):
    issue(floor.cat_a, 1)
    page = client.get(kiosk_url(floor))
    assert page.status_code == 200 and "综合业务" in page.text and "住建业务" in page.text
    answer = client.post(kiosk_url(floor), {"category": floor.cat_a.pk, "phone": "13912345678"})
    ticket = Ticket.objects.get(number="A002")
    assert answer.status_code == 302 and answer["Location"] == reverse("hall_ticket", args=[ticket.code])
    slip = client.get(answer["Location"])
    assert "A002" in slip.text and "前面还有 <strong>1</strong> 人等候" in slip.text and "预计等候约 10 分钟" in slip.text
    assert "139****5678" in slip.text and "13912345678" not in slip.text
    assert ticket.source == "kiosk" and ticket.priority == "none"


def test_the_kiosks_care_button_gives_priority(client, floor):
    client.post(kiosk_url(floor), {"category": floor.cat_b.pk, "care": "on"})
    assert Ticket.objects.get().priority == "care"


@pytest.mark.parametrize("data, field_message", [
    ({"category": "x"}, "输入整数"),
    ({}, "该字段是必填项"),
    ({"category": 99999}, "请选择本中心的取号类别"),
    ({"category": "ID", "phone": "12ab"}, "手机号码"),
])
def test_bad_kiosk_input_names_the_field_and_issues_nothing(client, floor, data, field_message):
    if data.get("category") == "ID":
        data["category"] = floor.cat_a.pk
    answer = client.post(kiosk_url(floor), data)
    assert answer.status_code == 400 and field_message in answer.text
    assert not Ticket.objects.exists()


def test_the_kiosk_is_rate_limited_per_client(client, floor, settings):
    settings.GOVHALL_KIOSK_TICKETS_PER_MINUTE = 3
    answers = [client.post(kiosk_url(floor), {"category": floor.cat_a.pk}).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert Ticket.objects.count() == 3
    assert "取号过于频繁" in client.post(kiosk_url(floor), {"category": floor.cat_a.pk}).text


def test_an_unknown_center_or_ticket_is_not_found(client, floor):
    assert client.get(reverse("hall_kiosk", args=["nowhere"])).status_code == 404
    assert client.get(reverse("hall_ticket", args=["nothing"])).status_code == 404


def test_the_display_shows_the_call_at_each_window_and_the_sentence_to_speak(client, floor):
    issue(floor.cat_a, 1), issue(floor.cat_b, 2)
    client.force_login(floor.clerk)
    client.post(reverse("hall_call", args=[floor.comprehensive.pk]))
    fragment = client.get(reverse("hall_display_calls", args=[floor.district.code]))
    assert "A001" in fragment.text and "请 A001 号到 01 号窗口" in fragment.text
    assert "B001" not in fragment.text  # still waiting
    page = client.get(reverse("hall_display", args=[floor.district.code]))
    assert page.status_code == 200 and "every 2s" in page.text and "data-speech-toggle" in page.text


def test_a_clerk_calls_starts_and_ends_a_service_from_the_panel(client, floor):
    issue(floor.cat_b, 1, phone="13912345678")
    client.force_login(floor.clerk_b)
    panel = client.get(reverse("hall_panel"))
    assert panel.status_code == 200 and 'data-testid="waiting-B">1<' in panel.text
    client.post(reverse("hall_call", args=[floor.window_b.pk]))
    ticket = Ticket.objects.get()
    panel = client.get(reverse("hall_panel"))
    assert "B001" in panel.text and "139****5678" in panel.text and "13912345678" not in panel.text
    for action, state in (("recall", "called"), ("start", "serving"), ("done", "done")):
        client.post(reverse("hall_act", args=[ticket.pk, action]))
        assert Ticket.objects.get().state == state


def test_the_panel_transfers_to_another_window(client, floor):
    issue(floor.cat_b, 1)
    client.force_login(floor.clerk)
    client.post(reverse("hall_call", args=[floor.comprehensive.pk]))
    ticket = Ticket.objects.get()
    answer = client.post(reverse("hall_act", args=[ticket.pk, "transfer"]), {"window": floor.window_b.pk}, follow=True)
    assert "已转出，新号码 B001" in answer.text
    moved = Ticket.objects.get(state=TicketState.WAITING)
    assert moved.target_window == floor.window_b


def test_the_panel_tells_a_clerk_who_has_not_signed_in(client, floor):
    issue(floor.cat_a, 1)
    org.attendance_check_out(staff=floor.clerk, at=later(30))
    client.force_login(floor.clerk)
    assert "签到后才能叫号" in client.get(reverse("hall_panel")).text
    answer = client.post(reverse("hall_call", args=[floor.comprehensive.pk]), follow=True)
    assert "未签到的窗口不能叫号" in answer.text
    assert Ticket.objects.get().state == TicketState.WAITING


def test_the_panel_is_for_staff_at_a_window_only(client, floor):
    assert client.get(reverse("hall_panel")).status_code == 302  # to the login
    for user in (floor.manager, floor.supervisor, floor.applicant):
        client.force_login(user)
        assert client.get(reverse("hall_panel")).status_code == 403
    client.force_login(floor.clerk)  # another window's ticket is not his
    issue(floor.cat_b, 1)
    client.force_login(floor.clerk_b)
    client.post(reverse("hall_call", args=[floor.window_b.pk]))
    client.force_login(floor.clerk)
    ticket = Ticket.objects.get()
    assert client.post(reverse("hall_act", args=[ticket.pk, "done"])).status_code == 404
    assert client.post(reverse("hall_call", args=[floor.window_b.pk])).status_code == 404


def test_the_workbench_home_links_the_panel_and_the_screens(client, floor):
    client.force_login(floor.clerk)
    assert f'href="{reverse("hall_panel")}"' in client.get(reverse("home")).text
    client.force_login(floor.manager)
    home = client.get(reverse("home")).text
    assert reverse("hall_display", args=[floor.district.code]) in home and reverse("hall_categories") in home
    assert f'href="{reverse("hall_panel")}"' not in home


def test_a_manager_creates_a_category_and_sets_the_windows_that_call_it(client, floor):
    client.force_login(floor.manager)
    url = reverse("hall_categories")
    assert "住建业务" in client.get(url).text
    bad = client.post(url, {"center": floor.district.pk, "code": "b", "name": "重复", "service_minutes": 5})
    assert bad.status_code == 400 and "本中心已有使用该字母的取号类别" in bad.text
    client.post(url, {"center": floor.district.pk, "code": "C", "name": "不动产", "service_minutes": 15})
    created = floor.district.service_categories.get(code="C")
    client.post(reverse("hall_window_categories", args=[floor.window_b.pk]),
                {"categories": [floor.cat_b.pk, created.pk]})
    assert set(floor.window_b.hall_categories.values_list("category__code", flat=True)) == {"B", "C"}


def test_only_managers_of_the_center_set_categories(client, floor):
    client.force_login(floor.clerk)
    assert client.get(reverse("hall_categories")).status_code == 403
    client.force_login(floor.town_manager)
    assert "住建业务" not in client.get(reverse("hall_categories")).text
    answer = client.post(reverse("hall_window_categories", args=[floor.window_b.pk]), {"categories": []})
    assert answer.status_code == 404
    assert floor.window_b.hall_categories.count() == 1


def test_the_touch_screen_guide_leads_to_a_number_a_check_in_and_progress_and_finds_an_item(client, floor):
    """导办屏: big buttons for the hall's public services, and the item search
    on the screen itself, saying where to go (the colloquial 开饭店 finds the
    food business licence)."""
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec

    item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    url = reverse("hall_guide", args=[floor.district.code])
    page = client.get(url).content.decode()
    for target in (reverse("hall_kiosk", args=[floor.district.code]),
                   reverse("hall_kiosk_check_in", args=[floor.district.code]),
                   reverse("hall_guide_progress", args=[floor.district.code])):
        assert f'href="{target}"' in page
    assert 'data-testid="guide-results"' not in page
    found = client.get(url, {"q": "开饭店"}).content.decode()
    assert "食品经营许可" in found and "区政务服务中心二楼 15号窗口" in found
    assert "没有找到相关事项" in client.get(url, {"q": "宇宙飞船"}).content.decode()
    assert client.get(reverse("hall_guide", args=["no-such-center"])).status_code == 404
