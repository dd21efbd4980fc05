"""The daily series of the trend rules is read from an index alone: episode_days (user, local
date) becomes episode_day_figures, which also holds the columns behind a day's figures and only
the episodes not deleted. A nightly sweep's reads took a third of the time in PostgreSQL."""

from django.db import migrations, models

from heeljournal.schema import AddIndex, RemoveIndex


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracking", "0005_keyset_indexes")]

    operations = [
        AddIndex(
            "episode",
            models.Index(
                fields=["user", "local_date"],
                include=[
                    "severity",
                    "pain",
                    "side",
                    "radiates_from_back",
                    "sudden_onset",
                    "foot_weakness",
                    "bowel_bladder_change",
                ],
                condition=models.Q(deleted_at__isnull=True),
                name="episode_day_figures",
            ),
        ),
        RemoveIndex("episode", "episode_days"),
    ]
