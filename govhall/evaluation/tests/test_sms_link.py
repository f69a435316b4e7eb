"""The SMS after delivery and the public rating page its link opens."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import transaction
from django.test import Client
from django.urls import reverse

from govhall.cases import services as cases
from govhall.core.errors import Conflict
from govhall.core.models import AuditEvent
from govhall.evaluation import services as evaluation
from govhall.evaluation.links import LinkExpired, LinkInvalid, rating_token_case, rating_token_make
from govhall.evaluation.models import FollowUpState, Rating, RatingChannel
from govhall.evaluation.sms import LogBackend
from govhall.evaluation.tests.conftest import approved, at, delivered

LINK = re.compile(r"http://testserver(/rate/[^/\s]+/)")


def deliver_and_send(desk, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return delivered(desk, **kw)


def link_path(message) -> str:
    return LINK.search(message.text).group(1)


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.GOVHALL_PUBLIC_URL = "http://testserver"


def test_delivery_sends_the_applicant_a_rating_link(desk, sms, django_capture_on_commit_callbacks):
    case = deliver_and_send(desk, django_capture_on_commit_callbacks)
    assert len(sms) == 1
    message = sms[0]
    assert message.phone == "13912345678" == case.applicant_phone
    assert case.number in message.text and desk.version.name in message.text and "15 天内有效" in message.text
    assert rating_token_case(link_path(message).split("/")[2]) == case
    event = AuditEvent.objects.get(action="rating_invite_send")
    assert event.data == {"case": case.number, "phone": "139****5678"}


def test_nothing_is_sent_before_the_delivery_commits(desk, sms, django_capture_on_commit_callbacks):
    case = approved(desk)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
                raise RuntimeError("the delivery fails after the event")
    assert sms == []


def test_with_the_task_worker_the_invitation_is_queued_with_the_delivery_and_rolled_back_with_it(desk, settings):
    """The database queue: the task's row is written in the delivery's own
    transaction, so a worker finds it once the delivery commits, and a
    delivery rolled back leaves none."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    invitations = DBTaskResult.objects.filter(task_path="govhall.evaluation.tasks.rating_invite_task")
    case = approved(desk)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
        assert invitations.count() == 1  # in the delivery's transaction, not yet committed
        raise RuntimeError("the delivery fails after the event")
    assert not invitations.exists()
    case = approved(desk)
    cases.case_deliver(actor=desk.clerk, case=case, method="window", received_by="张三")
    assert [task.args_kwargs["kwargs"] for task in invitations] == [{"case_id": case.pk}]


class FailingGateway:
    """An SMS backend whose gateway is down (and names the number in its error)."""

    def send(self, phone: str, text: str) -> None:
        raise ConnectionError(f"gateway refused {phone}")


def test_the_message_goes_out_only_once_the_invitation_commits(desk, sms, django_capture_on_commit_callbacks):
    case = delivered(desk)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluation.rating_invite_send(case=case) is True
        assert sms == []  # recorded, not committed yet: nothing sent
    assert [message.phone for message in sms] == ["13912345678"]


def test_a_rolled_back_invitation_sends_nothing(desk, sms, django_capture_on_commit_callbacks):
    case = delivered(desk)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            evaluation.rating_invite_send(case=case)
            raise RuntimeError("the transaction around it rolls back")
    assert sms == [] and not AuditEvent.objects.filter(action="rating_invite_send").exists()


