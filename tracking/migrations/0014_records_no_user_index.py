"""The synced records lose the index of the user alone: each has fuller ones that start with the
user. PostgreSQL preferred that one for a page, reckoning on a log of average length, then
read and sorted all of a user's records: a page of someone with 1,900 episodes took 2.3 ms
where the page index reads its 51 rows in 0.35 ms (bench/README.md). Each is dropped
CONCURRENTLY, so the tables stay open while a release migrates."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from heeljournal.schema import FieldIndexRemove


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tracking", "0013_trend_check_log_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        FieldIndexRemove(
            model_name=model,
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        )
        for model in ("footwear", "episode", "activity", "journalentry")
    ]
