"""The rollups give the figures the cases give (docs/indicators.md, "Rollups").

The property: over random histories (``stats.synthetic``: cases received on
working and non-working days, accepted or rejected, paused, extended,
withdrawn, decided in time or late or still open and overdue, paid,
delivered with a visit more, rated, alerted yellow and later red, alerted
again after the decision), written
in two steps with a refresh after each (the second moves cases written by
the first on), every figure of ``indicators_for`` / ``indicators_by`` (handled too: the
cells' lags and the long-lag facts; handled with an alert: the alert pairs;
open and overdue at the end: a month end's checkpoint and the cells), every series and the open cases'
current lights (the light cells, moved by the refresh and, without an
event, by the scan's signal) equal the direct computation (``stats.direct``)
for random periods (up to three months: lags beyond the cells'), readers,
scopes and groupings. The speed-up sum is a sum of
floating-point ratios added in another order: equal to 1e-9.
"""

import math
import os
import random
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.cases.models import Case, CaseEvent, Pause
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.cases.tests.conftest import accept_checked, at, desk  # noqa: F401  (fixture)
from govhall.cases import services as cases
from govhall.core.actors import SYSTEM
from govhall.evaluation.models import Rating
from govhall.stats import synthetic
from govhall.stats.direct import (
    current_lights_direct, daily_volumes_direct, indicators_direct, rating_levels_direct, visit_distribution_direct,
)
from govhall.stats.indicators import (
    Scope, current_lights, daily_volumes, indicators_by, indicators_for, rating_levels, visit_distribution,
)
from govhall.stats.models import (
    AlertPair, AlertRollup, CaseFact, DayItemRollup, DayRollup, LightRollup, OverdueCheckpoint, OverdueSpan,
    RollupMark,
)
from govhall.stats.periods import Period
from govhall.stats.rollup import overdue_spans, rollups_rebuild, rollups_refresh
from govhall.supervision.models import Alert

START = date(2026, 1, 5)  # the history runs over the Spring Festival of 2026 (Feb 15–23)
DAYS = 75


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def world(desk):
    h = desk
    immediate = item_create(actor=SYSTEM, spec=complete_spec(
        "A", code="511A0000000002-D1-000-A-1-00", name="即办事项", immediate=True, statutory_days=5,
        promised_days=0, procedure_class="simple",
        steps=[{"name": "受理", "role": "clerk", "days": 0, "department": ""},
               {"name": "决定", "role": "approver", "days": 0, "department": ""}], status="published")).current
    fee_b = item_create(actor=SYSTEM, spec=complete_spec(
        "B", code="511B0000000001-D1-000-B-1-00", name="建筑工程施工许可", promised_days=5, statutory_days=15,
        no_fee=False, fees=[{"name": "工本费", "amount": "50.00", "basis": "《收费标准》"}],
        status="published")).current
    A = h.version
    desks = [
        synthetic.Desk(h.district.pk, h.dept_a.pk, h.comprehensive.pk, h.clerk.pk, A.pk, A.promised_days),
        synthetic.Desk(h.district.pk, h.dept_a.pk, None, None, A.pk, A.promised_days),
        synthetic.Desk(h.town.pk, h.dept_a.pk, h.comprehensive.pk, h.clerk.pk, A.pk, A.promised_days),
        synthetic.Desk(h.district.pk, h.dept_a.pk, h.comprehensive.pk, h.clerk.pk, immediate.pk, 0),
        synthetic.Desk(h.district.pk, h.dept_b.pk, h.window_b.pk, h.clerk_b.pk, fee_b.pk, 5, Decimal("50.00")),
    ]
    readers = [None, h.supervisor, h.manager, h.town_manager, h.clerk, h.clerk_b]
    scopes = [Scope(), Scope(center=h.town), Scope(center=h.district), Scope(department=h.dept_a),
              Scope(department=h.dept_b), Scope(window=h.comprehensive), Scope(staff=h.clerk),
              Scope(item=A.item), Scope(base_code=fee_b.item.base_code), Scope(center=h.district, item=A.item),
              Scope(window=h.window_b, staff=h.clerk_b)]
    return desks, readers, scopes


