"""Index changes that keep a table open to reads and writes while a release migrates.

On PostgreSQL an index is built and dropped CONCURRENTLY: a plain CREATE INDEX blocks writes,
and a plain DROP INDEX everything, for as long as it takes. Elsewhere (SQLite in development)
the operation is the plain one. A migration using them sets `atomic = False`.
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
