from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.org import services as org
from govhall.org.models import Action

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A moment in the center's time zone: at("2026-03-02 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def desk(hall):
    """The hall with an item of department A (受理 → 审查 → 决定, promised 10
    of 20 working days) and the people authorized for each step."""
    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    org.authorization_grant(actor=SYSTEM, staff=hall.approver, department=hall.dept_a, action=Action.APPROVE)
    for action in (Action.DELIVER, Action.CERTIFY, Action.CHARGE):
        org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=hall.dept_a, action=action)
    hall.item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    hall.version = hall.item.current
    return hall
