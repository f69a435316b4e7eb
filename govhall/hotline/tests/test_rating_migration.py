"""Hotline migration 0005 drops ``WorkOrder.rating``: a level kept only on an
order (no evaluation Rating) becomes the order's Rating first, and going
back copies each order's Rating level onto the order again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from govhall.evaluation.models import Rating
from govhall.hotline import services as hotline

from .conftest import MONDAY, new_order

BEFORE = [("hotline", "0004_merge_escalation_attachments")]
AFTER = [("hotline", "0005_remove_workorder_rating")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _closed(line, *, rating=None):
    order = new_order(line)
    hotline.workorder_dispatch(actor=line.operator, order=order, main_unit=line.unit_a, at=MONDAY)
    hotline.workorder_sign(actor=line.handler_a, order=order, at=MONDAY + timedelta(hours=1))
    hotline.workorder_reply(actor=line.handler_a, order=order, reply="已处理。", at=MONDAY + timedelta(hours=2))
    return hotline.workorder_close(actor=line.operator, order=order, solved=True, rating=rating, note="满意",
                                   at=MONDAY + timedelta(hours=3))


@pytest.mark.django_db(transaction=True)
def test_the_level_kept_on_an_order_becomes_its_rating(line):
    rated, unrated = _closed(line, rating=4), _closed(line)
    try:
        old = _migrate(BEFORE)
        WorkOrder = old.get_model("hotline", "WorkOrder")
        assert WorkOrder.objects.get(pk=rated.pk).rating == 4  # going back copies the Rating's level
        assert WorkOrder.objects.get(pk=unrated.pk).rating is None
        WorkOrder.objects.filter(pk=unrated.pk).update(rating=2)  # a level with no Rating
    finally:
        _migrate(AFTER)
    rating = Rating.objects.get(work_order=unrated)
    assert (rating.level, rating.channel, rating.rated_at, rating.comment, rating.department) == (
        2, "callback", MONDAY + timedelta(hours=3), "满意", line.hall.dept_a)
    assert Rating.objects.get(work_order=rated).level == 4
    assert Rating.objects.count() == 2
