"""The pages: the rating form on the portal's "my case" page, the window
evaluation pad, the follow-up list and page, the workbench home's links."""

import pytest
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.core.models import AuditEvent
from govhall.evaluation import services as evaluation
from govhall.evaluation.models import FollowUp, FollowUpState, Rating, RatingChannel
from govhall.evaluation.tests.conftest import approved, at, delivered
from govhall.org import services as org
from govhall.org.roles import Role


# --- the portal ----------------------------------------------------------------------

def test_the_applicant_rates_on_the_case_page(client, desk):
    case = delivered(desk)
    client.force_login(desk.applicant)
    page = client.get(reverse("portal_my_case", args=[case.number])).content.decode()
    assert "服务评价" in page and reverse("rating_my_case", args=[case.number]) in page and "基本满意" in page
    answer = client.post(reverse("rating_my_case", args=[case.number]), {"level": "5", "comment": "一次办好"}, follow=True)
    assert answer.redirect_chain[-1][0] == reverse("portal_my_case", args=[case.number])
    text = answer.content.decode()
    assert "感谢您的评价" in text and "一次办好" in text and "提交评价" not in text
    rating = Rating.objects.get()
    assert (rating.level, rating.channel, rating.rated_by) == (5, RatingChannel.PORTAL, desk.applicant)
    again = client.post(reverse("rating_my_case", args=[case.number]), {"level": "1"}, follow=True)
    assert "只能评价一次" in again.content.decode() and Rating.objects.get().level == 5


def test_no_rating_form_before_delivery(client, desk):
    case = approved(desk)
    client.force_login(desk.applicant)
    assert "提交评价" not in client.get(reverse("portal_my_case", args=[case.number])).content.decode()
    answer = client.post(reverse("rating_my_case", args=[case.number]), {"level": "5"}, follow=True)
    assert "送达后才能评价" in answer.content.decode() and not Rating.objects.exists()


def test_a_bad_form_names_the_field(client, desk):
    case = delivered(desk)
    client.force_login(desk.applicant)
    answer = client.post(reverse("rating_my_case", args=[case.number]), {"level": "7"}, follow=True)
    assert "评价等级" in answer.content.decode() and not Rating.objects.exists()
    answer = client.post(reverse("rating_my_case", args=[case.number]), {"level": "3", "comment": "长" * 501}, follow=True)
    assert "不能超过 500 个字" in answer.content.decode() and not Rating.objects.exists()


def test_only_the_applicant_reaches_the_form(client, desk):
    case = delivered(desk)
    url = reverse("rating_my_case", args=[case.number])
    anonymous = client.post(url, {"level": "5"})
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    assert anonymous.url.endswith("next=" + reverse("portal_my_case", args=[case.number]))
    assert client.get(url).status_code in {302, 405}
    stranger = org.user_create(actor=SYSTEM, username="stranger", password="x", role=Role.APPLICANT)
    client.force_login(stranger)
    assert client.post(url, {"level": "1"}).status_code == 404
    client.force_login(desk.clerk)
    assert client.post(url, {"level": "1"}).status_code == 403
    assert not Rating.objects.exists()


# --- the window pad ------------------------------------------------------------------

def test_the_window_pad(client, desk):
    case = delivered(desk, applicant=False)
    client.force_login(desk.clerk)
    pick = client.get(reverse("window_rate_pick")).content.decode()
    assert case.number in pick and "every 10s" in pick
    partial = client.get(reverse("window_rate_pick"), headers={"HX-Request": "true", "HX-Target": "pending-cases"})
    assert case.number in partial.content.decode() and "<html" not in partial.content.decode()
    pad = client.get(reverse("window_rate", args=[case.pk])).content.decode()
    assert pad.count('name="level"') == 5 and "非常满意" in pad and "csrfmiddlewaretoken" in pad
    answer = client.post(reverse("window_rate", args=[case.pk]), {"level": "4"})
    assert answer.status_code == 200 and "感谢您的评价" in answer.content.decode()
    rating = Rating.objects.get()
    assert (rating.channel, rating.rated_by, rating.level, rating.window) == (RatingChannel.WINDOW, None, 4,
                                                                            desk.comprehensive)
    # The clerk on the pad is the one the audit names.
    assert AuditEvent.objects.get(action="rating_create").actor == desk.clerk
    assert case.number not in client.get(reverse("window_rate_pick")).content.decode()
    again = client.post(reverse("window_rate", args=[case.pk]), {"level": "1"})
    assert "已经评价" in again.content.decode() and Rating.objects.get().level == 4


def test_the_pad_takes_only_the_windows_delivered_cases(client, desk):
    case = delivered(desk, applicant=False)
    waiting = approved(desk, applicant=False)
    client.force_login(desk.clerk)
    assert waiting.number not in client.get(reverse("window_rate_pick")).content.decode()
    answer = client.post(reverse("window_rate", args=[waiting.pk]), {"level": "5"})
    assert answer.status_code == 400 and "送达后才能评价" in answer.content.decode()
    client.force_login(desk.clerk_b)  # another department's dedicated window
    assert case.number not in client.get(reverse("window_rate_pick")).content.decode()
    assert client.post(reverse("window_rate", args=[case.pk]), {"level": "1"}).status_code == 404
    client.force_login(desk.reviewer)  # no window
    assert "您未分配窗口" in client.get(reverse("window_rate_pick")).content.decode()
    assert client.post(reverse("window_rate", args=[case.pk]), {"level": "1"}).status_code == 403
    client.force_login(desk.applicant)
    assert client.get(reverse("window_rate_pick")).status_code == 403
    assert not Rating.objects.exists()


