"""Time limits: clock hours for consultations, working days (weekends,
holidays and make-up working days of the official calendar) for the rest."""

from govhall.hotline import services as hotline
from govhall.hotline.models import DueKind, OrderType

from .conftest import at, new_order


def test_a_consultation_gets_22_clock_hours_across_the_night_and_weekend(line):
    order = new_order(line, type=OrderType.CONSULT, when=at("2026-03-06 18:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-03-06 18:30"))
    assert order.due_kind == DueKind.HOURS
    assert order.due_at == at("2026-03-07 16:30")  # a Saturday: hours run on


def test_a_complaint_dispatched_after_hours_on_friday_counts_from_monday(line):
    order = new_order(line, when=at("2026-03-06 18:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-03-06 18:30"))
    assert order.due_kind == DueKind.WORKDAYS
    # received Monday 03-09; five working days after it: Monday 03-16, at the close of office hours
    assert order.due_at == at("2026-03-16 17:00")


def test_five_working_days_skip_the_may_holiday_and_count_its_make_up_saturday(line):
    order = new_order(line, type=OrderType.HELP, when=at("2026-04-30 10:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-04-30 10:00"))
    # 05-01..05-05 off; 05-06, 05-07, 05-08, Saturday 05-09 (worked), Monday 05-11
    assert order.due_at == at("2026-05-11 17:00")


def test_the_limit_of_a_type_is_a_setting(line, settings):
    settings.GOVHALL_HOTLINE_LIMITS = {OrderType.COMPLAINT: (DueKind.HOURS, 48)}
    order = new_order(line, when=at("2026-03-02 09:00"))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=at("2026-03-02 09:00"))
    assert order.due_at == at("2026-03-04 09:00")
