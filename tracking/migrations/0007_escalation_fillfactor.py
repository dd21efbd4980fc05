"""A nightly sweep rewrites the figures of every open escalation. With room left in each page,
the new version of a row stays in its page and no index gets a new entry (a HOT update): the
sweep's write of 9,000 escalations took two thirds of the time (bench/README.md). Rows stored
before stay in their full pages until they move (an update, VACUUM FULL)."""

from django.db import migrations

from heeljournal.schema import FillFactor


class Migration(migrations.Migration):
    dependencies = [("tracking", "0006_episode_day_figures")]

    operations = [FillFactor("escalation", 70)]
