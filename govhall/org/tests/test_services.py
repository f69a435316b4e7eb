"""Organization changes: rules, refusals, and one audit event per change."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError, NotPermitted
from govhall.core.models import AuditEvent
from govhall.org import services as org
from govhall.org.models import Attendance, AttendanceStatus, Center, CenterLevel, User, WindowKind
from govhall.org.roles import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_centers_form_a_tree_with_prefix_paths(hall):
    assert hall.town.path.startswith(hall.district.path)
    assert hall.district.path.startswith(hall.city.path)
    assert hall.town.depth == 2


def test_a_town_cannot_sit_directly_below_a_city(hall):
    with pytest.raises(DomainError) as error:
        org.center_create(actor=SYSTEM, code="X", name="错层镇", level=CenterLevel.TOWN, parent=hall.city)
    assert error.value.field == "level"
    assert not Center.objects.filter(code="X").exists()


def test_manager_changes_only_their_own_subtree(hall):
    org.center_create(actor=hall.manager, code="T2", name="新镇", level=CenterLevel.TOWN, parent=hall.district)
    with pytest.raises(NotPermitted):
        org.center_create(actor=hall.town_manager, code="T3", name="越权镇", level=CenterLevel.TOWN, parent=hall.district)
    with pytest.raises(NotPermitted):
        org.department_create(actor=hall.clerk, center=hall.district, code="Z", name="某局", short_name="某局")


def test_window_kind_and_department_must_agree(hall):
    with pytest.raises(DomainError) as error:
        org.window_create(actor=SYSTEM, center=hall.district, number="99", name="x", kind=WindowKind.DEDICATED)
    assert error.value.field == "department"
    with pytest.raises(DomainError) as error:
        org.window_create(actor=SYSTEM, center=hall.district, number="98", name="x", kind=WindowKind.COMPREHENSIVE, department=hall.dept_a)
    assert error.value.field == "department"
    with pytest.raises(DomainError) as error:
        org.window_create(actor=SYSTEM, center=hall.district, number="01", name="重号", kind=WindowKind.COMPREHENSIVE)
    assert error.value.field == "number"


def test_reviewer_without_department_is_refused(hall):
    with pytest.raises(DomainError) as error:
        org.user_create(actor=SYSTEM, username="r2", password="x-long-password", role=Role.REVIEWER, center=hall.district)
    assert error.value.field == "department"
    assert not User.objects.filter(username="r2").exists()


def test_duplicate_username_names_the_field(hall):
    with pytest.raises(DomainError) as error:
        org.user_create(actor=SYSTEM, username="clerk", password="x-long-password", role=Role.APPLICANT)
    assert error.value.field == "username"


def test_every_change_writes_one_audit_event(hall):
    before = AuditEvent.objects.count()
    window = org.window_create(actor=hall.manager, center=hall.district, number="20", name="新窗口", kind=WindowKind.COMPREHENSIVE)
    events = AuditEvent.objects.all()[: AuditEvent.objects.count() - before]
    assert len(events) == 1
    assert events[0].action == "window_create"
    assert events[0].actor == hall.manager
    assert events[0].target_id == str(window.pk)


def test_applicants_cannot_be_authorized(hall):
    with pytest.raises(DomainError):
        org.authorization_grant(actor=SYSTEM, staff=hall.applicant, department=hall.dept_a, action="accept")


def test_backup_must_differ_from_holder(hall):
    with pytest.raises(DomainError) as error:
        org.post_create(actor=SYSTEM, window=hall.comprehensive, name="岗", holder=hall.clerk, backup=hall.clerk)
    assert error.value.field == "backup"


class TestAttendance:
    morning = datetime(2026, 11, 23, 8, 55, tzinfo=SHANGHAI)
    evening = datetime(2026, 11, 23, 17, 5, tzinfo=SHANGHAI)

    def test_sign_in_then_out_records_the_local_day(self, hall):
        org.attendance_check_in(staff=hall.clerk, at=self.morning)
        record = org.attendance_check_out(staff=hall.clerk, at=self.evening)
        assert record.date.isoformat() == "2026-11-23"
        assert record.status == AttendanceStatus.PRESENT
        assert (record.check_in, record.check_out) == (self.morning, self.evening)

    def test_signing_in_after_midnight_utc_counts_for_the_shanghai_day(self, hall):
        # 2026-11-23 00:30 in Shanghai is still 2026-11-22 in UTC.
        record = org.attendance_check_in(staff=hall.clerk, at=datetime(2026, 11, 23, 0, 30, tzinfo=SHANGHAI))
        assert record.date.isoformat() == "2026-11-23"

    def test_sign_in_twice_is_refused(self, hall):
        org.attendance_check_in(staff=hall.clerk, at=self.morning)
        with pytest.raises(DomainError) as error:
            org.attendance_check_in(staff=hall.clerk, at=self.evening)
        assert error.value.field == "check_in"

    def test_sign_out_without_sign_in_is_refused(self, hall):
        with pytest.raises(DomainError):
            org.attendance_check_out(staff=hall.clerk, at=self.evening)
        assert not Attendance.objects.exists()

    def test_leave_needs_a_note_and_a_manager(self, hall):
        day = self.morning.date()
        with pytest.raises(DomainError) as error:
            org.attendance_record(actor=hall.manager, staff=hall.clerk, day=day, status=AttendanceStatus.LEAVE)
        assert error.value.field == "note"
        with pytest.raises(NotPermitted):
            org.attendance_record(actor=hall.clerk_b, staff=hall.clerk, day=day, status=AttendanceStatus.LEAVE, note="x")
        org.attendance_record(actor=hall.manager, staff=hall.clerk, day=day, status=AttendanceStatus.LEAVE, note="年假")
        assert Attendance.objects.get(staff=hall.clerk, date=day).status == AttendanceStatus.LEAVE

    def test_applicants_do_not_sign_in(self, hall):
        with pytest.raises(NotPermitted):
            org.attendance_check_in(staff=hall.applicant, at=self.morning)
