"""`field__any=values`: the rows whose field is one of many values, for a batch of hundreds.

Django writes `__in` as `IN (%s, %s, ...)`, a placeholder per value. psycopg caches the
parsing of statements up to 4 KB only, so a sweep's batch of 500 ids had its statement
split and rewritten anew each time: an eighth of a nightly sweep. On PostgreSQL this lookup
sends the values as one array, `= ANY(%s)`, in a statement of the same few bytes for any
batch; elsewhere (SQLite in development) it is a plain IN.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, IntegerField, Lookup


def unsized(db_type):
    """varchar(254) -> varchar: a cast to a sized type cuts a longer value short, silently."""
    return db_type.split("(", 1)[0]


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def _values(self, connection):
        field, values = self.lhs.output_field, list(self.rhs)
        # Integer ids, as a sweep passes them (a few thousand a batch), prepare to themselves.
        integers = isinstance(getattr(field, "target_field", field), IntegerField)
        if not (integers and all(type(value) is int for value in values)):
            values = [field.get_db_prep_value(value, connection) for value in values]
        if not values:
            raise EmptyResultSet  # as `__in=[]`: no rows, and no query
        return values

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = self._values(connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        array_type = f"{unsized(self.lhs.output_field.db_type(connection))}[]"
        return f"{lhs} = ANY(%s::{array_type})", [*params, self._values(connection)]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # a relation's lookups are its own, not Field's
