"""The list and sync indexes end with the id, in their keyset pages' order (heeljournal/pages.py):
PostgreSQL reads a page in order from the index, with no sort of ties.

The new indexes are built beside the old ones, then the old ones dropped, each CONCURRENTLY on
PostgreSQL, so the tables stay open to reads and writes while a release migrates: a plain
CREATE INDEX blocks writes, and a plain DROP INDEX everything, for as long as it takes.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


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


# (model, old index, new index, its fields)
KEYSET_INDEXES = [
    ("footwear", "footwear_list", "footwear_page", ["user", "-created_at", "-id"]),
    ("footwear", "footwear_sync", "footwear_changes", ["user", "updated_at", "id"]),
    ("episode", "episode_list", "episode_page", ["user", "-started_at", "-id"]),
    ("episode", "episode_sync", "episode_changes", ["user", "updated_at", "id"]),
    ("activity", "activity_list", "activity_page", ["user", "-started_at", "-id"]),
    ("activity", "activity_sync", "activity_changes", ["user", "updated_at", "id"]),
    ("journalentry", "journal_sync", "journal_changes", ["user", "updated_at", "id"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracking", "0004_episode_revisions")]

    operations = [
        *(AddIndex(model, models.Index(fields=fields, name=new)) for model, _old, new, fields in KEYSET_INDEXES),
        *(RemoveIndex(model, old) for model, old, _new, _fields in KEYSET_INDEXES),
    ]
