"""The alert page: styled actions, a refusal naming its field shown at that
field (nothing written), and a message in the layout after each step."""

import pytest
from django.urls import reverse

from govhall.core.models import AuditEvent
from govhall.supervision.models import Alert, AlertState
from govhall.supervision.tests.test_handling import red_alert  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def act(client, alert, action, **data):
    return client.post(reverse("alert_act", args=[alert.pk, action]), data)


def audited(alert, action) -> bool:
    return AuditEvent.objects.filter(target_id=str(alert.pk), action=action).exists()


def test_the_actions_use_the_site_buttons(client, desk, red_alert):
    client.force_login(desk.reviewer)
    page = client.get(reverse("alert_detail", args=[red_alert.pk])).content.decode()
    assert '<button class="primary" type="submit">签收</button>' in page
    assert '<button class="primary" type="submit">提交整改</button>' in page
    assert 'for="id_answer"' in page  # the note has its label


@pytest.mark.parametrize("note", ["", "   \n "])
def test_an_empty_correction_note_is_a_field_error_and_nothing_is_written(client, desk, red_alert, note):
    client.force_login(desk.reviewer)
    answer = act(client, red_alert, "answer", answer=note)
    assert answer.status_code == 400
    page = answer.content.decode()
    # At the field, tied to it for screen readers, inside the page's layout.
    assert '<ul class="errorlist" id="id_answer_error"><li>请填写整改情况。</li></ul>' in page
    assert 'aria-describedby="id_answer_error"' in page and 'class="top"' in page
    alert = Alert.objects.get(pk=red_alert.pk)
    assert alert.state == AlertState.OPEN and alert.answer == "" and alert.acknowledged_at is None
    assert not audited(alert, "alert.answer") and not audited(alert, "alert.acknowledge")


def test_sending_back_without_a_reason_is_a_field_error(client, desk, red_alert):
    client.force_login(desk.reviewer)
    act(client, red_alert, "answer", answer="已督促承办人当日办结。")
    client.force_login(desk.supervisor)
    answer = act(client, red_alert, "send_back", note="")
    assert answer.status_code == 400
    assert '<ul class="errorlist" id="id_note_error"><li>退回须写明理由。</li></ul>' in answer.content.decode()
    assert Alert.objects.get(pk=red_alert.pk).state == AlertState.ANSWERED
    assert not audited(red_alert, "alert.send_back")


def test_each_step_says_what_it_did_in_the_layout(client, desk, red_alert):
    client.force_login(desk.reviewer)
    page = client.post(reverse("alert_act", args=[red_alert.pk, "acknowledge"]), follow=True)
    assert '<li class="success">已签收。</li>' in page.content.decode()
    assert "签收表示" not in page.content.decode()  # signed: the card is gone
    page = client.post(reverse("alert_act", args=[red_alert.pk, "answer"]), {"answer": "已调整审查分工。"}, follow=True)
    assert '<li class="success">已提交整改情况，等待电子监察审核。</li>' in page.content.decode()
    client.force_login(desk.supervisor)
    page = client.post(reverse("alert_act", args=[red_alert.pk, "close"]), {"note": "整改到位"}, follow=True)
    assert '<li class="success">已审核通过，预警办结。</li>' in page.content.decode()
    # A step the state no longer allows is refused with a message, not a 500.
    page = client.post(reverse("alert_act", args=[red_alert.pk, "close"]), {"note": ""}, follow=True)
    assert page.status_code == 200 and '<li class="error">' in page.content.decode()


def test_a_note_the_form_cannot_hold_is_refused_at_the_field(client, desk, red_alert):
    client.force_login(desk.reviewer)
    answer = act(client, red_alert, "answer", answer="已\x00处理")
    assert answer.status_code == 400 and 'id="id_answer_error"' in answer.content.decode()
    assert Alert.objects.get(pk=red_alert.pk).state == AlertState.OPEN