def test_a_dedicated_window_rates_its_departments_cases(desk):
    from govhall.core.errors import NotPermitted

    case = delivered(desk, applicant=False)
    with pytest.raises(NotPermitted):
        evaluation.rating_submit_at_window(actor=desk.clerk_b, case=case, level=5)
    # A clerk at a dedicated window of department A sees A's cases, wherever received.
    window_a = org.window_create(actor=SYSTEM, center=desk.district, number="12", name="审批局窗口", kind="dedicated",
                                 department=desk.dept_a)
    clerk_a = org.user_create(actor=SYSTEM, username="clerk_a", password="x", role=Role.CLERK, department=desk.dept_a,
                              window=window_a)
    assert evaluation.rating_submit_at_window(actor=clerk_a, case=case, level=5).channel == RatingChannel.WINDOW


def test_a_missing_level_on_the_pad(client, desk):
    case = delivered(desk, applicant=False)
    client.force_login(desk.clerk)
    answer = client.post(reverse("window_rate", args=[case.pk]), {"comment": "好"})
    assert answer.status_code == 400 and "请选择评价等级" in answer.content.decode()


# --- follow-ups --------------------------------------------------------------------

@pytest.fixture
def followup(desk):
    case = delivered(desk)
    return evaluation.rating_submit(actor=desk.applicant, case=case, level=1, comment="态度生硬",
                                    at=at("2026-03-03 11:00")).followup


def test_the_follow_up_list_is_scoped(client, desk, followup):
    number = followup.rating.case.number
    for persona in ("head", "reviewer", "manager", "supervisor"):
        client.force_login(getattr(desk, persona))
        assert number in client.get(reverse("followup_list")).content.decode(), persona
    for persona in ("clerk_b", "town_manager"):
        client.force_login(getattr(desk, persona))
        assert number not in client.get(reverse("followup_list")).content.decode(), persona
        assert client.get(reverse("followup_detail", args=[followup.pk])).status_code == 404
    client.force_login(desk.head)
    assert number in client.get(reverse("followup_list"), {"state": "open"}).content.decode()
    assert number not in client.get(reverse("followup_list"), {"state": "closed"}).content.decode()
    client.force_login(desk.applicant)
    assert client.get(reverse("followup_list")).status_code == 403


def test_the_steps_through_the_pages(client, desk, followup):
    url = lambda step: reverse("followup_act", args=[followup.pk, step])  # noqa: E731
    client.force_login(desk.head)
    page = client.get(reverse("followup_detail", args=[followup.pk])).content.decode()
    assert "态度生硬" in page and "核实情况" in page and url("verify") in page
    refused = client.post(url("verify"), {"verify-verification": ""})
    assert refused.status_code == 400 and "请填写核实情况" in refused.content.decode()
    assert client.post(url("verify"), {"verify-verification": "经核实属实"}).status_code == 302
    assert client.post(url("correct"), {"correct-correction": "已批评教育"}).status_code == 302
    # Callback and closing are the center's.
    assert client.post(url("callback"), {"callback-callback": "已回访", "callback-satisfied": "yes"}).status_code == 403
    client.force_login(desk.manager)
    # Out of order: a message, nothing changes.
    answer = client.post(url("close"), {"close-result": "办结"}, follow=True)
    assert "不能“办结”" in answer.content.decode()
    assert client.post(url("callback"), {"callback-callback": "已回访"}).status_code == 400
    assert client.post(url("callback"), {"callback-callback": "已回访", "callback-satisfied": "no"}).status_code == 302
    assert client.post(url("close"), {"close-result": "再次沟通后办结"}).status_code == 302
    followup.refresh_from_db()
    assert followup.state == FollowUpState.CLOSED and followup.satisfied is False
    page = client.get(reverse("followup_detail", args=[followup.pk])).content.decode()
    assert "再次沟通后办结" in page and "申请人仍不满意" in page
    assert client.post(url("fly"), {}).status_code == 404


def test_supervisors_watch_follow_ups(client, desk, followup):
    client.force_login(desk.supervisor)
    page = client.get(reverse("followup_detail", args=[followup.pk])).content.decode()
    assert "态度生硬" in page and "verify-verification" not in page
    assert client.post(reverse("followup_act", args=[followup.pk, "verify"]),
                       {"verify-verification": "属实"}).status_code == 403
    assert FollowUp.objects.get().state == FollowUpState.OPEN


# --- the home page ---------------------------------------------------------------

@pytest.mark.parametrize("persona, present, absent", [
    ("clerk", ["差评整改", "窗口评价器"], []),
    ("clerk_b", ["差评整改", "窗口评价器"], []),
    ("manager", ["差评整改"], ["窗口评价器"]),
    ("supervisor", ["差评整改"], ["窗口评价器"]),
    ("applicant", [], ["差评整改", "窗口评价器"]),
])
def test_the_home_page_links(client, desk, persona, present, absent):
    client.force_login(getattr(desk, persona))
    text = client.get(reverse("home")).content.decode()
    for word in present:
        assert word in text
    for word in absent:
        assert word not in text
    for url in (reverse("followup_list"), reverse("window_rate_pick")):
        if url in text:
            assert client.get(url).status_code == 200
