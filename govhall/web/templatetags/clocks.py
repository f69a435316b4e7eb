"""``{% case_clock case as clock %}``: the clock a case runs against, for
pages that list cases without a view computing it (the portal's)."""

from django import template

from govhall.cases.deadlines import case_clock as clock_of
from govhall.core import clock

register = template.Library()


@register.simple_tag
def case_clock(case):
    return clock_of(case, today=clock.today())
