"""Monthly partitions of the event table on PostgreSQL
(govhall/cases/partitions.py); on SQLite the table stays one table."""

from datetime import date

import pytest
import time_machine
from django.db import connection

from govhall.cases import services as cases
from govhall.cases.events import chain_verify
from govhall.cases.models import CaseEvent
from govhall.cases.partitions import (
    DEFAULT_PARTITION, TABLE, event_partitions, event_partitions_ensure, is_partitioned, partition_name,
)
from govhall.cases.tests.conftest import accept_checked, at
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM

# A month no test run creates a partition for: the migration creates them
# from the month it runs in.
LONG_AGO = at("2019-03-04 10:00")


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are a PostgreSQL feature; on SQLite the event table is one table")


def partition_of(event: CaseEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{TABLE}" WHERE id = %s', [event.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def old_case(hall):
    with time_machine.travel(LONG_AGO, tick=True):
        version = item_create(actor=SYSTEM, spec=complete_spec("A", status="published")).current
        case = cases.case_submit(actor=hall.clerk, item_version=version, center=hall.district, channel="window",
                                 applicant_name="张三", applicant_id_number="110101199003070011",
                                 applicant_phone="13912345678", at=LONG_AGO)
        return accept_checked(actor=hall.clerk, case=case, at=LONG_AGO)


def test_sqlite_keeps_one_table(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not is_partitioned() and event_partitions() == []
    assert event_partitions_ensure(today=date(2026, 3, 2)) == []


def test_the_event_table_has_a_partition_per_month_ahead_and_a_default(db):
    postgresql_only()
    partitions = event_partitions()
    assert partitions[-1].name == DEFAULT_PARTITION and partitions[-1].start is None
    months = [p.start for p in partitions[:-1]]
    assert len(months) >= 13 and months == sorted(months)
    # Again: nothing more to create.
    assert event_partitions_ensure(today=months[0], since=months[0]) == []


def test_a_month_created_late_takes_its_events_out_of_the_default_partition(old_case):
    postgresql_only()
    events = list(old_case.events.all())
    assert {partition_of(e) for e in events} == {DEFAULT_PARTITION}

    assert event_partitions_ensure(today=date(2019, 3, 4), since=date(2019, 3, 1), ahead=0) == ["cases_caseevent_y2019m03"]
    assert {partition_of(e) for e in events} == {partition_name(date(2019, 3, 1))}
    assert chain_verify(old_case) is None  # every event kept, in order, unchanged
    # The month's next event goes straight to its partition, with the next id.
    later = at("2019-03-05 10:00")
    with time_machine.travel(later, tick=True):
        case = cases.case_submit(actor=old_case.accepted_by, item_version=old_case.item_version,
                                 center=old_case.center, channel="window", applicant_name="李四",
                                 applicant_id_number="110101199003070011", applicant_phone="13912345678", at=later)
    event = case.events.get()
    assert partition_of(event) == partition_name(date(2019, 3, 1)) and event.pk > max(e.pk for e in events)


def test_a_period_query_reads_only_its_months(db):
    postgresql_only()
    event_partitions_ensure(today=date(2019, 4, 1), since=date(2019, 3, 1), ahead=1)
    with connection.cursor() as cursor:
        cursor.execute(f'EXPLAIN SELECT count(*) FROM "{TABLE}" WHERE "at" >= %s AND "at" < %s',
                       [at("2019-04-01 00:00"), at("2019-05-01 00:00")])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "y2019m04" in plan
    assert "y2019m03" not in plan and "y2019m05" not in plan and DEFAULT_PARTITION not in plan


def test_the_command_lists_the_months_and_creates_those_ahead(db, capsys):
    from django.core.management import CommandError, call_command

    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="not partitioned"):
            call_command("partitions")
        return
    call_command("partitions", "--ensure", "--ahead", "14")
    shown = capsys.readouterr().out
    assert "created" in shown and f"{DEFAULT_PARTITION}\tdefault\t" in shown
    with pytest.raises(CommandError, match="--ahead"):
        call_command("partitions", "--ahead", "-1")
