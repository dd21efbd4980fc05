"""The synced records lose the index of the user alone: each has fuller ones that start with the
user. PostgreSQL preferred that one for a page, reckoning on a log of average length, then
read and sorted all of a user's records: a page of someone with 1,900 episodes took 2.3 ms
where the page index reads its 51 rows in 0.35 ms (bench/README.md). Each is dropped
CONCURRENTLY, so the tables stay open while a release migrates."""

from django.db import migrations

from heeljournal.schema import FieldIndexRemove


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tracking", "0013_trend_check_log_version")]

    operations = [FieldIndexRemove(model, "user") for model in ("footwear", "episode", "activity", "journalentry")]
