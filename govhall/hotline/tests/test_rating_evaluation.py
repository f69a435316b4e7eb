"""The caller's rating at the call-back is the evaluation app's Rating of the
work order, its one record (the order keeps no copy): the reopening's and
the close's call-backs make it, the latest rating given wins, a bad one
opens the evaluation follow-up, the follow-up screens list it, the order
page and the API show it, and the case indicators do not count it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from govhall.core.audit import AuditEvent
from govhall.core.errors import NotPermitted
from govhall.core.masking import mask_phone
from govhall.evaluation import services as evaluation
from govhall.evaluation.models import FollowUp, FollowUpState, Rating, RatingChannel
from govhall.evaluation.selectors import followup_list_for_staff
from govhall.hotline import services as hotline
from govhall.hotline.models import WorkOrder
from govhall.stats.indicators import Scope, scoped_ratings
from govhall.supervision.engine import supervise_scan
from govhall.supervision.models import Alert

from .conftest import MONDAY, new_order

CALL_BACK = MONDAY + timedelta(hours=6)


def _replied(line, unit, handler):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=unit, at=MONDAY + timedelta(minutes=5))
    hotline.workorder_sign(actor=handler, order=order, at=MONDAY + timedelta(hours=1))
    hotline.workorder_reply(actor=handler, order=order, reply="已处理。", at=MONDAY + timedelta(hours=2))
    return order


def test_a_good_rating_is_an_evaluation_rating_of_the_order_without_follow_up(line):
    order = _replied(line, line.unit_b, line.handler_b)
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=5, note="满意", at=CALL_BACK)
    rating = Rating.objects.get(work_order=order)
    assert (rating.case_id, rating.level, rating.channel, rating.department, rating.comment, rating.rated_at) == (
        None, 5, RatingChannel.CALLBACK, line.hall.dept_b, "满意", CALL_BACK)
    assert rating.subject_number == order.number
    assert not hasattr(rating, "followup") or rating.followup is None
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.evaluation_rating == rating


def test_no_rating_given_makes_no_rating(line):
    order = _replied(line, line.unit_b, line.handler_b)
    hotline.workorder_close(actor=line.operator, order=order, solved=True, at=CALL_BACK)
    assert not Rating.objects.filter(work_order=order).exists()


def test_a_bad_rating_of_a_department_unit_opens_the_departments_follow_up(line):
    order = _replied(line, line.unit_a, line.handler_a)
    hotline.workorder_close(actor=line.operator, order=order, solved=False, rating=2, note="答复敷衍", at=CALL_BACK)
    followup = Rating.objects.get(work_order=order).followup
    assert (followup.state, followup.department) == (FollowUpState.OPEN, line.hall.dept_a)
    assert followup.due_date == evaluation.followup_due_date(CALL_BACK)
    # The department's head sees it and verifies it; the hotline office may too.
    assert list(followup_list_for_staff(user=line.hall.head)) == [followup]
    assert list(followup_list_for_staff(user=line.office)) == [followup]
    evaluation.followup_verify(actor=line.hall.head, followup=followup, verification="答复未到现场核实。")
    assert followup.state == FollowUpState.VERIFIED


def test_a_bad_rating_of_a_utility_is_the_hotline_offices_follow_up(line):
    order = _replied(line, line.water, line.handler_water)
    hotline.workorder_close(actor=line.operator, order=order, solved=False, rating=1, at=CALL_BACK)
    rating = Rating.objects.get(work_order=order)
    followup = rating.followup
    assert (rating.department, followup.department) == (None, None)
    assert list(followup_list_for_staff(user=line.office)) == [followup]
    assert list(followup_list_for_staff(user=line.hall.head)) == []
    with pytest.raises(NotPermitted):
        evaluation.followup_verify(actor=line.hall.head, followup=followup, verification="核实")
    for step, kwargs in (("verify", {"verification": "已核实停水原因。"}), ("correct", {"correction": "已恢复供水。"}),
                         ("callback", {"callback": "来电人认可。", "satisfied": True}), ("close", {"result": "办结"})):
        getattr(evaluation, f"followup_{step}")(actor=line.office, followup=followup, **kwargs)
    assert followup.state == FollowUpState.CLOSED
    # Late follow-ups without a department raise no alert (no department to alert): the list shows them.
    assert supervise_scan(at=CALL_BACK + timedelta(days=30)).followups == 0


def test_a_late_follow_up_of_a_department_alerts_naming_the_order(line):
    order = _replied(line, line.unit_a, line.handler_a)
    hotline.workorder_close(actor=line.operator, order=order, solved=False, rating=1, at=CALL_BACK)
    assert supervise_scan(at=CALL_BACK + timedelta(days=30)).followups == 1
    alert = Alert.objects.get(rule="review.followup_late")
    assert (alert.case, alert.department) == (None, line.hall.dept_a)
    assert order.number in alert.message


def test_case_indicators_do_not_count_work_order_ratings(line):
    order = _replied(line, line.unit_a, line.handler_a)
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=4, at=CALL_BACK)
    assert Rating.objects.count() == 1
    assert not scoped_ratings(user=None, scope=Scope()).exists()


def test_a_rating_names_exactly_one_of_case_and_work_order(line):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(level=3, channel=RatingChannel.CALLBACK, rated_at=CALL_BACK)


def test_the_follow_up_pages_show_the_work_order(client, line):
    order = _replied(line, line.water, line.handler_water)
    hotline.workorder_close(actor=line.operator, order=order, solved=False, rating=2, at=CALL_BACK)
    followup = Rating.objects.get(work_order=order).followup
    client.force_login(line.office)
    page = client.get(reverse("followup_list")).content.decode()
    assert order.number in page
    page = client.get(reverse("followup_detail", args=[followup.pk])).content.decode()
    assert order.number in page and reverse("hotline_order", args=[order.number]) in page
    assert "13912345678" not in page and mask_phone("13912345678") in page


def test_a_bad_rating_at_the_reopening_is_the_orders_rating_and_opens_its_follow_up(line):
    order = _replied(line, line.unit_a, line.handler_a)
    hotline.workorder_reopen(actor=line.operator, order=order, reason="噪音依旧", rating=2, at=CALL_BACK)
    rating = Rating.objects.get(work_order=order)
    assert (rating.level, rating.comment, rating.rated_at, rating.department) == (2, "噪音依旧", CALL_BACK,
                                                                                  line.hall.dept_a)
    assert (rating.followup.state, rating.followup.department) == (FollowUpState.OPEN, line.hall.dept_a)


def test_the_close_after_a_reopening_replaces_the_level_and_the_follow_up_goes_on(line):
    order = _replied(line, line.unit_a, line.handler_a)
    hotline.workorder_reopen(actor=line.operator, order=order, reason="噪音依旧", rating=1, at=CALL_BACK)
    followup = Rating.objects.get(work_order=order).followup
    later = CALL_BACK + timedelta(days=1)
    hotline.workorder_sign(actor=line.handler_a, order=order, at=later - timedelta(hours=3))
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已停工整改。", at=later - timedelta(hours=2))
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=4, note="已解决", at=later)
    [rating] = Rating.objects.filter(work_order=order)
    assert (rating.level, rating.comment, rating.rated_at) == (4, "已解决", later)
    assert WorkOrder.objects.get(pk=order.pk).evaluation_rating.level == 4
    assert FollowUp.objects.get() == followup and followup.rating_id == rating.pk
    # The chain keeps the rating given at each call-back; the audit the change.
    assert [(e.action, e.data["rating"]) for e in order.events.filter(action__in=["reopen", "close"])] == [
        ("reopen", 1), ("close", 4)]
    change = AuditEvent.objects.get(action="rating_change")
    assert (change.data["from"], change.data["level"]) == (1, 4)


def test_a_close_without_a_rating_leaves_the_reopenings_rating(line):
    order = _replied(line, line.unit_b, line.handler_b)
    hotline.workorder_reopen(actor=line.operator, order=order, reason="仍未解决", rating=3, at=CALL_BACK)
    hotline.workorder_sign(actor=line.handler_b, order=order, at=CALL_BACK + timedelta(hours=1))
    hotline.workorder_reply(actor=line.handler_b, order=order, reply="已处理。", at=CALL_BACK + timedelta(hours=2))
    hotline.workorder_close(actor=line.operator, order=order, solved=True, at=CALL_BACK + timedelta(hours=3))
    assert list(Rating.objects.filter(work_order=order).values_list("level", "rated_at")) == [(3, CALL_BACK)]


def test_the_order_page_and_the_api_show_the_rating(client, line):
    order = _replied(line, line.unit_b, line.handler_b)
    unrated = _replied(line, line.unit_b, line.handler_b)
    hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=4, note="很快", at=CALL_BACK)
    hotline.workorder_close(actor=line.operator, order=unrated, solved=True, at=CALL_BACK)
    client.force_login(line.operator)
    page = client.get(reverse("hotline_order", args=[order.number])).content.decode()
    assert "已解决 · 满意 · 很快" in page
    page = client.get(reverse("hotline_order", args=[unrated.number])).content.decode()
    assert "已解决" in page and "已解决 ·" not in page
    api = APIClient()
    api.force_authenticate(line.operator)
    assert api.get(reverse("api_hotline_order", args=[order.number])).json()["rating"] == 4
    assert api.get(reverse("api_hotline_order", args=[unrated.number])).json()["rating"] is None
