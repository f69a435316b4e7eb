"""Following an append-only table by its ids: who may still commit a row
below the highest id already read, and the "holes" a reader keeps — the
question and the bookkeeping of every such reader (supervision's event
tail, the statistics rollups, the audit checkpoints).

Ids are taken when a row is inserted, not when it commits: on PostgreSQL a
transaction can commit a row below one a reader has already read. A reader
therefore keeps, besides the last id it read, the ids below it it has not
seen (holes), reads them again on every pass, and forgets a hole only after
a read made once no transaction that could own it is running any more
(docs/supervision.md, "The event tail"). A pass:

1. ``running = table_writers(model)`` if holes are kept;
2. read the rows past the mark; ``new = id_gaps(mark, their ids)``;
3. ``new_writers = table_writers(model)`` if ``new``;
4. read again the stored holes (and ``new`` when it has no writers) through
   ``ranges_q``;
5. ``holes = holes_next(...)`` with what that read found.
"""

from django.db import connection, models
from django.db.models import Q


def table_writers(model: type[models.Model]) -> frozenset[str]:
    """The transactions, other than this one, that may have taken an id of
    ``model`` they have not committed yet.

    PostgreSQL: a transaction that takes an id from the identity sequence
    (or inserts into the table) holds a lock on the sequence (the table)
    until it ends, from before it has the id; the lock table names them by
    their virtual transaction id, which is not reused while the server runs.
    Transaction ids (pg_snapshot_xmin/xmax) would not do: nextval assigns
    none, so a writer can hold an id before it has a transaction id at all.
    SQLite: writers are serialized (immediate transactions), so no id is left
    uncommitted below a committed one: ids commit in order, and an id missing
    below a committed one was rolled back."""
    if connection.vendor != "postgresql":
        return frozenset()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT virtualtransaction FROM pg_locks"
            " WHERE locktype = 'relation' AND mode <> 'AccessShareLock'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND relation IN (%s::regclass, pg_get_serial_sequence(%s, %s)::regclass)"
            " AND pid IS DISTINCT FROM pg_backend_pid()",
            [table, table, model._meta.pk.column])
        return frozenset(row[0] for row in cursor.fetchall())


def id_gaps(after: int, ids: list[int]) -> list[list[int]]:
    """The ranges [first, last] of ids above ``after`` missing from the
    ascending ``ids`` (up to the last of them)."""
    gaps, previous = [], after
    for pk in ids:
        if pk > previous + 1:
            gaps.append([previous + 1, pk - 1])
        previous = pk
    return gaps


def ranges_without(ranges: list[list[int]], seen: set[int]) -> list[list[int]]:
    """``ranges`` with the ids in ``seen`` taken out, merged and sorted."""
    result: list[list[int]] = []
    for first, last in sorted(ranges):
        inside = sorted(pk for pk in seen if first <= pk <= last)
        for pk in inside + [last + 1]:
            if pk > first:
                if result and result[-1][1] >= first - 1:
                    result[-1][1] = max(result[-1][1], pk - 1)
                else:
                    result.append([first, pk - 1])
            first = pk + 1
    return result


def ranges_q(ranges: list[list[int]]) -> Q:
    q = Q()
    for first, last in ranges:
        q |= Q(pk__range=(first, last))
    return q


def holes_next(groups: list[dict], *, running: frozenset[str], reread_complete: bool, seen: set[int],
                new: list[list[int]], new_writers: frozenset[str]) -> list[dict]:
    """The holes to keep after a scan: each stored group without the ids
    just found, its writers still running; a group whose writers have all
    ended is forgotten (the read just made came after they ended) unless that
    read was cut short by the batch. The new holes join with the
    transactions running after they were found; with none running they were
    read again at once and are forgotten too."""
    kept: dict[frozenset[str], list[list[int]]] = {}

    def keep(writers: frozenset[str], ranges: list[list[int]]) -> None:
        ranges = ranges_without(ranges, seen)
        if ranges:
            kept[writers] = ranges_without(kept.get(writers, []) + ranges, set())

    for group in groups:
        writers = frozenset(group["writers"]) & running
        if writers or not reread_complete:
            keep(writers, group["ranges"])
    if new and (new_writers or not reread_complete):
        keep(new_writers, new)
    # Groups waiting for the same transactions are one: the state grows with
    # the holes and the transactions still open, not with the scans.
    return [{"ranges": ranges, "writers": sorted(writers)} for writers, ranges in
            sorted(kept.items(), key=lambda item: item[1][0])]
