"""Entering official years and local days: validation, audit, and that every
process picks the change up."""

from datetime import date

import pytest

from govhall.calendars import selectors
from govhall.calendars.models import CalendarYear
from govhall.calendars.services import calendar_year_enter, calendar_year_parse, calendar_year_remove, local_day_set
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent

OFFICIAL_2027 = {
    "year": 2027,
    "source": "示例通知",
    "holidays": {"2027-01-01": "元旦", "2027-02-05": "春节", "2027-02-08": "春节", "2027-02-09": "春节"},
    "workdays": {"2027-02-20": "春节"},
}


def test_parse_names_the_bad_field():
    for bad, field in [
        ({**OFFICIAL_2027, "year": "2027"}, "year"),
        ({**OFFICIAL_2027, "source": " "}, "source"),
        ({**OFFICIAL_2027, "holidays": {"2028-01-01": "元旦"}}, "holidays"),
        ({**OFFICIAL_2027, "workdays": {"2027-02-22": "春节"}}, "workdays"),  # a Monday
        ({**OFFICIAL_2027, "workdays": {"2027-01-01": "元旦"}}, "workdays"),  # both
    ]:
        with pytest.raises(DomainError) as error:
            calendar_year_parse(bad)
        assert error.value.field == field


@pytest.mark.django_db
def test_an_entered_year_replaces_the_provisional_one_and_is_audited(hall):
    calendar = selectors.work_calendar()
    assert calendar.is_provisional(date(2027, 3, 1))
    parsed = calendar_year_parse(OFFICIAL_2027)
    calendar_year_enter(actor=hall.admin, **parsed)
    calendar = selectors.work_calendar()
    assert not calendar.is_provisional(date(2027, 3, 1))
    assert calendar.is_workday(date(2027, 2, 20))  # adjusted working Saturday
    assert not calendar.is_workday(date(2027, 2, 9))
    assert AuditEvent.objects.filter(action="calendar_year_enter", actor=hall.admin).count() == 1

    calendar_year_remove(actor=hall.admin, year=2027)
    assert selectors.work_calendar().is_provisional(date(2027, 3, 1))


@pytest.mark.django_db
def test_a_year_that_leaves_a_gap_is_refused_and_nothing_is_written(hall):
    with pytest.raises(DomainError):
        calendar_year_enter(actor=hall.admin, year=2029, source="x",
                            holidays={date(2029, 1, 1): "元旦"}, workdays={})
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_only_administrators_and_managers_change_the_calendar(hall):
    with pytest.raises(NotPermitted):
        local_day_set(actor=hall.clerk, day=date(2026, 6, 5), is_workday=False, name="x", reason="y")
    with pytest.raises(NotPermitted):
        local_day_set(actor=hall.supervisor, day=date(2026, 6, 5), is_workday=False, name="x", reason="y")
    local_day_set(actor=hall.manager, day=date(2026, 6, 5), is_workday=False, name="本地节日", reason="区政府通知")
    assert not selectors.work_calendar().is_workday(date(2026, 6, 5))


@pytest.mark.django_db
def test_the_built_calendar_is_reused_until_the_revision_moves(hall, django_assert_num_queries):
    first = selectors.work_calendar()
    with django_assert_num_queries(0):  # trusted for a second without asking
        assert selectors.work_calendar() is first
    selectors.calendar_forget()
    with django_assert_num_queries(1):  # then only the revision check
        assert selectors.work_calendar() is first
    local_day_set(actor=hall.manager, day=date(2026, 6, 5), is_workday=False, name="本地节日", reason="区政府通知")
    assert selectors.work_calendar() is not first
