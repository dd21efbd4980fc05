"""Pages of a user's records, read by one hand-written statement.

A record list is what a phone asks for most. Django building and compiling its queryset,
DRF's cursor pagination over it, and a model instance per row were most of serving a page
of 50 episodes (measured, bench/README.md). A list has few shapes, so each is written here
as SQL, run with its values, and read as plain rows.

Pages are keyset pages on (the list's ordering column, id): a record logged or deleted
meanwhile never makes a page repeat or skip another, ties included.
"""

import base64
from dataclasses import dataclass, field
from functools import cache

import orjson
from django.db import connection, models
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from heeljournal.api import PageSizes, cursor_position


@dataclass
class PageQuery:
    """The records a list holds, and the field it is ordered by ("-" first: newest first)."""

    model: type[models.Model]
    columns: list[str]
    order: str
    conditions: list[tuple[str, str, tuple]] = field(default_factory=list)  # (field name, operator, value or none)

    def where(self, field_name, operator, *value):
        """A condition on a field: `where("severity", ">=", 3)`, `where("deleted_at", "IS NULL")`."""
        if operator not in OPERATORS or len(value) != (0 if operator == "IS NULL" else 1):
            raise ValueError(f"Not a condition: {field_name} {operator} {value}")
        self.conditions.append((field_name, operator, value))
        return self


OPERATORS = {"=", "<", "<=", ">", ">=", "IS NULL"}


def _field(model, name):
    return model._meta.get_field(name)


def _db_value(model, name, value):
    return _field(model, name).get_db_prep_value(value, connection)


@cache
def _converters(model, columns, vendor):
    """How each column's value becomes the field's: JSON with orjson, the rest as Django's
    ORM converts them (nothing, on PostgreSQL; UUIDs, booleans and times on SQLite)."""
    by_column = {item.column: item for item in model._meta.concrete_fields}
    converters = []
    for index, column in enumerate(columns):
        model_field = by_column[column]
        if isinstance(model_field, models.JSONField) and model_field.decoder is None:
            converters.append((index, _json, None))
            continue
        expression = model_field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(expression) + model_field.get_db_converters(connection):
            converters.append((index, convert, expression))
    return converters


def _json(value, expression, connection):
    return None if value is None else orjson.loads(value)


def page_rows(query, *, after=None, backwards=False, limit):
    """Up to `limit` rows of the query (its columns' values), in the list's order, or in the
    reverse of it with `backwards`; after the (position, id) of `after` in that direction."""
    model, quote = query.model, connection.ops.quote_name
    order = quote(_field(model, query.order.lstrip("-")).column)
    descending = query.order.startswith("-") != backwards
    conditions, params = [], []
    for name, operator, value in query.conditions:
        conditions.append(f"{quote(_field(model, name).column)} {operator}{' %s' if value else ''}")
        params += [_db_value(model, name, one) for one in value]
    if after is not None:
        position, record_id = after
        before = "<" if descending else ">"
        # Bounded on the ordering column alone first, so that the list's index serves it.
        conditions.append(f"{order} {before}= %s AND ({order} {before} %s OR {quote('id')} {before} %s)")
        position = _db_value(model, query.order.lstrip("-"), position)
        params += [position, position, _db_value(model, "id", record_id)]
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {', '.join(map(quote, query.columns))} FROM {quote(model._meta.db_table)}"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY {order} {direction}, {quote('id')} {direction} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    converters = _converters(model, tuple(query.columns), connection.vendor)
    if not converters:
        return rows
    rows = [list(row) for row in rows]
    for row in rows:
        for index, convert, expression in converters:
            row[index] = convert(row[index], expression, connection)
    return rows


class KeysetPagination(PageSizes, CursorPagination):
    """`{next, previous, results}` over a PageQuery; the cursor is the field the list is
    ordered by, the (position, id) of the record a page continues from, and which way."""

    def paginate_queryset(self, queryset, request, view=None):
        raise TypeError("A keyset page is read with paginate_rows(PageQuery)")

    def paginate_rows(self, query, request):
        self.base_url = request.build_absolute_uri()
        self.order_field = query.order.lstrip("-")
        order_column = _field(query.model, self.order_field).column
        self.positions = [query.columns.index(order_column), query.columns.index("id")]  # where a row holds them
        size = self.get_page_size(request)
        cursor = self.read_cursor(request, query.model)
        after, backwards = (None, False) if cursor is None else cursor
        rows = page_rows(query, after=after, backwards=backwards, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.has_next, self.has_previous = (True, more) if backwards else (more, cursor is not None)
        self.rows = rows
        return rows

    def _link(self, row, backwards):
        position, record_id = (row[index] for index in self.positions)
        text = orjson.dumps([self.order_field, position, record_id, backwards])  # times, dates, ids as ISO text
        return replace_query_param(self.base_url, self.cursor_query_param, base64.urlsafe_b64encode(text).decode())

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.rows:  # came back past the first record: the list from its start
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.rows[-1], backwards=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.rows[0], backwards=True)

    def read_cursor(self, request, model):
        """((position, id), backwards) from the request's cursor, None on the first page.

        A cursor comes back from the client, so it is checked before it reaches a query: a
        bad one, or one of a list in another order (a sync's), is a 400, never a 500."""
        text = request.query_params.get(self.cursor_query_param)
        if text is None:
            return None
        try:
            order_field, position, record_id, backwards = orjson.loads(base64.urlsafe_b64decode(text.encode("ascii")))
            if order_field != self.order_field or not all(isinstance(one, str) for one in (position, record_id)):
                raise ValueError
            if not isinstance(backwards, bool):
                raise ValueError
            position = cursor_position(_field(model, self.order_field), position)
            record_id = cursor_position(_field(model, "id"), record_id)
        except (ValueError, TypeError):
            raise self.cursor_refused() from None
        return (position, record_id), backwards
