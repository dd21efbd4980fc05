"""Statements that read and write hundreds of rows at once, for the trend sweep's batches.

On PostgreSQL the rows go as one array per column, unnested by the statement, and bound in
binary. Written out as `VALUES (%s, ...), ...` and bound in the client, as Django binds by
default, a batch's 500 rows took three times PostgreSQL's own time: psycopg quoted each of
1,500 values into the text of the statement, then split that text anew (it caches statements
up to 4 KB only). Elsewhere (SQLite in development) the rows are a plain VALUES list.
"""

from django.db import connection
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from heeljournal.lookups import unsized


def objects_read(queryset, fields):
    """The objects of `queryset`, with their id and `fields` (names) loaded and the rest left
    to be read on first use, as `.only(*fields)` gives them.

    Each is built from its row as from_db would, but for the walk from_db and Model.__init__
    make over every field of the model for each object, to learn which were read: 40 µs an
    object, where a nightly sweep builds 19,000 (its users and open escalations), a quarter of
    its CPU time (bench/README.md). The queryset's own only(), defer(), select_related() and
    prefetch_related() are not applied.
    """
    model, alias = queryset.model, queryset.db
    if pre_init.has_listeners(model) or post_init.has_listeners(model):  # they would miss these objects
        yield from queryset.only(*fields)
        return
    names = [model._meta.pk.attname, *(model._meta.get_field(name).attname for name in fields)]
    for row in queryset.values_list(*names):
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, row, strict=True))
        instance._state = state = ModelState()
        state.adding, state.db = False, alias
        yield instance


def rows_execute(statement, rows, *, fields, params=()):
    """Execute `statement`, whose `{rows}` is a table of `rows`, one value for each of
    `fields` (model fields: they prepare each value and give its column type), named
    column1, column2, ... as PostgreSQL and SQLite name a VALUES list's columns.

    `params` are the values of the statement's own placeholders, which come before `{rows}`.
    """
    if not rows:
        return
    values = [_prepared(field, column) for field, column in zip(fields, zip(*rows, strict=True), strict=True)]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{unsized(field.db_type(connection))}[]" for field in fields)
        names = ", ".join(f"column{n}" for n in range(1, len(fields) + 1))
        source = f"SELECT * FROM unnest({arrays}) AS v({names})"
        with connection.cursor() as cursor:  # binds server-side (settings.DATABASES), so %b is binary
            cursor.execute(statement.format(rows=source), [*params, *values])
        return
    placeholders = f"({', '.join(['%s'] * len(fields))})"
    prepared = list(zip(*values, strict=True))
    per_statement = max(1, SQLITE_MAX_VALUES // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), per_statement):
            some = prepared[start : start + per_statement]
            cursor.execute(
                statement.format(rows="VALUES " + ", ".join([placeholders] * len(some))),
                [*params, *(value for row in some for value in row)],
            )


def rows_insert(fields, rows, *, on_conflict=""):
    """Insert `rows`, one value for each of `fields` (one model's), with `on_conflict` as the
    statement's ON CONFLICT clause, if any."""
    quote = connection.ops.quote_name
    table = quote(fields[0].model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    rows_execute(
        # WHERE true: SQLite would read ON CONFLICT as the join's ON.
        f"INSERT INTO {table} ({columns}) SELECT * FROM ({{rows}}) AS v WHERE true {on_conflict}",
        rows,
        fields=fields,
    )


def objects_insert(objects, *, ignore_conflicts=False):
    """Insert unsaved model objects of one model, as bulk_create(ignore_conflicts=...) does,
    with their rows bound in binary (rows_execute).

    Django's bulk_create also sends one array per column on PostgreSQL, but in text, which
    psycopg writes value by value in Python: a third of a sweep's opening of escalations.
    An auto-incremented id is left to the database and not read back: such objects stay
    unsaved as far as Django knows. Generated columns are the database's; a database default
    (db_default) is not supported.
    """
    if not objects:
        return
    meta = objects[0]._meta
    fields = [f for f in meta.concrete_fields if not f.generated and not (f.primary_key and f.db_returning)]
    if any(field.has_db_default() for field in fields):
        raise ValueError(f"objects_insert writes every column; {meta.label} has a database default")
    rows_insert(
        fields,
        [[field.pre_save(model_object, True) for field in fields] for model_object in objects],
        on_conflict="ON CONFLICT DO NOTHING" if ignore_conflicts else "",
    )
    if meta.pk in fields:  # its id is its own: saved, in this database, as bulk_create leaves it
        for model_object in objects:
            model_object._state.adding, model_object._state.db = False, connection.alias


SQLITE_MAX_VALUES = 30_000  # a statement's values, under SQLite's 32,766


def _prepared(field, column):
    if connection.vendor == "postgresql" and field.get_internal_type() != "JSONField":
        # psycopg sends ints, text, dates, times and UUIDs as they are; Django's preparing
        # of each (a sixth of a sweep's writing) would hand them back unchanged.
        return list(column)
    return [field.get_db_prep_save(value, connection) for value in column]