def _wipe(*, marks: bool) -> None:
    Alert.objects.all().delete()
    Rating.objects.all().delete()
    Pause.objects.all().delete()
    CaseEvent.objects.all().delete()
    for model in (CaseFact, OverdueSpan, AlertPair, OverdueCheckpoint, DayRollup, DayItemRollup, AlertRollup,
                  LightRollup):
        model.objects.all().delete()
    Case.objects.all().delete()
    if marks:
        RollupMark.objects.all().delete()


def _same(direct, rolled) -> None:
    a, b = asdict(direct), asdict(rolled)
    assert math.isclose(a.pop("speed_up_sum"), b.pop("speed_up_sum"), rel_tol=1e-9, abs_tol=1e-9)
    assert a == b


def _check(readers, scopes, *, start: int, length: int, reader: int, scope: int, by: int, today: int) -> None:
    first = START + timedelta(days=start)
    period = Period(first, first + timedelta(days=length))
    user, where = readers[reader % len(readers)], scopes[scope % len(scopes)]
    today_is = period.end + timedelta(days=today)
    grouping = [None, "department", "window", "staff"][by % 4]
    direct = indicators_direct(user=user, period=period, scope=where, today=today_is, by=grouping)
    if grouping is None:
        _same(direct.get(None) or type(indicators_for(user=None, period=period, today=today_is))(),
              indicators_for(user=user, period=period, scope=where, today=today_is))
    else:
        rolled = indicators_by(user=user, period=period, scope=where, today=today_is, by=grouping)
        # A group the direct computation names with nothing in it has all-zero figures.
        empty = type(next(iter(rolled.values()), None) or direct.get(None))
        for key in set(direct) | set(rolled):
            _same(direct.get(key) or empty(), rolled.get(key) or empty())
    assert daily_volumes(user=user, period=period, scope=where) == daily_volumes_direct(
        user=user, period=period, scope=where)
    assert rating_levels(user=user, period=period, scope=where) == rating_levels_direct(
        user=user, period=period, scope=where)
    assert visit_distribution(user=user, period=period, scope=where) == visit_distribution_direct(
        user=user, period=period, scope=where)
    assert current_lights(user=user, scope=where) == current_lights_direct(user=user, scope=where)


CHECK = st.fixed_dictionaries({"start": st.integers(0, DAYS + 20), "length": st.integers(0, 95),
                               "reader": st.integers(0, 5), "scope": st.integers(0, 10), "by": st.integers(0, 3),
                               "today": st.integers(-40, 10)})


# More generated histories under `make fuzz` (GOVHALL_PROPERTY_EXAMPLES).
EXAMPLES = int(os.environ.get("GOVHALL_PROPERTY_EXAMPLES", "25"))


@pytest.mark.django_db
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 40), split=st.integers(0, DAYS + 40),
       rebuild_first=st.booleans(), checks=st.lists(CHECK, min_size=3, max_size=3))
def test_rollups_give_the_direct_figures(world, seed, count, split, rebuild_first, checks):
    desks, readers, scopes = world
    _wipe(marks=rebuild_first)
    history = synthetic.plan(random.Random(seed), desks=desks, start=START, days=DAYS, count=count)
    first = _moment(START + timedelta(days=split))
    synthetic.write(history, moment=first)
    rollups_refresh()  # no marks: a rebuild; else the new rows past the marks
    _check(readers, scopes, **checks[0])
    # Two days on: lights move with the calendar, most without an event (the scan's signal).
    later = first + timedelta(days=2)
    synthetic.write(history, moment=later, since=first)
    for user in readers:
        assert current_lights(user=user) == current_lights_direct(user=user)
    synthetic.write(history, moment=_moment(START + timedelta(days=DAYS + 60)), since=later)
    rollups_refresh()  # cases moved on: decided, delivered with a visit more, resumed, red alerts …
    for check in checks[1:]:
        _check(readers, scopes, **check)


