"""Each user's trend check counts the changes to their episodes (`log_version`) and keeps the
count its last evaluation read. A check whose user changed nothing since that evaluation starts
as evaluated; the others (episodes changed since, or never evaluated) as changed. The count
has a default in the database too: code of the release before, still running while the
release rolls out, inserts checks without it."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def count_from_zero(apps, schema_editor):
    TrendCheck = apps.get_model("tracking", "TrendCheck")
    Episode = apps.get_model("tracking", "Episode")
    # the base manager: a deletion (a tombstone) is a change too
    changed_since = Episode._base_manager.filter(user_id=OuterRef("user_id"), updated_at__gt=OuterRef("evaluated_at"))
    TrendCheck.objects.filter(evaluated_at__isnull=False).exclude(Exists(changed_since)).update(evaluated_log_version=0)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0012_evidence_window_end")]

    operations = [
        migrations.AddField(
            model_name="trendcheck", name="log_version", field=models.PositiveBigIntegerField(db_default=0, default=0)
        ),
        migrations.AddField(
            model_name="trendcheck",
            name="evaluated_log_version",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(count_from_zero, migrations.RunPython.noop),
    ]
