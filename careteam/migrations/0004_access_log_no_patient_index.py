"""The access log loses its index of the patient alone: access_log_list starts with the patient.
PostgreSQL preferred that one for a page of the log, reckoning on a log of average length, then
read and sorted every line of a patient looked at far more than most (tracking migration 0014
says the same of the records). Dropped CONCURRENTLY, so the log stays open while a release
migrates."""

from django.db import migrations

from heeljournal.schema import FieldIndexRemove


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("careteam", "0003_clinicians_read_episode_edits")]

    operations = [FieldIndexRemove("accesslog", "patient")]
