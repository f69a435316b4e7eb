"""Rating a case (好差评, DESIGN 3.10): once, after delivery, by its applicant."""

from datetime import date

import pytest

from govhall.cases import services as cases
from govhall.core.actors import SYSTEM
from govhall.core.errors import Conflict, DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.evaluation import services as evaluation
from govhall.evaluation.models import (
    BAD_LEVELS, OPEN_FOLLOWUP_STATES, SATISFIED_LEVELS, FollowUp, FollowUpState, Level, Rating, RatingChannel,
)
from govhall.evaluation.tests.conftest import approved, at, delivered
from govhall.org import services as org
from govhall.org.roles import Role


def test_the_five_levels():
    assert [(level.value, str(level.label)) for level in Level] == [
        (5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]
    assert SATISFIED_LEVELS == {5, 4, 3} and BAD_LEVELS == {2, 1}


def test_the_applicant_rates_a_delivered_case_once(desk):
    case = delivered(desk)
    rating = evaluation.rating_submit(actor=desk.applicant, case=case, level=4, comment="  讲解清楚  ",
                                      at=at("2026-03-03 11:00"))
    rating.refresh_from_db()
    assert (rating.level, rating.comment, rating.channel, rating.rated_at) == (4, "讲解清楚", RatingChannel.PORTAL,
                                                                             at("2026-03-03 11:00"))
    # What statistics count is copied from the case.
    assert rating.rated_by == desk.applicant and rating.department == desk.dept_a
    assert rating.window == desk.comprehensive and rating.staff == desk.clerk == case.accepted_by
    assert not FollowUp.objects.exists()
    event = AuditEvent.objects.get(action="rating_create")
    assert event.actor == desk.applicant and event.target_id == str(rating.pk)
    assert event.data["level"] == 4 and event.data["case"] == case.number
    with pytest.raises(Conflict):
        evaluation.rating_submit(actor=desk.applicant, case=case, level=1)
    with pytest.raises(Conflict):
        evaluation.rating_submit_at_window(actor=desk.clerk, case=case, level=1)
    assert Rating.objects.count() == 1 and AuditEvent.objects.filter(action="rating_create").count() == 1


def test_a_closed_case_can_still_be_rated(desk):
    case = cases.case_close(actor=desk.clerk, case=delivered(desk), at=at("2026-03-03 10:30"))
    assert evaluation.rating_submit(actor=desk.applicant, case=case, level=5).case == case


def test_only_the_applicant_rates(desk):
    case = delivered(desk)
    stranger = org.user_create(actor=SYSTEM, username="stranger", password="x", role=Role.APPLICANT)
    for actor in (stranger, desk.clerk, desk.head, desk.supervisor, desk.manager):
        with pytest.raises(NotPermitted):
            evaluation.rating_submit(actor=actor, case=case, level=5)
    # A case received at the window with no account: nobody rates it on the portal.
    anonymous = delivered(desk, applicant=False)
    with pytest.raises(NotPermitted):
        evaluation.rating_submit(actor=desk.applicant, case=anonymous, level=5)
    assert not Rating.objects.exists() and not AuditEvent.objects.filter(action="rating_create").exists()


def test_not_before_delivery(desk):
    case = approved(desk)
    with pytest.raises(DomainError) as error:
        evaluation.rating_submit(actor=desk.applicant, case=case, level=5)
    assert error.value.field == "state" and "送达后" in error.value.message
    assert not Rating.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1, "5", 4.0, True, None])
def test_a_level_outside_1_to_5_is_a_field_error(desk, level):
    case = delivered(desk)
    with pytest.raises(DomainError) as error:
        evaluation.rating_submit(actor=desk.applicant, case=case, level=level)
    assert error.value.field == "level" and not Rating.objects.exists()


def test_a_long_comment_is_a_field_error(desk):
    case = delivered(desk)
    with pytest.raises(DomainError) as error:
        evaluation.rating_submit(actor=desk.applicant, case=case, level=5, comment="很" * 501)
    assert error.value.field == "comment"
    assert evaluation.rating_submit(actor=desk.applicant, case=case, level=5, comment="很" * 500).comment == "很" * 500


def test_an_unknown_channel_is_refused(desk):
    with pytest.raises(DomainError) as error:
        evaluation.rating_submit(actor=desk.applicant, case=delivered(desk), level=5, channel=RatingChannel.WINDOW)
    assert error.value.field == "channel"


def test_a_bad_rating_opens_a_follow_up_due_in_working_days_across_national_day(desk):
    from govhall.calendars.selectors import work_calendar

    calendar = work_calendar()
    # The 2026 National Day holidays: 1–7 October off, Saturday 10 October worked.
    assert not any(calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_workday(date(2026, 10, 10)) and not calendar.is_workday(date(2026, 10, 11))
    case = delivered(desk, day="2026-09-21", when="2026-09-29 10:00")
    rating = evaluation.rating_submit(actor=desk.applicant, case=case, level=1, comment="态度生硬",
                                      at=at("2026-09-30 16:00"))
    followup = rating.followup
    # Five working days after 30 September, the day itself not counted: 8, 9, 10 (Sat), 12, 13 October.
    assert followup.due_date == date(2026, 10, 13) == calendar.add_workdays(date(2026, 9, 30), 5)
    assert followup.state == FollowUpState.OPEN and followup.department == desk.dept_a
    assert followup.opened_at == at("2026-09-30 16:00") and followup.closed_at is None
    assert AuditEvent.objects.filter(action="followup_open", target_id=str(followup.pk)).exists()
    # What the supervision rule will ask.
    late = FollowUp.objects.filter(state__in=OPEN_FOLLOWUP_STATES, due_date__lt=date(2026, 10, 14))
    assert list(late) == [followup]
    assert not FollowUp.objects.filter(state__in=OPEN_FOLLOWUP_STATES, due_date__lt=date(2026, 10, 13)).exists()


def test_the_rating_day_is_the_centers_local_day(desk):
    case = delivered(desk, day="2026-09-21", when="2026-09-29 10:00")
    # 00:30 on 30 September in Shanghai is still 29 September in UTC.
    rating = evaluation.rating_submit(actor=desk.applicant, case=case, level=2, at=at("2026-09-30 00:30"))
    assert rating.followup.due_date == date(2026, 10, 13)


def test_the_number_of_days_is_a_setting(desk, settings):
    settings.GOVHALL_BAD_REVIEW_FIX_DAYS = 2
    case = delivered(desk, day="2026-09-21", when="2026-09-29 10:00")
    rating = evaluation.rating_submit(actor=desk.applicant, case=case, level=2, at=at("2026-09-30 10:00"))
    assert rating.followup.due_date == date(2026, 10, 9)


@pytest.mark.parametrize("level", [5, 4, 3])
def test_a_satisfied_rating_opens_nothing(desk, level):
    evaluation.rating_submit(actor=desk.applicant, case=delivered(desk), level=level)
    assert not FollowUp.objects.exists()
