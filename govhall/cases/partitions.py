"""Monthly partitions of the case event table on PostgreSQL (DESIGN 2).

The event log only grows: a city adds millions of events a year. On
PostgreSQL ``cases_caseevent`` is a table partitioned by range of ``at``,
one partition per month of the center's time zone
(``cases_caseevent_y2026m03``), plus a default partition that catches any
event outside the months created so far, so an insert never fails for want
of a partition. Queries over a period (statistics, reports) read only that
period's partitions; an old month can be detached and archived as a table of
its own.

``event_partitions_ensure`` creates the months ahead (the task worker runs it
daily, ``govhall partitions`` on demand). Creating a month whose rows already
sit in the default partition moves them into it, in one transaction.

What partitioning costs (docs/deploy.md): PostgreSQL enforces a unique
constraint on a partitioned table only together with the partition key, so
(case, seq) is unique per partition, not across them. The chain itself keeps
the sequence: every event is appended by an update guarded by the case's
chain head (``Case.event_seq``), and ``govhall verify-audit`` reports a
repeated sequence number as a break. SQLite has no partitions: there the
table stays one table with its unique constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction

TABLE = "cases_caseevent"
DEFAULT_PARTITION = f"{TABLE}_default"
# The months created ahead of today.
MONTHS_AHEAD = 12
# One advisory lock for every change of the partitions (two workers, a command).
_LOCK_KEY = 0x67_6F_76_68_61_6C_6C  # "govhall"


@dataclass(frozen=True)
class Partition:
    name: str
    start: date | None  # None: the default partition
    rows: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    """The start of ``month`` in the center's time zone, as a timestamptz literal."""
    return datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE)).isoformat()


def is_partitioned(connection=default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def event_partitions(connection=default_connection) -> list[Partition]:
    """The partitions of the event table with their row counts, oldest first,
    the default partition last; empty where the table is not partitioned."""
    if not is_partitioned(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = %s::regclass ORDER BY c.relname", [TABLE])
        names = [name for (name,) in cursor.fetchall()]
        found = []
        for name in names:
            cursor.execute(f'SELECT count(*) FROM "{name}"')
            (rows,) = cursor.fetchone()
            start = None if name == DEFAULT_PARTITION else date(int(name[-7:-3]), int(name[-2:]), 1)
            found.append(Partition(name, start, rows))
    return sorted(found, key=lambda p: (p.start is None, p.start or date.min))


def _create_month(cursor, month: date) -> None:
    """Create the partition of ``month``; rows of that month already in the
    default partition move into it (the default is detached meanwhile, so no
    insert can land there half-way)."""
    name, start, end = partition_name(month), _bound(month), _bound(month_after(month))
    cursor.execute(f'SELECT 1 FROM "{DEFAULT_PARTITION}" WHERE "at" >= %s AND "at" < %s LIMIT 1', [start, end])
    stranded = cursor.fetchone() is not None
    if stranded:
        cursor.execute(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{DEFAULT_PARTITION}"')
    cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" FOR VALUES FROM (%s) TO (%s)', [start, end])
    if stranded:
        cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{DEFAULT_PARTITION}" WHERE "at" >= %s AND "at" < %s',
                       [start, end])
        cursor.execute(f'DELETE FROM "{DEFAULT_PARTITION}" WHERE "at" >= %s AND "at" < %s', [start, end])
        cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{DEFAULT_PARTITION}" DEFAULT')


def event_partitions_ensure(*, today: date, since: date | None = None, ahead: int = MONTHS_AHEAD,
                            connection=default_connection) -> list[str]:
    """Create the monthly partitions from ``since`` (default: this month) to
    ``ahead`` months after ``today`` that do not exist yet; the names created.
    Nothing to do where the table is not partitioned."""
    if not is_partitioned(connection):
        return []
    last = month_start(today)
    for _ in range(ahead):
        last = month_after(last)
    created = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        existing = {p.name for p in event_partitions(connection)}
        month = month_start(since or today)
        while month <= last:
            if partition_name(month) not in existing:
                _create_month(cursor, month)
                created.append(partition_name(month))
            month = month_after(month)
    return created


def event_table_partition(*, today: date, connection) -> None:
    """Turn the plain event table into the partitioned one, keeping every row,
    id and constraint but the global (case, seq) uniqueness (see above).
    Used once, by the migration."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_plain"')
        # Its key, unique constraint and identity sequence give their names up
        # to the new table (the rows are copied with their ids).
        cursor.execute(f'ALTER TABLE "{TABLE}_plain" DROP CONSTRAINT "{TABLE}_pkey", DROP CONSTRAINT "case_event_seq", '
                       'ALTER COLUMN "id" DROP IDENTITY')
        # Identity columns are not allowed on a partitioned table before
        # PostgreSQL 17: the id takes its values from a sequence of its own,
        # owned by the column, as a serial column does.
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{TABLE}_plain" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) '
                       'PARTITION BY RANGE ("at")')
        cursor.execute(f'CREATE SEQUENCE "{TABLE}_id_seq" OWNED BY "{TABLE}"."id"')
        cursor.execute(f'''ALTER TABLE "{TABLE}" ALTER COLUMN "id" SET DEFAULT nextval('"{TABLE}_id_seq"')''')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY ("id", "at")')
        cursor.execute(f'CREATE INDEX "case_event_seq" ON "{TABLE}" ("case_id", "seq")')
        cursor.execute(f'CREATE INDEX "{TABLE}_actor_id" ON "{TABLE}" ("actor_id")')
        cursor.execute(f'CREATE INDEX "{TABLE}_at" ON "{TABLE}" ("at")')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_case_id_fk" FOREIGN KEY ("case_id") '
                       'REFERENCES "cases_case" ("id") DEFERRABLE INITIALLY DEFERRED')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_actor_id_fk" FOREIGN KEY ("actor_id") '
                       'REFERENCES "org_user" ("id") DEFERRABLE INITIALLY DEFERRED')
        cursor.execute(f'CREATE TABLE "{DEFAULT_PARTITION}" PARTITION OF "{TABLE}" DEFAULT')
        cursor.execute(f'SELECT min("at") FROM "{TABLE}_plain"')
        (first,) = cursor.fetchone()
    since = first.astimezone(ZoneInfo(settings.TIME_ZONE)).date() if first else today
    event_partitions_ensure(today=today, since=min(since, today), connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{TABLE}" SELECT * FROM "{TABLE}_plain"')
        cursor.execute(f'DROP TABLE "{TABLE}_plain"')
        cursor.execute(f'''SELECT setval('"{TABLE}_id_seq"', COALESCE((SELECT max("id") FROM "{TABLE}"), 0) + 1, false)''')
