"""Prepared statements for the hot paths of case handling.

``QuerySet.update()``, ``Model.save()`` and a ``select_related`` read build
their SQL anew on every call: a query object, its clone, the compiler, the quoting of every column
(~0.15 ms a statement on the development machine, more than SQLite takes to
run it). A transition writes the same shapes of statement every time, so
their SQL is built once per model, column set and database, and only the
values change. Each value is still converted by its model field exactly as
the ORM converts it (``get_db_prep_save``: dates, aware datetimes, JSON,
decimals, related objects), so the rows are the same as the ORM writes.

Deliberately narrow: plain columns, no expressions other than the version
increment of a guarded update, and no model signals (``insert`` does not
send ``pre_save``/``post_save``: the models written here have no receivers;
callers that need them use the ORM).
"""

from functools import cache

from django.db import connections, models, router


def _connection(model: type[models.Model]):
    return connections[router.db_for_write(model)]


# The field classes whose conversion (``get_db_prep_save``) may give back a
# value of this exact type unchanged: when it does on the database at hand
# (asked once per field: psycopg 3, say, wraps integers in typed ones), the
# value is passed as it is, without the conversion's calls (a transition
# writes ~40 values).
_PLAIN = {models.CharField: str, models.TextField: str, models.BooleanField: bool,
          models.IntegerField: int, models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
          models.SmallIntegerField: int, models.BigIntegerField: int}
_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_SAMPLES = {str: "办件", bool: True, int: 7}


def _unconverted(field, connection) -> type | None:
    """The type whose values ``field`` stores as they are on ``connection``
    (None: convert every value)."""
    if type(field) is models.ForeignKey:
        plain = int if type(field.target_field) in _KEYS else None
    else:
        plain = _PLAIN.get(type(field))
    if plain is None:
        return None
    sample = _SAMPLES[plain]
    converted = field.get_db_prep_save(sample, connection)
    return plain if type(converted) is plain and converted == sample else None


def _value(field, plain, value, connection):
    # A text field gives back any string as it is (a choice's member too:
    # ``CharField.to_python`` returns every ``str`` instance unchanged).
    if plain is not None and (value is None or type(value) is plain or (plain is str and isinstance(value, str))):
        return value
    if isinstance(value, models.Model):  # a related object: its key, as QuerySet.update() takes it
        value = value.prepare_database_save(field)
    return field.get_db_prep_save(value, connection)


@cache
def _fields(model: type[models.Model], names: tuple[str, ...], alias: str) -> tuple:
    """Each field with the type it stores unconverted on the database ``alias``."""
    fields = tuple(model._meta.get_field(name) for name in names)
    for field in fields:
        if not field.concrete or field.many_to_many or hasattr(field, "get_placeholder"):
            raise TypeError(f"{model.__name__}.{field.name} cannot be written by a prepared statement")
    return tuple((field, _unconverted(field, connections[alias])) for field in fields)


@cache
def _update_sql(model: type[models.Model], alias: str, names: tuple[str, ...], increment: str | None,
                guard: tuple[str, ...], condition: str | None) -> str:
    qn = connections[alias].ops.quote_name
    meta = model._meta
    assignments = [f"{qn(field.column)} = %s" for field, _plain in _fields(model, names, alias)]
    if increment:
        column = qn(meta.get_field(increment).column)
        assignments.append(f"{column} = {column} + 1")
    conditions = [f"{qn(field.column)} = %s" for field, _plain in _fields(model, guard, alias)]
    if condition:
        conditions.append(condition)
    return f"UPDATE {qn(meta.db_table)} SET {', '.join(assignments)} WHERE {' AND '.join(conditions)}"


