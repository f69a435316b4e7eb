"""The duty roster (排班): a week set and cleared by the center's managers,
the refusals, copying the week before, today's rostered clerks with their
attendance and the A/B backup covering an absent one, the page."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.hall import roster
from govhall.hall.models import RosterEntry
from govhall.hall.tests.conftest import MORNING, later
from govhall.org import services as org
from govhall.org.models import CenterLevel, WindowKind
from govhall.org.roles import Role

pytestmark = pytest.mark.django_db

MONDAY = MORNING.date()  # 2 March 2026
NEXT_MONDAY = MONDAY + timedelta(days=7)


def cell(window, day, half, staff):
    return {(window.pk, day, half): staff.pk}


def set_week(hall, monday, cells, actor=None):
    return roster.roster_week_set(actor=actor or hall.manager, center=hall.district, monday=monday, cells=cells,
                                  at=later(-120))


def grid(monday):
    return {(e.window.number, e.day, e.half, e.staff.username)
            for e in RosterEntry.objects.filter(day__gte=monday, day__lt=monday + timedelta(days=7))
            .select_related("window", "staff")}


def test_a_manager_sets_and_clears_a_week_in_one_audited_change(floor):
    before = AuditEvent.objects.filter(action="hall_roster_set").count()
    set_week(floor, NEXT_MONDAY, {**cell(floor.comprehensive, NEXT_MONDAY, "am", floor.clerk),
                                  **cell(floor.window_b, NEXT_MONDAY, "am", floor.clerk_b),
                                  **cell(floor.comprehensive, NEXT_MONDAY, "pm", floor.clerk_b),
                                  (floor.window_b.pk, NEXT_MONDAY, "pm"): None})
    assert grid(NEXT_MONDAY) == {("01", NEXT_MONDAY, "am", "clerk"), ("11", NEXT_MONDAY, "am", "clerk_b"),
                                 ("01", NEXT_MONDAY, "pm", "clerk_b")}
    assert AuditEvent.objects.filter(action="hall_roster_set").count() == before + 1
    entry = RosterEntry.objects.get(window=floor.comprehensive, day=NEXT_MONDAY, half="am")
    assert entry.set_by == floor.manager and entry.center == floor.district
    # The grid is the whole week: what it leaves out is cleared.
    set_week(floor, NEXT_MONDAY, cell(floor.window_b, NEXT_MONDAY, "pm", floor.clerk))
    assert grid(NEXT_MONDAY) == {("11", NEXT_MONDAY, "pm", "clerk")}
    assert roster.rostered_windows(floor.district, NEXT_MONDAY) == {"am": set(), "pm": {floor.window_b.pk}}


def refused(floor, cells, field, monday=NEXT_MONDAY):
    with pytest.raises(DomainError) as caught:
        set_week(floor, monday, cells)
    assert caught.value.field == field
    return caught.value.message


def test_the_refusals_name_the_field_and_write_nothing(floor):
    set_week(floor, NEXT_MONDAY, cell(floor.window_b, NEXT_MONDAY, "am", floor.clerk_b))
    # A clerk on two windows in one half-day.
    message = refused(floor, {**cell(floor.comprehensive, NEXT_MONDAY, "am", floor.clerk),
                              **cell(floor.window_b, NEXT_MONDAY, "am", floor.clerk)}, "staff")
    assert "clerk" in message and "同一时段只能排一个窗口" in message
    # Staff of another center, and staff who do not work at a window.
    other = org.center_create(actor=SYSTEM, code="D9", name="另一区政务服务中心", level=CenterLevel.DISTRICT,
                              parent=floor.city)
    foreign = org.user_create(actor=SYSTEM, username="foreign", password="x", role=Role.CLERK, center=other)
    refused(floor, cell(floor.comprehensive, NEXT_MONDAY, "am", foreign), "staff")
    refused(floor, cell(floor.comprehensive, NEXT_MONDAY, "am", floor.reviewer), "staff")
    # A window of another center, a day outside the week or not open, a week not from Monday.
    window = org.window_create(actor=SYSTEM, center=other, number="91", name="另一窗口", kind=WindowKind.COMPREHENSIVE)
    refused(floor, cell(window, NEXT_MONDAY, "am", floor.clerk), "window")
    refused(floor, cell(floor.comprehensive, NEXT_MONDAY + timedelta(days=5), "am", floor.clerk), "day")
    refused(floor, cell(floor.comprehensive, MONDAY, "am", floor.clerk), "day")
    refused(floor, cell(floor.comprehensive, NEXT_MONDAY, "night", floor.clerk), "half")
    refused(floor, {}, "week", monday=NEXT_MONDAY + timedelta(days=1))
    assert grid(NEXT_MONDAY) == {("11", NEXT_MONDAY, "am", "clerk_b")}


def test_only_the_centers_managers_set_the_roster(floor):
    for actor in (floor.clerk, floor.town_manager, floor.supervisor):
        with pytest.raises(NotPermitted):
            set_week(floor, NEXT_MONDAY, cell(floor.comprehensive, NEXT_MONDAY, "am", floor.clerk), actor=actor)
    assert not RosterEntry.objects.exists()
    assert roster.roster_editable(floor.admin, floor.district) and not roster.roster_editable(floor.clerk, floor.district)


def test_copying_last_week_shifts_it_by_seven_days_and_replaces_the_week(floor):
    with pytest.raises(DomainError) as caught:
        roster.roster_week_copy(actor=floor.manager, center=floor.district, monday=NEXT_MONDAY, at=later(-60))
    assert caught.value.field == "week"
    tuesday = MONDAY + timedelta(days=1)
    set_week(floor, MONDAY, {**cell(floor.comprehensive, MONDAY, "am", floor.clerk),
                             **cell(floor.window_b, tuesday, "pm", floor.clerk_b)})
    set_week(floor, NEXT_MONDAY, cell(floor.window_b, NEXT_MONDAY, "am", floor.clerk))
    roster.roster_week_copy(actor=floor.manager, center=floor.district, monday=NEXT_MONDAY, at=later(-60))
    assert grid(NEXT_MONDAY) == {("01", NEXT_MONDAY, "am", "clerk"),
                                 ("11", NEXT_MONDAY + timedelta(days=1), "pm", "clerk_b")}
    assert len(grid(MONDAY)) == 2
    assert AuditEvent.objects.filter(action="hall_roster_copy").count() == 1


def test_an_absent_clerk_is_shown_with_the_backup_who_takes_the_windows_queue(floor):
    org.post_create(actor=SYSTEM, window=floor.comprehensive, name="综合受理岗", holder=floor.clerk,
                    backup=floor.clerk_b)
    set_week(floor, MONDAY, {**cell(floor.comprehensive, MONDAY, "am", floor.clerk),
                             **cell(floor.window_b, MONDAY, "am", floor.clerk_b)})
    rows = {row.window.number: row for row in roster.roster_day(floor.district, on=MONDAY)}
    present = rows["01"].duties["am"]
    assert present.state == "on_duty" and present.cover is None and rows["01"].duties["pm"] is None
    org.attendance_record(actor=floor.manager, staff=floor.clerk, day=MONDAY, status="leave", note="病假")
    rows = {row.window.number: row for row in roster.roster_day(floor.district, on=MONDAY)}
    away = rows["01"].duties["am"]
    assert away.state == "away" and away.state_label == "请假"
    assert away.cover == floor.clerk_b and away.cover_on_duty
    assert rows["11"].duties["am"].state == "on_duty"


def test_an_absent_clerk_without_a_backup_post_leaves_the_window_uncovered(floor):
    set_week(floor, MONDAY, cell(floor.window_b, MONDAY, "pm", floor.clerk))
    org.attendance_record(actor=floor.manager, staff=floor.clerk, day=MONDAY, status="absent", note="未到岗")
    duty = {row.window.number: row for row in roster.roster_day(floor.district, on=MONDAY)}["11"].duties["pm"]
    assert duty.state == "away" and duty.cover is None


def test_the_rostered_windows_per_category_average_over_the_half_days(floor):
    set_week(floor, MONDAY, {**cell(floor.comprehensive, MONDAY, "am", floor.clerk),
                             **cell(floor.comprehensive, MONDAY, "pm", floor.clerk),
                             **cell(floor.window_b, MONDAY, "am", floor.clerk_b)})
    per = roster.rostered_windows_per_category(center_id=floor.district.pk, first=MONDAY, last=MONDAY, open_days=1)
    # A: window 01 both halves → 1 window per half-day; B: 01 twice and 11 once → 1.5.
    assert per == {floor.cat_a.pk: 1.0, floor.cat_b.pk: 1.5}


# --- the page --------------------------------------------------------------------------

@pytest.fixture
def at_ten(floor):
    with time_machine.travel(later(60), tick=False):
        yield floor


URL = "/workbench/hall/roster/"


def test_the_page_address():
    assert reverse("hall_roster") == URL


def test_a_manager_edits_the_week_on_the_page(client, at_ten):
    floor = at_ten
    client.force_login(floor.manager)
    page = client.get(URL)
    assert page.status_code == 200 and "窗口排班" in page.text and "复制上一周" in page.text
    assert f'name="c-{floor.comprehensive.pk}-{MONDAY.isoformat()}-am"' in page.text
    answer = client.post(URL, {"center": floor.district.pk, "week": MONDAY.isoformat(),
                               f"c-{floor.comprehensive.pk}-{MONDAY.isoformat()}-am": floor.clerk.pk,
                               f"c-{floor.window_b.pk}-{MONDAY.isoformat()}-am": floor.clerk_b.pk})
    assert answer.status_code == 302
    assert grid(MONDAY) == {("01", MONDAY, "am", "clerk"), ("11", MONDAY, "am", "clerk_b")}
    refused = client.post(URL, {"center": floor.district.pk, "week": MONDAY.isoformat(),
                                f"c-{floor.comprehensive.pk}-{MONDAY.isoformat()}-pm": floor.clerk.pk,
                                f"c-{floor.window_b.pk}-{MONDAY.isoformat()}-pm": floor.clerk.pk})
    assert refused.status_code == 400 and "同一时段只能排一个窗口" in refused.text
    assert len(grid(MONDAY)) == 2
    bad = client.post(URL, {"center": floor.district.pk, "week": MONDAY.isoformat(),
                            f"c-{floor.comprehensive.pk}-{MONDAY.isoformat()}-pm": "x"})
    assert bad.status_code == 400 and len(grid(MONDAY)) == 2
    copied = client.post(URL, {"center": floor.district.pk, "week": NEXT_MONDAY.isoformat(), "action": "copy"})
    assert copied.status_code == 302 and len(grid(NEXT_MONDAY)) == 2


def test_clerks_read_the_roster_with_todays_cover_others_are_refused(client, at_ten):
    floor = at_ten
    org.post_create(actor=SYSTEM, window=floor.comprehensive, name="综合受理岗", holder=floor.clerk,
                    backup=floor.clerk_b)
    set_week(floor, MONDAY, cell(floor.comprehensive, MONDAY, "am", floor.clerk))
    org.attendance_record(actor=floor.manager, staff=floor.clerk, day=MONDAY, status="trip", note="外出培训")
    client.force_login(floor.clerk_b)
    page = client.get(URL)
    assert page.status_code == 200 and "复制上一周" not in page.text and "c-" + str(floor.comprehensive.pk) not in page.text
    assert "公出" in page.text and "B岗 clerk_b 接替" in page.text
    assert client.post(URL, {"center": floor.district.pk, "week": MONDAY.isoformat(), "action": "copy"}).status_code == 403
    for who in (floor.applicant, floor.reviewer, floor.hotline):
        client.force_login(who)
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_staffing_view_shows_the_rostered_windows(client, at_ten):
    floor = at_ten
    set_week(floor, MONDAY, {**cell(floor.comprehensive, MONDAY, "am", floor.clerk),
                             **cell(floor.comprehensive, MONDAY, "pm", floor.clerk)})
    client.force_login(floor.manager)
    page = client.get(reverse("hall_staffing"), {"center": floor.district.pk, "first": "2026-02-23",
                                                 "last": date(2026, 3, 2).isoformat()})
    assert page.status_code == 200 and "排班窗口数" in page.text
    expected = 2 / (max(page.context["stats"].open_days, 1) * 2)
    assert f'data-testid="rostered-A">{expected:.1f}<' in page.text
    # Window 01 also calls B (the floor's comprehensive window).
    assert f'data-testid="rostered-B">{expected:.1f}<' in page.text
