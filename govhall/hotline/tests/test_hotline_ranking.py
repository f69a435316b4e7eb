"""The monthly unit ranking against hand-computed figures (docs/hotline.md,
"Unit ranking")."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.hotline import services as hotline
from govhall.hotline.models import OrderType
from govhall.hotline.ranking import unit_ranking

from .conftest import at, new_order

pytestmark = pytest.mark.django_db


def handled(line, unit, handler, *, type=OrderType.COMPLAINT, dispatched: str, replied: str | None = None):
    order = new_order(line, type=type, when=at(dispatched))
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=unit, at=at(dispatched))
    if replied:
        hotline.workorder_sign(actor=handler, order=order, at=at(dispatched))
        hotline.workorder_reply(actor=handler, order=order, reply="已处理。", at=at(replied))
    return order


def test_the_units_are_ranked_by_the_documented_score(line):
    a, b = line.unit_a, line.unit_b
    first = handled(line, a, line.handler_a, dispatched="2026-03-02 10:00", replied="2026-03-03 10:00")  # on time
    hotline.workorder_close(actor=line.operator, order=first, solved=True, rating=5, at=at("2026-03-04 10:00"))
    second = handled(line, a, line.handler_a, dispatched="2026-03-02 10:00", replied="2026-03-10 10:00")  # late
    hotline.workorder_reopen(actor=line.operator, order=second, reason="仍未解决", at=at("2026-03-11 10:00"))
    hotline.workorder_sign(actor=line.handler_a, order=second, at=at("2026-03-11 11:00"))
    hotline.workorder_reply(actor=line.handler_a, order=second, reply="已解决。", at=at("2026-03-12 10:00"))  # on time
    hotline.workorder_close(actor=line.operator, order=second, solved=True, rating=3, at=at("2026-03-13 10:00"))
    returned = handled(line, a, line.handler_a, dispatched="2026-03-20 10:00")
    hotline.workorder_return(actor=line.handler_a, order=returned, reason="非本单位职责", at=at("2026-03-20 11:00"))
    handled(line, a, line.handler_a, type=OrderType.CONSULT, dispatched="2026-03-30 10:00")  # overdue on 03-31
    handled(line, a, line.handler_a, dispatched="2026-04-01 10:00")  # next month
    other = handled(line, b, line.handler_b, dispatched="2026-03-02 10:00", replied="2026-03-02 15:00")
    hotline.workorder_close(actor=line.operator, order=other, solved=True, rating=4, at=at("2026-03-03 10:00"))
    with CaptureQueriesContext(connection) as captured:
        ranking = unit_ranking(center=line.hall.district, month=date(2026, 3, 15))
    assert len(captured.captured_queries) == 5  # the units and four reads, whatever the number of orders
    assert [f.unit for f in ranking] == [b, a, line.water]
    figures_b, figures_a, water = ranking
    assert (figures_a.dispatched, figures_a.returned, figures_a.replied, figures_a.replied_on_time,
            figures_a.overdue_open) == (5, 1, 3, 2, 1)
    assert (figures_a.on_time_rate, figures_a.return_rate, figures_a.satisfaction) == (0.5, 0.2, 1.0)
    assert (figures_a.replies, figures_a.reopened) == (3, 1)
    assert figures_a.score == 71.0  # 40·0.5 + 20·0.8 + 25·1 + 15·(2/3)
    assert figures_b.score == 100.0
    assert water.score is None and water.on_time_rate is None


def test_a_month_judged_before_its_end_counts_only_what_is_overdue_by_then(line):
    handled(line, line.unit_a, line.handler_a, type=OrderType.CONSULT, dispatched="2026-03-30 10:00")  # due 03-31 08:00
    [figures] = [f for f in unit_ranking(center=line.hall.district, month=date(2026, 3, 1), at=at("2026-03-30 12:00"))
                 if f.unit == line.unit_a]
    assert (figures.dispatched, figures.overdue_open, figures.on_time_rate, figures.score) == (1, 0, None, 100.0)


def test_the_satisfaction_counts_each_closed_orders_latest_rating(line):
    """The order's rating is its evaluation Rating: the latest call-back's that gave one."""
    def closed(rating, *, day="2026-03-10", reopen_rating=None, reopened=False):
        order = handled(line, line.unit_a, line.handler_a, dispatched=f"{day} 09:00", replied=f"{day} 10:00")
        if reopened:
            hotline.workorder_reopen(actor=line.operator, order=order, reason="仍未解决", rating=reopen_rating,
                                     at=at(f"{day} 11:00"))
            hotline.workorder_sign(actor=line.handler_a, order=order, at=at(f"{day} 12:00"))
            hotline.workorder_reply(actor=line.handler_a, order=order, reply="已解决。", at=at(f"{day} 13:00"))
        hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=rating, at=at(f"{day} 14:00"))

    closed(5)
    closed(4, reopened=True, reopen_rating=1)  # satisfied in the end
    closed(None, reopened=True, reopen_rating=2)  # the reopening's 不满意 stands
    closed(2)
    closed(None)  # no rating: left out
    closed(5, day="2026-04-01")  # next month
    hotline.workorder_reopen(  # reopened in March with a rating, still open: not closed, left out
        actor=line.operator, order=handled(line, line.unit_a, line.handler_a, dispatched="2026-03-11 09:00",
                                           replied="2026-03-11 10:00"),
        reason="仍未解决", rating=1, at=at("2026-03-11 11:00"))
    [figures] = [f for f in unit_ranking(center=line.hall.district, month=date(2026, 3, 1)) if f.unit == line.unit_a]
    assert (figures.rated, figures.satisfied, figures.satisfaction) == (4, 2, 0.5)