def update(model: type[models.Model], *, where: dict, values: dict, increment: str | None = None,
           condition: tuple[str, list] | None = None) -> int:
    """``UPDATE model SET values [, increment = increment + 1] WHERE where
    [AND condition]`` (``where``: field name → value, all equalities;
    ``condition``: a fixed SQL condition and its parameters); the number of
    rows changed."""
    connection = _connection(model)
    sql = _update_sql(model, connection.alias, tuple(values), increment, tuple(where), condition and condition[0])
    params = [_value(field, plain, value, connection)
              for (field, plain), value in zip(_fields(model, tuple(values), connection.alias), values.values())]
    params += [_value(field, plain, value, connection)
               for (field, plain), value in zip(_fields(model, tuple(where), connection.alias), where.values())]
    if condition:
        params += condition[1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _insert_sql(model: type[models.Model], alias: str, unless_exists: tuple[str, ...]) -> tuple[str, tuple, bool]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = tuple(field for field in meta.local_concrete_fields if field is not meta.auto_field)
    returning = connection.features.can_return_columns_from_insert and meta.auto_field is not None
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(field.column) for field in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if unless_exists:
        if not returning:
            raise TypeError(f"{model.__name__}: an insert unless the row exists needs RETURNING")
        sql += f" ON CONFLICT ({', '.join(qn(meta.get_field(name).column) for name in unless_exists)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {qn(meta.auto_field.column)}"
    # A plain field's ``pre_save`` is the attribute itself.
    return sql, tuple((field, _unconverted(field, connection)) for field in fields), returning


def insert(obj: models.Model, *, unless_exists: tuple[str, ...] = ()) -> models.Model | None:
    """Store a new object in one ``INSERT`` and give it its primary key, as
    ``obj.save()`` would for a new row (``pre_save`` of each field applied:
    ``auto_now``, file fields). With ``unless_exists`` (the fields of a
    unique constraint): ``ON CONFLICT (…) DO NOTHING``, and None when a row
    with these values exists (on PostgreSQL, once the transaction that wrote
    it has committed): nothing written, no error to recover from."""
    model = type(obj)
    connection = _connection(model)
    sql, fields, returning = _insert_sql(model, connection.alias, unless_exists)
    params = []
    for field, plain in fields:
        if plain is None:
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        else:
            params.append(_value(field, plain, getattr(obj, field.attname), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        auto = model._meta.auto_field
        if auto is not None:
            if returning:
                row = cursor.fetchone()
                if row is None:
                    return None
                pk = row[0]
            else:
                pk = connection.ops.last_insert_id(cursor, model._meta.db_table, auto.column)
            setattr(obj, auto.attname, pk)
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


class Prepared:
    """A SELECT over joined models (each with a table alias) and ``extra``
    columns (``(table alias, model, field name)``), built once per database,
    each column converted as the ORM converts it (dates on SQLite, JSON,
    decimals …): the ORM spends several times such a query's own cost
    building the same join on every request. ``tail(t, c)`` gives the SQL
    after the columns (``t(model)``: a table's quoted name, ``c(model,
    field)``: a column's)."""

    def __init__(self, alias: str, joined: tuple, tail, *, extra: tuple = ()):
        connection = connections[alias]
        self.alias, self.joined, columns, self.converters = alias, joined, [], []
        fields = [(table, field) for model, table in joined for field in model._meta.concrete_fields]
        fields += [(table, model._meta.get_field(name)) for table, model, name in extra]
        for table, field in fields:
            column = field.get_col(table)
            columns.append(f"{table}.{connection.ops.quote_name(field.column)}")
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if functions:
                self.converters.append((len(columns) - 1, column, functions))
        self.names = [[field.attname for field in model._meta.concrete_fields] for model, _table in joined]

        def column(model, name: str) -> str:
            return connection.ops.quote_name(model._meta.get_field(name).column)

        def table(model) -> str:
            return connection.ops.quote_name(model._meta.db_table)

        self.sql = f"SELECT {', '.join(columns)} {tail(table, column)}"

    def _rows(self, params: list, many: bool) -> list[list]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall() if many else [row for row in [cursor.fetchone()] if row is not None]
        converted = []
        for row in rows:
            values = list(row)
            for index, column, functions in self.converters:
                for function in functions:
                    values[index] = function(values[index], column, connection)
            converted.append(values)
        return converted

    def _row(self, values: list) -> tuple:
        """The row's objects (one per joined model) and its extra values."""
        objects, start = [], 0
        for (model, _table), names in zip(self.joined, self.names, strict=True):
            objects.append(model.from_db(self.alias, names, values[start:start + len(names)]))
            start += len(names)
        return (objects, *values[start:])

    def fetch(self, params: list) -> tuple | None:
        """The first row's objects and extra values; None without a row."""
        rows = self._rows(params, many=False)
        return self._row(rows[0]) if rows else None

    def fetch_rows(self, params: list) -> list[tuple]:
        """Every row's objects and extra values."""
        return [self._row(values) for values in self._rows(params, many=True)]

    def fetch_all(self, params: list) -> list:
        """The objects of the first joined model, one per row."""
        return [self._row(values)[0][0] for values in self._rows(params, many=True)]
