"""The list and sync indexes end with the id, in their keyset pages' order (heeljournal/pages.py):
PostgreSQL reads a page in order from the index, with no sort of ties.

The new indexes are built beside the old ones, then the old ones dropped, each CONCURRENTLY on
PostgreSQL, so the tables stay open to reads and writes while a release migrates: a plain
CREATE INDEX blocks writes, and a plain DROP INDEX everything, for as long as it takes.
"""

from django.db import migrations, models

from heeljournal.schema import AddIndex, RemoveIndex


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
