"""Who sees what (DESIGN 5): the scope rules written once in org.selectors."""

from datetime import date

import pytest

from govhall.core.actors import SYSTEM
from govhall.org import selectors
from govhall.org import services as org
from govhall.org.models import Action, AttendanceStatus


def names(qs):
    return sorted(str(x) for x in qs)


def test_department_staff_see_only_their_department(hall):
    assert names(selectors.department_list_visible(user=hall.clerk_b)) == ["住建局"]
    assert names(selectors.department_list_visible(user=hall.reviewer)) == ["审批局"]


def test_comprehensive_clerk_sees_departments_they_accept_for(hall):
    assert names(selectors.department_list_visible(user=hall.clerk)) == ["审批局"]
    org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=hall.dept_b, action=Action.ACCEPT)
    assert names(selectors.department_list_visible(user=hall.clerk)) == ["住建局", "审批局"]


def test_clerk_of_department_b_does_not_see_staff_of_a(hall):
    visible = set(selectors.staff_list_visible(user=hall.clerk_b).values_list("username", flat=True))
    assert visible == {"clerk_b"}
    assert selectors.staff_get_visible(user=hall.clerk_b, staff_id=hall.reviewer.pk) is None


def test_center_manager_sees_their_center_and_below_not_above(hall):
    assert names(selectors.center_list_visible(user=hall.manager)) == ["示例区政务服务中心", "示例镇便民服务中心"]
    assert names(selectors.center_list_visible(user=hall.town_manager)) == ["示例镇便民服务中心"]
    assert names(selectors.department_list_visible(user=hall.manager)) == ["住建局", "审批局"]
    assert names(selectors.department_list_visible(user=hall.town_manager)) == []


def test_center_manager_leads_the_staff_of_his_departments_whatever_their_login_names(hall):
    # A login of department A written before every staff login had to name
    # a center (or by another system): his department sits at the district.
    from govhall.org.models import User

    User.objects.filter(pk=hall.reviewer.pk).update(center=None)
    district = set(selectors.staff_list_visible(user=hall.manager).values_list("username", flat=True))
    assert {"reviewer", "approver", "head", "clerk", "clerk_b", "town_manager"} <= district
    assert selectors.staff_get_visible(user=hall.manager, staff_id=hall.reviewer.pk) is not None
    # The town's manager leads the town's people, not the district's departments.
    town = set(selectors.staff_list_visible(user=hall.town_manager).values_list("username", flat=True))
    assert town == {"town_manager"}


def test_supervisor_sees_everything_and_is_read_only(hall):
    assert selectors.center_list_visible(user=hall.supervisor).count() == 3
    assert selectors.department_list_visible(user=hall.supervisor).count() == 2
    assert selectors.is_read_only(hall.supervisor)
    assert not selectors.is_read_only(hall.manager)


def test_applicant_sees_no_staff_side_data(hall):
    assert not selectors.department_list_visible(user=hall.applicant).exists()
    assert not selectors.staff_list_visible(user=hall.applicant).exists()
    assert not selectors.window_list_visible(user=hall.applicant).exists()


def test_staff_lists_never_include_applicants(hall):
    assert "applicant" not in set(selectors.staff_list_visible(user=hall.supervisor).values_list("username", flat=True))


def test_scope_q_is_reusable_on_other_models(hall):
    # Attendance is scoped through staff__department / staff__center.
    day = date(2026, 11, 20)
    org.attendance_record(actor=SYSTEM, staff=hall.reviewer, day=day, status=AttendanceStatus.LEAVE, note="年假")
    org.attendance_record(actor=SYSTEM, staff=hall.clerk_b, day=day, status=AttendanceStatus.TRIP, note="外出踏勘")
    assert [a.staff.username for a in selectors.attendance_list_visible(user=hall.clerk_b, on=day)] == ["clerk_b"]
    assert len(selectors.attendance_list_visible(user=hall.supervisor, on=day)) == 2


def test_inactive_user_sees_nothing(hall):
    hall.supervisor.is_active = False
    assert not selectors.department_list_visible(user=hall.supervisor).exists()


class TestAuthorization:
    def test_department_wide_authorization_covers_every_item(self, hall):
        assert selectors.staff_is_authorized(hall.clerk, department=hall.dept_a, action=Action.ACCEPT, item_code="11100000000000000001")
        assert not selectors.staff_is_authorized(hall.clerk, department=hall.dept_a, action=Action.APPROVE)
        assert not selectors.staff_is_authorized(hall.clerk, department=hall.dept_b, action=Action.ACCEPT)

    def test_item_authorization_covers_only_that_item(self, hall):
        org.authorization_grant(actor=SYSTEM, staff=hall.clerk_b, department=hall.dept_b, action=Action.APPROVE, item_code="B-001")
        assert selectors.staff_is_authorized(hall.clerk_b, department=hall.dept_b, action=Action.APPROVE, item_code="B-001")
        assert not selectors.staff_is_authorized(hall.clerk_b, department=hall.dept_b, action=Action.APPROVE, item_code="B-002")


class TestABPosts:
    @pytest.fixture
    def post(self, hall):
        return org.post_create(actor=SYSTEM, window=hall.comprehensive, name="受理岗", holder=hall.clerk, backup=hall.clerk_b)

    def test_holder_acts_while_present(self, hall, post):
        day = date(2026, 11, 23)
        assert selectors.post_acting_staff(post, on=day) == hall.clerk
        assert not selectors.staff_may_act_for(hall.clerk_b, holder=hall.clerk, on=day)

    def test_backup_acts_while_holder_is_on_leave(self, hall, post):
        day = date(2026, 11, 23)
        org.attendance_record(actor=hall.manager, staff=hall.clerk, day=day, status=AttendanceStatus.LEAVE, note="病假")
        assert selectors.post_acting_staff(post, on=day) == hall.clerk_b
        assert selectors.staff_may_act_for(hall.clerk_b, holder=hall.clerk, on=day)
        # only on that day
        assert not selectors.staff_may_act_for(hall.clerk_b, holder=hall.clerk, on=date(2026, 11, 24))

    def test_the_backup_holds_the_away_holder_s_grants_on_that_day_only(self, hall, post):
        day = date(2026, 11, 23)
        own, holder = selectors.staff_authorizations(hall.clerk_b), selectors.staff_authorizations(hall.clerk)
        assert holder - own
        assert selectors.staff_authorizations(hall.clerk_b, on=day) == own
        org.attendance_record(actor=hall.manager, staff=hall.clerk, day=day, status=AttendanceStatus.LEAVE, note="病假")
        assert selectors.staff_authorizations(hall.clerk_b, on=day) == own | holder
        assert selectors.staff_authorizations(hall.clerk_b, on=date(2026, 11, 24)) == own
        assert selectors.staff_authorizations(hall.reviewer, on=day) == selectors.staff_authorizations(hall.reviewer)

    def test_someone_who_is_not_the_backup_never_acts(self, hall, post):
        day = date(2026, 11, 23)
        org.attendance_record(actor=hall.manager, staff=hall.clerk, day=day, status=AttendanceStatus.ABSENT, note="未到岗")
        assert not selectors.staff_may_act_for(hall.reviewer, holder=hall.clerk, on=day)
