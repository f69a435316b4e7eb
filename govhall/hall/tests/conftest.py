from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from govhall.core.actors import SYSTEM
from govhall.hall import services as hall_services
from govhall.org import services as org

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The Monday morning the hall's tests take place on.
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def later(minutes: float) -> datetime:
    return MORNING + timedelta(minutes=minutes)


@pytest.fixture
def floor(hall):
    """The persona hall's district center with two categories: A 综合业务
    (called by the comprehensive window 01) and B 住建业务 (called by window
    01 and the housing window 11); both clerks signed in at 08:50."""
    hall.cat_a = hall_services.category_create(actor=hall.manager, center=hall.district, code="A", name="综合业务")
    hall.cat_b = hall_services.category_create(actor=hall.manager, center=hall.district, code="B", name="住建业务",
                                               departments=[hall.dept_b], service_minutes=6)
    hall_services.window_categories_set(actor=hall.manager, window=hall.comprehensive, categories=[hall.cat_a, hall.cat_b])
    hall_services.window_categories_set(actor=hall.manager, window=hall.window_b, categories=[hall.cat_b])
    for clerk in (hall.clerk, hall.clerk_b):
        org.attendance_check_in(staff=clerk, at=later(-10))
    return hall


def issue(category, minute: float, priority: str = "none", actor=SYSTEM, source: str = "kiosk", phone: str = ""):
    return hall_services.ticket_issue(actor=actor, category=category, source=source, priority=priority,
                                      at=later(minute), phone=phone)
