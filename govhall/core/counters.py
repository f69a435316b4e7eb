"""Consecutive numbers (case numbers, notice numbers) in one statement.

A counter row per key holds the last number handed out. ``counter_next``
inserts the row on first use or increments it, and returns the new value,
with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL, and
SQLite ≥ 3.35). The row stays locked until the transaction ends, so
concurrent callers get consecutive numbers, never the same one, and a
rolled-back transaction gives its number back.
"""

import functools

from django.db import connection, models


def counter_next(model: type[models.Model], **key) -> int:
    """The next value of ``model``'s ``last`` column for ``key`` (field name →
    value; the fields of a unique constraint of ``model``)."""
    sql, fields = _counter_sql(model, tuple(key), connection.vendor)
    values = [field.get_db_prep_value(getattr(value, "pk", value), connection) for field, value in zip(fields, key.values())]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()[0]


@functools.cache
def _counter_sql(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    """The statement of ``counter_next`` for these key fields, built once per database kind."""
    meta = model._meta
    qn = connection.ops.quote_name
    fields = tuple(meta.get_field(name) for name in names)
    columns = ", ".join(qn(field.column) for field in fields)
    table, last = qn(meta.db_table), qn(meta.get_field("last").column)
    sql = (f"INSERT INTO {table} ({columns}, {last}) VALUES ({', '.join(['%s'] * len(fields))}, 1) "
           f"ON CONFLICT ({columns}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}")
    return sql, fields
