from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from govhall.core.actors import SYSTEM
from govhall.hotline import services as hotline
from govhall.hotline.models import (
    Category,
    MemberUnit,
    OrderChannel,
    OrderType,
    UnitKind,
)
from govhall.org import services as org
from govhall.org.roles import Role
from govhall.test import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


MONDAY = at("2026-03-02 10:00")


@dataclass
class Line:
    hall: object
    operator: object
    office: object
    handler_a: object
    handler_b: object
    handler_water: object
    unit_a: MemberUnit
    unit_b: MemberUnit
    water: MemberUnit
    category: Category


@pytest.fixture
def line(hall):
    """The hall's hotline: the district's operator (hall.hotline) and office,
    three member units (department A, department B, the water company) each
    with a handler, and a two-level category."""
    def user(username, role, **kw):
        return org.user_create(actor=SYSTEM, username=username, password=PASSWORD, role=role, full_name=username, **kw)

    office = user("office", Role.HOTLINE_OFFICE, center=hall.district)
    handler_a = user("handler_a", Role.MEMBER_UNIT_HANDLER, department=hall.dept_a)
    handler_b = user("handler_b", Role.MEMBER_UNIT_HANDLER, department=hall.dept_b)
    # A utility's handler has no unit department of its own: any department does for the org model.
    handler_water = user("handler_water", Role.MEMBER_UNIT_HANDLER, department=hall.dept_b)
    unit_a = hotline.member_unit_create(actor=SYSTEM, hotline_center=hall.district, code="U-A", name="审批局",
                                        kind=UnitKind.DEPARTMENT, department=hall.dept_a)
    unit_b = hotline.member_unit_create(actor=SYSTEM, hotline_center=hall.district, code="U-B", name="住建局",
                                        kind=UnitKind.DEPARTMENT, department=hall.dept_b)
    water = hotline.member_unit_create(actor=SYSTEM, hotline_center=hall.district, code="U-W", name="自来水公司",
                                       kind=UnitKind.UTILITY, members=[handler_water])
    top = hotline.category_create(actor=SYSTEM, code="01", name="城乡建设")
    category = hotline.category_create(actor=SYSTEM, code="0101", name="供水", parent=top)
    return Line(hall, hall.hotline, office, handler_a, handler_b, handler_water, unit_a, unit_b, water, category)


def new_order(line, *, type=OrderType.COMPLAINT, phone="13912345678", when=MONDAY, **kw):
    kw.setdefault("content", "小区停水三天，无人处理。")
    return hotline.workorder_create(actor=line.operator, type=type, channel=OrderChannel.PHONE, caller_phone=phone,
                                    caller_name="王先生", category=line.category, at=when, **kw)
