"""Who may still commit a row below the highest id already read: the
question of every reader that follows an append-only table by its ids
(supervision's event tail, the statistics rollups, the audit checkpoints)."""

from django.db import connection, models


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
