"""Migration operations for PostgreSQL's storage, which Django's own do not reach.

Index changes keep a table open to reads and writes while a release migrates: on PostgreSQL
an index is built and dropped CONCURRENTLY (a plain CREATE INDEX blocks writes, and a plain
DROP INDEX everything, for as long as it takes), elsewhere (SQLite in development) the
operation is the plain one; a migration using them sets `atomic = False`. FillFactor leaves
room in a table's pages for rows that are rewritten often.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class OnPostgresConcurrently:
    """The operation CONCURRENTLY on PostgreSQL, and as a plain one elsewhere (SQLite in development)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if schema_editor.connection.vendor == "postgresql" else self.plain
        operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if schema_editor.connection.vendor == "postgresql" else self.plain
        operation.database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndex(OnPostgresConcurrently, AddIndexConcurrently):
    @property
    def plain(self):
        return migrations.AddIndex(self.model_name, self.index)


class RemoveIndex(OnPostgresConcurrently, RemoveIndexConcurrently):
    @property
    def plain(self):
        return migrations.RemoveIndex(self.model_name, self.name)


class FillFactor(migrations.operations.base.Operation):
    """Leave `percent` of each page of a table to its rows (PostgreSQL only; elsewhere nothing).

    The rest is room for new versions of the rows already there: an update that changes no
    indexed column then stays in its page (a HOT update) and writes no index entry. Pages
    written from then on are filled so far; rows already stored stay where they are.
    """

    reversible = True

    def __init__(self, model_name, percent):
        self.model_name, self.percent = model_name, percent

    def state_forwards(self, app_label, state):
        pass  # the table's storage is not part of Django's model state

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._alter(
            schema_editor, to_state.apps.get_model(app_label, self.model_name), f"SET (fillfactor = {self.percent})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._alter(schema_editor, to_state.apps.get_model(app_label, self.model_name), "RESET (fillfactor)")

    @staticmethod
    def _alter(schema_editor, model, change):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} {change}")

    def describe(self):
        return f"Fill {self.percent}% of each page of {self.model_name}'s table"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name}_fillfactor"

    def deconstruct(self):
        return type(self).__qualname__, [self.model_name, self.percent], {}


class FieldIndexRemove(migrations.operations.fields.FieldOperation):
    """Take away a field's own index (`db_index=False`), the field otherwise as it is: dropped
    CONCURRENTLY on PostgreSQL and made again so going back; elsewhere as AlterField does it."""

    def deconstruct(self):
        return type(self).__qualname__, [self.model_name, self.name], {}

    def state_forwards(self, app_label, state):
        field = state.models[app_label, self.model_name_lower].fields[self.name]
        _name, _path, args, kwargs = field.deconstruct()
        unindexed = type(field)(*args, **{**kwargs, "db_index": False})
        state.alter_field(app_label, self.model_name_lower, self.name, unindexed, preserve_default=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return self._plain.database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        for name in self._own_indexes(schema_editor, model):
            schema_editor.execute(schema_editor._delete_index_sql(model, name, concurrently=True))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return self._plain.database_backwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self._own_indexes(schema_editor, model):  # made already by a run cut short
            field = model._meta.get_field(self.name)
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field], concurrently=True))

    @property
    def _plain(self):
        """Django's AlterField, which reads both fields from the states it is given."""
        return migrations.AlterField(self.model_name, self.name, field=None)

    def _own_indexes(self, schema_editor, model):
        """The field's own index: on its column alone, and named by no Meta, as Django's
        AlterField finds it."""
        column = model._meta.get_field(self.name).column
        named = {index.name for index in model._meta.indexes}
        return schema_editor._constraint_names(model, [column], index=True, type_="idx", exclude=named)

    def describe(self):
        return f"Remove the index of {self.model_name}.{self.name} alone"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.name_lower}_no_index"
