"""Records deleted before tombstones were cleared on delete (tracking.records.record_delete)
give up their notes and, for episodes, their edit history, as those deleted since do."""

from django.db import migrations


def clear_tombstones(apps, schema_editor):
    for name in ("Episode", "Activity", "JournalEntry"):
        apps.get_model("tracking", name).objects.filter(deleted_at__isnull=False).exclude(notes="").update(notes="")
    apps.get_model("tracking", "EpisodeRevision").objects.filter(episode__deleted_at__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("tracking", "0009_duration_within_a_day")]

    operations = [migrations.RunPython(clear_tombstones, migrations.RunPython.noop)]