def test_a_gateway_failure_is_recorded_with_the_phone_masked(desk, settings, caplog, django_capture_on_commit_callbacks):
    settings.GOVHALL_SMS_BACKEND = f"{__name__}.FailingGateway"
    with caplog.at_level(logging.ERROR, logger="govhall.sms"):
        case = deliver_and_send(desk, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.state == "delivered"  # the delivery stands
    assert AuditEvent.objects.get(action="rating_invite_send").data == {"case": case.number, "phone": "139****5678"}
    failure = AuditEvent.objects.get(action="rating_invite_fail")
    assert failure.data == {"case": case.number, "phone": "139****5678",
                            "error": "ConnectionError: gateway refused 139****5678"}
    assert "139****5678" in caplog.text and "gateway refused" in caplog.text and "13912345678" not in caplog.text


def test_a_failure_to_record_a_failure_does_not_reach_the_caller(desk, settings, caplog, django_capture_on_commit_callbacks):
    from govhall.evaluation.sms import sms_send_on_commit

    settings.GOVHALL_SMS_BACKEND = f"{__name__}.FailingGateway"
    failures = []

    def record(error):
        failures.append(error)
        raise RuntimeError("the audit log is not writable")

    with django_capture_on_commit_callbacks(execute=True):
        sms_send_on_commit("13912345678", "请评价", failed=record)
    assert failures == ["ConnectionError: gateway refused 139****5678"]


def test_no_invitation_for_a_rated_case_or_other_transitions(desk, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = approved(desk)  # every transition but delivery
    assert sms == []
    case = delivered(desk)
    evaluation.rating_submit(actor=desk.applicant, case=case, level=5)
    assert evaluation.rating_invite_send(case=case) is False and sms == []


def test_the_log_backend_masks_the_phone(caplog):
    with caplog.at_level(logging.INFO, logger="govhall.sms"):
        LogBackend().send("13912345678", "请评价")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text and "请评价" in caplog.text


def test_the_default_backend_logs(desk, settings, caplog, django_capture_on_commit_callbacks):
    assert settings.GOVHALL_SMS_BACKEND == "govhall.evaluation.sms.LogBackend"
    with caplog.at_level(logging.INFO, logger="govhall.sms"):
        case = deliver_and_send(desk, django_capture_on_commit_callbacks)
    assert case.number in caplog.text and "139****5678" in caplog.text and "13912345678" not in caplog.text


def test_the_link_opens_a_page_to_rate_without_login(client, desk, sms, django_capture_on_commit_callbacks):
    case = deliver_and_send(desk, django_capture_on_commit_callbacks)
    path = link_path(sms[0])
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "非常满意" in text and "非常不满意" in text and "csrfmiddlewaretoken" in text
    answer = client.post(path, {"level": "2", "comment": "等候时间太长"})
    assert answer.status_code == 200 and "感谢您的评价" in answer.content.decode()
    rating = Rating.objects.get()
    assert (rating.case, rating.level, rating.channel, rating.rated_by) == (case, 2, RatingChannel.SMS, None)
    assert rating.followup.state == FollowUpState.OPEN
    # Once only: the page now shows the rating, a second answer changes nothing.
    again = client.post(path, {"level": "5"})
    assert again.status_code == 409 and "已经评价" in again.content.decode()
    assert client.get(path).status_code == 200
    assert Rating.objects.get().level == 2
    with pytest.raises(Conflict):
        evaluation.rating_submit_by_link(token=path.split("/")[2], level=5)


def test_a_missing_level_is_a_form_error(client, desk):
    case = delivered(desk)
    answer = client.post(reverse("rating_link", args=[rating_token_make(case)]), {"comment": "好"})
    assert answer.status_code == 400 and "请选择评价等级" in answer.content.decode()
    answer = client.post(reverse("rating_link", args=[rating_token_make(case)]), {"level": "9"})
    assert answer.status_code == 400 and not Rating.objects.exists()


def test_an_expired_link_is_gone(client, desk, settings):
    case = delivered(desk)
    with time_machine.travel(at("2026-03-03 12:00"), tick=False):
        token = rating_token_make(case)
    with time_machine.travel(at("2026-03-18 11:59"), tick=False):  # 14 days 23:59 later: still valid
        assert client.get(reverse("rating_link", args=[token])).status_code == 200
    with time_machine.travel(at("2026-03-18 12:01"), tick=False):
        answer = client.get(reverse("rating_link", args=[token]))
        assert answer.status_code == 410 and "评价链接已过期" in answer.content.decode()
        assert client.post(reverse("rating_link", args=[token]), {"level": "5"}).status_code == 410
        with pytest.raises(LinkExpired):
            evaluation.rating_submit_by_link(token=token, level=5)
    settings.GOVHALL_RATING_LINK_DAYS = 30
    with time_machine.travel(at("2026-03-18 12:01"), tick=False):
        assert client.get(reverse("rating_link", args=[token])).status_code == 200
    assert not Rating.objects.exists()


@pytest.mark.parametrize("forge", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
    lambda token: "x" + token,  # altered payload
    lambda token: "not-a-token",
    lambda token: signing.dumps({"case": 1, "number": "D1-20260302-00001"}, salt="another.purpose"),
    lambda token: signing.dumps({"case": 1, "number": "D1-20260302-00001"}, salt="govhall.rating", key="wrong-key"),
])
def test_a_forged_link_is_refused(client, desk, forge):
    token = forge(rating_token_make(delivered(desk)))
    answer = client.get(reverse("rating_link", args=[token]))
    assert answer.status_code == 400 and "评价链接无效" in answer.content.decode()
    assert client.post(reverse("rating_link", args=[token]), {"level": "1"}).status_code == 400
    with pytest.raises(LinkInvalid):
        evaluation.rating_submit_by_link(token=token, level=1)
    assert not Rating.objects.exists()


def test_a_link_to_a_case_that_is_gone_is_refused(client, desk):
    case = delivered(desk)
    token = signing.dumps({"case": case.pk, "number": "D1-19990101-00001"}, salt="govhall.rating")
    assert client.get(reverse("rating_link", args=[token])).status_code == 400


def test_the_form_is_protected_against_forged_requests(desk):
    case = delivered(desk)
    browser = Client(enforce_csrf_checks=True)
    path = reverse("rating_link", args=[rating_token_make(case)])
    assert browser.post(path, {"level": "5"}).status_code == 403
    page = browser.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert browser.post(path, {"level": "5", "csrfmiddlewaretoken": token}).status_code == 200
    assert Rating.objects.get().level == 5


def test_the_token_lasts_the_configured_days(desk, settings):
    settings.GOVHALL_RATING_LINK_DAYS = 1
    case = delivered(desk)
    token = rating_token_make(case)
    with time_machine.travel(timedelta(days=1, minutes=1)):
        with pytest.raises(LinkExpired):
            rating_token_case(token)


def test_no_invitation_once_the_delivery_is_older_than_a_link_lives(desk, sms, django_capture_on_commit_callbacks):
    """A worker catching up on a backlog (or history loaded in bulk) does not
    text people about a matter long past."""
    import time_machine

    from govhall.cases.tests.conftest import at

    case = delivered(desk, when="2026-03-03 10:00")
    with time_machine.travel(at("2026-03-18 09:00"), tick=False):  # 15 days later: the link would still be new
        with django_capture_on_commit_callbacks(execute=True):
            assert evaluation.rating_invite_send(case=case) is True
    with time_machine.travel(at("2026-03-19 11:00"), tick=False):  # more than 15 days after the delivery
        assert evaluation.rating_invite_send(case=case) is False
    assert len(sms) == 1
