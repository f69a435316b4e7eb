"""Green channel (绿色通道, DESIGN 3.8): a center manager flags a case with a
reason (one event in its chain), it is served first and warned earlier."""

from datetime import date

import pytest

from govhall.cases import services as cases
from govhall.cases.deadlines import case_light
from govhall.cases.events import chain_verify
from govhall.cases.models import Case
from govhall.cases.selectors import case_list_for_staff
from govhall.cases.states import GREEN_OFF, GREEN_ON
from govhall.cases.tests.conftest import accept_checked, at
from govhall.core.errors import DomainError, NotPermitted
from govhall.timing import Light


def accepted(desk, when="2026-03-02 10:00"):
    case = cases.case_submit(actor=desk.clerk, item_version=desk.version, center=desk.district, channel="window",
                             applicant_name="张三", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", at=at(when))
    return accept_checked(actor=desk.clerk, case=case, at=at(when))


def test_a_manager_flags_and_unflags_with_the_reason_in_the_chain(desk):
    case = accepted(desk)
    case = cases.case_green_channel_set(actor=desk.manager, case=case, green=True, reason="重点招商项目",
                                        at=at("2026-03-03 09:30"))
    assert Case.objects.get(pk=case.pk).green_channel
    event = case.events.order_by("-seq").first()
    assert (event.action, event.actor_id, event.data["reason"]) == (GREEN_ON, desk.manager.pk, "重点招商项目")
    case = cases.case_green_channel_set(actor=desk.manager, case=Case.objects.get(pk=case.pk), green=False,
                                        reason="项目已转常规办理", at=at("2026-03-04 09:30"))
    assert not Case.objects.get(pk=case.pk).green_channel
    assert case.events.order_by("-seq").first().action == GREEN_OFF
    assert chain_verify(Case.objects.get(pk=case.pk)) is None


def test_a_green_channel_case_turns_yellow_earlier(desk):
    # 10 working days from Mon 3-2: due Mon 3-16. On Wed 3-11, 4 working days
    # are left: green by the standard threshold (2), yellow by the green
    # channel's (max(2, 40% of 10) = 4).
    case = accepted(desk)
    wednesday = date(2026, 3, 11)
    assert case.due_date == date(2026, 3, 16)
    assert case_light(case, today=wednesday) == Light.GREEN
    case = cases.case_green_channel_set(actor=desk.manager, case=case, green=True, reason="重点项目",
                                        at=at("2026-03-03 09:30"))
    assert case_light(case, today=wednesday) == Light.YELLOW
    assert case_light(case, today=date(2026, 3, 10)) == Light.GREEN  # 5 left
    # Supervision's scan looks at it again on the day of the flag, and stores the light it computes.
    assert Case.objects.get(pk=case.pk).watch_on == date(2026, 3, 3)
    assert cases.case_watch_refresh(case=Case.objects.get(pk=case.pk), today=wednesday).light == Light.YELLOW


def test_only_a_manager_of_the_center_or_above_may_flag(desk):
    case = accepted(desk)
    for person in (desk.reviewer, desk.head, desk.town_manager, desk.supervisor):
        with pytest.raises(NotPermitted):
            cases.case_green_channel_set(actor=person, case=case, green=True, reason="重点项目")
    assert not Case.objects.get(pk=case.pk).green_channel
    assert not case.events.filter(action=GREEN_ON).exists()


def test_a_flag_needs_a_reason_and_a_change(desk):
    case = accepted(desk)
    with pytest.raises(DomainError) as error:
        cases.case_green_channel_set(actor=desk.manager, case=case, green=True, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        cases.case_green_channel_set(actor=desk.manager, case=case, green=False, reason="取消")
    assert error.value.field == "green_channel"
    assert not case.events.filter(action__in=[GREEN_ON, GREEN_OFF]).exists()


def test_the_green_channel_case_is_served_first(desk):
    early = accepted(desk, "2026-03-02 10:00")
    late = accepted(desk, "2026-03-04 10:00")
    assert list(case_list_for_staff(user=desk.reviewer, open_only=True)) == [early, late]
    cases.case_green_channel_set(actor=desk.manager, case=late, green=True, reason="重点项目",
                                 at=at("2026-03-04 11:00"))
    assert list(case_list_for_staff(user=desk.reviewer, open_only=True)) == [late, early]
