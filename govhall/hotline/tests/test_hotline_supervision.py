"""Supervision of the hotline (docs/hotline.md, "Supervision"): sign and
reply limits watched by supervision's scan through ``signals.time_scan``,
reopened orders and complaints about administrative services raised by
the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.cases.models import Case
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.hotline import services as hotline
from govhall.hotline.models import OrderType
from govhall.hotline.receivers import hotline_time_scan
from govhall.supervision.engine import supervise_scan
from govhall.supervision.models import Alert, AlertState
from govhall.supervision.rules import RULES

from .conftest import at, new_order

pytestmark = pytest.mark.django_db


def scan(when: str) -> int:
    moment = at(when)
    return hotline_time_scan(today=moment.date(), at=moment)


def alerts(rule: str, **kw):
    return list(Alert.objects.filter(rule=rule, **kw).order_by("pk"))


def dispatched(line, *, type=OrderType.COMPLAINT, when="2026-03-02 10:00", unit=None, **kw):
    order = new_order(line, type=type, when=at(when), **kw)
    return hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=unit or line.unit_a, at=at(when))


def signed(line, order, when: str):
    return hotline.workorder_sign(actor=line.handler_a, order=order, at=at(when))


def test_the_rules_are_registered_with_their_basis():
    for code in ("hotline.sign_late", "hotline.reply_late", "hotline.reopened", "hotline.admin_complaint",
                 "hotline.repeated_complaints"):
        assert "国办发〔2020〕53号" in RULES[code].basis


def test_an_order_not_signed_by_the_close_of_its_day_raises_a_yellow_alert_on_the_unit_s_department(line):
    order = dispatched(line, when="2026-03-06 16:00")  # Friday; signed by 17:00
    assert scan("2026-03-06 16:59") == 0 and not alerts("hotline.sign_late")
    assert scan("2026-03-06 17:30") == 1
    [alert] = alerts("hotline.sign_late")
    assert (alert.severity, alert.department, alert.state) == ("yellow", line.hall.dept_a, AlertState.OPEN)
    assert order.number in alert.message
    scan("2026-03-07 10:00")  # a rescan raises nothing new
    assert len(alerts("hotline.sign_late")) == 1
    signed(line, order, "2026-03-09 09:30")
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED


def test_an_order_dispatched_after_hours_on_friday_is_to_be_signed_on_monday(line):
    dispatched(line, when="2026-03-06 18:30")
    assert scan("2026-03-07 12:00") == 0 and scan("2026-03-09 16:59") == 0
    assert scan("2026-03-09 17:01") == 1 and len(alerts("hotline.sign_late")) == 1


def test_a_consultation_is_to_be_signed_within_two_clock_hours(line):
    dispatched(line, type=OrderType.CONSULT, when="2026-03-07 22:00")  # Saturday night: hours run on
    assert scan("2026-03-07 23:59") == 0
    assert scan("2026-03-08 00:01") == 1 and len(alerts("hotline.sign_late")) == 1


def test_signing_in_time_leaves_nothing(line):
    order = dispatched(line, when="2026-03-02 10:00")
    signed(line, order, "2026-03-02 11:00")
    assert scan("2026-03-02 17:30") == 0 and not Alert.objects.exists()


def test_a_unit_that_is_no_department_gets_no_alert(line):
    dispatched(line, when="2026-03-02 10:00", unit=line.water)
    assert scan("2026-03-03 10:00") == 0 and not Alert.objects.exists()


def test_an_hour_limit_over_the_night_turns_yellow_then_red(line):
    order = dispatched(line, type=OrderType.CONSULT, when="2026-03-06 18:30")  # due Saturday 16:30
    signed(line, order, "2026-03-06 19:00")
    assert scan("2026-03-07 12:29") == 0
    assert scan("2026-03-07 12:30") == 1
    [alert] = alerts("hotline.reply_late")
    assert (alert.severity, alert.department) == ("yellow", line.hall.dept_a)
    scan("2026-03-07 16:31")
    alert.refresh_from_db()
    assert alert.severity == "red" and alert.escalated_at == at("2026-03-07 16:31")
    # a red alert stays when the unit replies late
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已答复。", at=at("2026-03-07 17:00"))
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.severity == "red"


def test_a_working_day_limit_over_the_may_holiday_turns_red_only_after_its_day(line):
    order = dispatched(line, type=OrderType.HELP, when="2026-04-30 10:00")  # due Monday 05-11 17:00
    signed(line, order, "2026-04-30 11:00")
    for moment in ("2026-05-06 12:00", "2026-05-09 12:00", "2026-05-10 23:59"):  # five calendar days, make-up Saturday
        assert scan(moment) == 0
    assert scan("2026-05-11 09:00") == 1
    assert alerts("hotline.reply_late")[0].severity == "yellow"
    scan("2026-05-11 17:01")
    assert [a.severity for a in alerts("hotline.reply_late")] == ["red"]


def test_replying_by_the_limit_clears_the_yellow_reply_alert(line):
    order = dispatched(line, when="2026-03-02 10:00")  # due Monday 03-09 17:00
    signed(line, order, "2026-03-02 11:00")
    scan("2026-03-09 10:00")
    [alert] = alerts("hotline.reply_late")
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已处理。", at=at("2026-03-09 11:00"))
    alert.refresh_from_db()
    assert alert.state == AlertState.CLEARED
    assert scan("2026-03-10 10:00") == 0  # a replied order is not read again


def test_a_returned_order_clears_its_yellow_alerts_and_the_next_unit_is_watched_afresh(line):
    order = dispatched(line, when="2026-03-02 10:00")
    scan("2026-03-02 17:30")
    [sign_alert] = alerts("hotline.sign_late")
    hotline.workorder_return(actor=line.handler_a, order=order, reason="非本单位职责", at=at("2026-03-03 09:00"))
    sign_alert.refresh_from_db()
    assert sign_alert.state == AlertState.CLEARED
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b, at=at("2026-03-03 10:00"))
    scan("2026-03-03 17:30")
    assert [(a.state, a.department) for a in alerts("hotline.sign_late")] == [
        (AlertState.CLEARED, line.hall.dept_a), (AlertState.OPEN, line.hall.dept_b)]


def test_a_reopened_order_raises_an_alert_on_its_unit(line):
    order = dispatched(line, when="2026-03-02 10:00")
    signed(line, order, "2026-03-02 11:00")
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已处理。", at=at("2026-03-03 10:00"))
    hotline.workorder_reopen(actor=line.operator, order=order, reason="仍未解决", rating=1, at=at("2026-03-04 10:00"))
    [alert] = alerts("hotline.reopened")
    assert (alert.severity, alert.department, alert.raised_at) == ("yellow", line.hall.dept_a, at("2026-03-04 10:00"))
    assert "仍未解决" in alert.message


def _case(line, number: str) -> Case:
    hall = line.hall
    item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    return Case.objects.create(
        number=number, query_code="ABCD2345", item_version=item.current, department=hall.dept_a, center=hall.district,
        window=hall.clerk.window, accepted_by=hall.clerk, applicant_kind="person", applicant_name="张三",
        applicant_id_number="110101199003070011", applicant_phone="13912345678", channel="window", state="accepted",
        received_on=date(2026, 3, 2), promised_days=10, fee_amount=Decimal(0), submitted_at=at("2026-03-02 09:30"),
        created_at=at("2026-03-02 09:30"), updated_at=at("2026-03-02 09:30"))


def test_a_complaint_naming_a_case_raises_on_the_unit_s_department_and_that_case(line):
    case = _case(line, "A-2026-0001")
    order = dispatched(line, when="2026-03-03 10:00", unit=line.unit_b, related_case_number=case.number)
    [alert] = alerts("hotline.admin_complaint")
    assert (alert.department, alert.case, alert.window) == (line.hall.dept_b, case, case.window)
    assert case.number in alert.message and order.number in alert.message
    # once per order: a re-dispatch after a return raises nothing more
    hotline.workorder_return(actor=line.handler_b, order=order, reason="非本单位职责", at=at("2026-03-03 11:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-03-03 12:00"))
    assert len(alerts("hotline.admin_complaint")) == 1


def test_a_complaint_in_an_administrative_service_category_raises_without_a_case(line, settings):
    settings.GOVHALL_HOTLINE_ADMIN_CATEGORIES = ["01"]  # the parent of the orders' category 0101
    dispatched(line, when="2026-03-03 10:00")
    [alert] = alerts("hotline.admin_complaint")
    assert (alert.department, alert.case) == (line.hall.dept_a, None)


def test_other_orders_raise_no_administrative_complaint(line, settings):
    case = _case(line, "A-2026-0002")
    dispatched(line, type=OrderType.CONSULT, when="2026-03-03 10:00", related_case_number=case.number)
    dispatched(line, when="2026-03-03 10:00")  # a complaint in no administrative category, naming no case
    settings.GOVHALL_HOTLINE_ADMIN_CATEGORIES = ["02"]
    dispatched(line, when="2026-03-03 10:00")
    assert not alerts("hotline.admin_complaint")


def test_the_scan_reads_only_the_orders_that_can_be_late(line):
    late_sign = dispatched(line, when="2026-03-02 10:00")
    near_reply = dispatched(line, type=OrderType.CONSULT, when="2026-03-03 08:00")  # due 03-04 06:00
    signed(line, near_reply, "2026-03-03 08:30")
    signed(line, dispatched(line, when="2026-03-03 10:00"), "2026-03-03 10:30")  # due 03-10: far
    dispatched(line, when="2026-03-03 18:00")  # after hours: to be signed by 03-04 17:00
    new_order(line, when=at("2026-03-03 09:00"))  # registered, with no unit
    closed = dispatched(line, when="2026-03-02 10:00")
    signed(line, closed, "2026-03-02 10:30")
    hotline.workorder_reply(actor=line.handler_a, order=closed, reply="已处理。", at=at("2026-03-02 11:00"))
    hotline.workorder_close(actor=line.operator, order=closed, solved=True, rating=5, at=at("2026-03-02 12:00"))
    with CaptureQueriesContext(connection) as captured:
        looked_at = scan("2026-03-04 02:00")
    assert looked_at == 2  # the unsigned order of Monday, the consultation due within four hours
    assert [a.subject.split(":")[1] for a in alerts("hotline.sign_late")] == [str(late_sign.pk)]
    assert [a.subject.split(":")[1] for a in alerts("hotline.reply_late")] == [str(near_reply.pk)]
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")
             and "hotline_workorderassignment" in q["sql"]]
    # The sign and reply alerts' two reads, and escalation's two (hotline.escalation): each by state and limit.
    assert len(reads) == 4 and all("due_kind" in sql or '"due_at" <' in sql for sql in reads)


def test_supervision_s_scan_reaches_the_hotline(line):
    dispatched(line, when="2026-03-02 10:00")
    result = supervise_scan(at=at("2026-03-02 17:30"))
    assert result.others >= 1 and len(alerts("hotline.sign_late")) == 1


def test_the_third_complaint_about_a_unit_in_a_month_raises_once(line):
    dispatched(line, when="2026-02-27 10:00")  # last month
    dispatched(line, when="2026-03-02 10:00")
    dispatched(line, type=OrderType.CONSULT, when="2026-03-03 10:00")  # no complaint
    dispatched(line, when="2026-03-04 10:00", unit=line.unit_b)  # another unit
    order = new_order(line, when=at("2026-03-05 09:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_b, at=at("2026-03-05 09:00"))
    hotline.workorder_return(actor=line.handler_b, order=order, reason="非本单位职责", at=at("2026-03-05 10:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-03-05 11:00"))
    assert not alerts("hotline.repeated_complaints")  # two complaints of March for unit A so far
    third = dispatched(line, when="2026-03-10 10:00")
    [alert] = alerts("hotline.repeated_complaints")
    assert (alert.department, alert.severity, alert.data["complaints"]) == (line.hall.dept_a, "yellow", 3)
    assert third.number in alert.message and alert.subject.endswith(":2026-03")
    dispatched(line, when="2026-03-11 10:00")
    assert len(alerts("hotline.repeated_complaints")) == 1


def test_the_threshold_of_repeated_complaints_is_a_setting(line, settings):
    settings.GOVHALL_HOTLINE_REPEATED_COMPLAINTS = 1
    dispatched(line, when="2026-03-02 10:00", unit=line.water)  # a utility: no department to answer
    dispatched(line, when="2026-03-02 10:00")
    assert [a.department for a in alerts("hotline.repeated_complaints")] == [line.hall.dept_a]