def test_a_rebuild_gives_what_the_refreshes_gave(world):
    desks, readers, scopes = world
    history = synthetic.plan(random.Random(7), desks=desks, start=START, days=DAYS, count=60)
    synthetic.write(history, moment=_moment(START + timedelta(days=30)))
    rollups_refresh()
    synthetic.write(history, moment=_moment(START + timedelta(days=DAYS + 30)), since=_moment(START + timedelta(days=30)))
    rollups_refresh()
    period = Period(START, START + timedelta(days=DAYS))
    refreshed = {by: indicators_by(user=None, period=period, today=period.end, by=by) for by in ("window", "staff")}
    facts = sorted(CaseFact.objects.values_list("case_id", "decided_on", "on_time", "visits"))
    call_command("stats_rollup", "--rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(CaseFact.objects.values_list("case_id", "decided_on", "on_time", "visits")) == facts
    for by, figures in refreshed.items():
        assert indicators_by(user=None, period=period, today=period.end, by=by) == figures
    assert rollups_rebuild().cases == Case.objects.count()


def test_the_refresh_follows_the_services(month):
    """A window pickup adds a visit to a case decided before; a rating comes;
    a yellow alert turns red: the figures of the earlier days move."""
    from govhall.stats.tests.conftest import MARCH, TODAY

    h = month.hall
    before = indicators_for(user=None, period=MARCH, today=TODAY)
    c2 = Case.objects.get(pk=month.cases["c2"].pk)  # approved 03-18, not delivered
    c2 = cases.case_certify(actor=h.clerk, case=c2, certificate_number="JY2", at=at("2026-03-19 10:00"))
    cases.case_deliver(actor=h.clerk, case=c2, method="window", received_by="张三", at=at("2026-04-10 10:00"))
    Rating.objects.create(case=c2, level=2, channel="portal", rated_at=at("2026-03-30 09:00"),
                          department=c2.department, window=c2.window, staff=c2.accepted_by)
    Alert.objects.filter(case=month.cases["c4"], severity="yellow").update(severity="red")
    after = indicators_for(user=None, period=MARCH, today=TODAY)
    assert after.visits_total == before.visits_total + 1
    assert (after.ratings, after.bad) == (before.ratings + 1, before.bad + 1)
    assert (after.alerts_red, after.alerts_yellow) == (before.alerts_red + 1, before.alerts_yellow - 1)
    direct = indicators_direct(user=None, period=MARCH, today=TODAY)[None]
    _same(direct, after)


def test_a_calendar_change_moves_the_timing_it_touches(month):
    """A day of March made a holiday after the fact: the deadlines across it
    move one working day, and the rollups follow the calendar's revision."""
    from govhall.calendars import services as calendars
    from govhall.stats.tests.conftest import MARCH, TODAY

    rollups_refresh()
    calendars.local_day_set(actor=month.hall.admin, day=date(2026, 3, 16), is_workday=False, name="本地假日",
                            reason="测试")
    after = indicators_for(user=None, period=MARCH, today=TODAY)
    direct = indicators_direct(user=None, period=MARCH, today=TODAY)[None]
    _same(direct, after)
    assert after.days_total != 0


@pytest.mark.parametrize(("pauses", "extended", "stop", "spans"), [
    # Promised 5 working days from Monday 2026-03-02: due 03-09; overdue from 03-10.
    ([], None, None, [(date(2026, 3, 10), None)]),
    # Decided 03-12: overdue at the end of 03-10 and 03-11.
    ([], None, date(2026, 3, 12), [(date(2026, 3, 10), date(2026, 3, 11))]),
    # Paused 03-11 → 03-16 (ended): not overdue while paused; after it the deadline has moved by 3 working days.
    ([(date(2026, 3, 11), date(2026, 3, 16))], None, None,
     [(date(2026, 3, 10), date(2026, 3, 10)), (date(2026, 3, 16), None)]),
    # Still paused since 03-11.
    ([(date(2026, 3, 11), None)], None, None, [(date(2026, 3, 10), date(2026, 3, 10))]),
    # Extended by 5 on 03-12: overdue 03-10..03-11, then due 03-16: overdue again from 03-17.
    ([], date(2026, 3, 12), None, [(date(2026, 3, 10), date(2026, 3, 11)), (date(2026, 3, 17), None)]),
])
def test_overdue_spans(db, pauses, extended, stop, spans):
    assert overdue_spans(accepted_on=date(2026, 3, 2), promised_days=5, extension_days=5 if extended else 0,
                         stop=stop, extended_on=extended, pauses=pauses) == spans


def test_the_light_cells_follow_the_scan(desk):
    """The scan stores a case's new light without an event (nothing for the
    refresh to read): its signal moves the light cells in its transaction."""
    import time_machine

    from govhall.cases.tests.test_lifecycle import submit
    from govhall.supervision.engine import supervise_scan

    accept_checked(actor=desk.clerk, case=submit(desk))  # due Mon 03-16
    rollups_refresh()
    assert current_lights(user=None)["red"] == 0
    events = CaseEvent.objects.count()
    with time_machine.travel(at("2026-03-17 09:00"), tick=False):  # the day after: overdue
        supervise_scan(at=at("2026-03-17 08:00"))
    assert CaseEvent.objects.count() == events
    assert current_lights(user=None) == current_lights_direct(user=None)
    assert current_lights(user=desk.manager)["red"] == 1


DAY0 = date(2026, 3, 1)


@settings(max_examples=300, deadline=None)
@given(handled=st.lists(st.integers(0, 20), min_size=1, max_size=2),
       alerted=st.lists(st.integers(0, 20), min_size=1, max_size=4))
def test_the_alert_pairs_count_a_case_once_in_every_period(handled, alerted):
    """The signed intervals of a case sum, over any period, to 1 when it was
    handled in the period and alerted in it, to 0 otherwise."""
    from govhall.stats.rollup import alert_pairs

    days = [DAY0 + timedelta(days=n) for n in range(22)]
    pairs = alert_pairs([days[n] for n in handled], [days[n] for n in alerted])
    for s, start in enumerate(days):
        for end in days[s:]:
            held = sum(sign for first, last, sign in pairs if start <= first and last <= end)
            expected = any(start <= days[h] <= end for h in handled) and any(start <= days[t] <= end for t in alerted)
            assert held == int(expected), (start, end)


def test_an_alert_after_the_decision_counts_the_case_handled_with_an_alert(month):
    """An alert raised on 03-30 about c1, decided on 03-06: the refresh reads
    the alert, moves c1's alert pairs, and March counts c1 as handled with
    an alert; April, where c1 was not handled, does not."""
    from govhall.stats.tests.conftest import MARCH, TODAY, _alert

    h = month.hall
    before = indicators_for(user=None, period=MARCH, today=TODAY)
    c1 = month.cases["c1"]
    _alert("case.delivery_late", "yellow", "2026-03-30 11:00", case=c1, department=c1.department,
           window=c1.window, staff=c1.accepted_by)
    after = indicators_for(user=None, period=MARCH, today=TODAY)
    assert after.handled_with_alerts == before.handled_with_alerts + 1
    _same(indicators_direct(user=None, period=MARCH, today=TODAY)[None], after)
    april = Period.month(2026, 4)
    _same(indicators_direct(user=h.manager, period=april, today=TODAY)[None],
          indicators_for(user=h.manager, period=april, today=TODAY))


def test_a_month_end_checkpoint_is_written_once_the_month_is_over(month):
    """Open and overdue at a month's end is read from that month end's
    checkpoint (plus the spans begun and ended since, in the cells): the
    refresh writes it once the month is over, counted from the spans, and
    the figures equal the direct ones before and after."""
    import time_machine

    from govhall.stats.models import OverdueCheckpoint
    from govhall.stats.tests.conftest import MARCH

    def kept(day):
        return sum(OverdueCheckpoint.objects.filter(day=day).values_list("n", flat=True))

    with time_machine.travel(at("2026-03-31 12:00"), tick=False):
        rollups_rebuild()
        assert kept(date(2026, 2, 28)) == 1  # c13, the February backlog
        assert not OverdueCheckpoint.objects.filter(day=date(2026, 3, 31)).exists()
        _same(indicators_direct(user=None, period=MARCH, today=date(2026, 3, 31))[None],
              indicators_for(user=None, period=MARCH, today=date(2026, 3, 31)))
    with time_machine.travel(at("2026-04-01 09:00"), tick=False):
        rollups_refresh()  # nothing new but the month
        direct = indicators_direct(user=None, period=MARCH, today=date(2026, 4, 1))[None]
        assert kept(date(2026, 3, 31)) == direct.overdue_open > 1
        _same(direct, indicators_for(user=None, period=MARCH, today=date(2026, 4, 1)))
        for period in (Period(date(2026, 3, 20), date(2026, 4, 1)), Period(date(2026, 3, 10), date(2026, 3, 20))):
            _same(indicators_direct(user=None, period=period, today=date(2026, 4, 1))[None],
                  indicators_for(user=None, period=period, today=date(2026, 4, 1)))
