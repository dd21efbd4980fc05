"""The beat schedule, as rows that staff can edit in the admin (django-celery-beat)."""

from django.db import migrations

SCHEDULE = [
    # (name, task, every seconds)
    ("Sweep trends", "tracking.tasks.sweep_trends", 300),
    ("Sweep the outbox", "tracking.tasks.sweep_outbox", 60),
    ("Send daily reminders", "tracking.tasks.send_daily_reminders", 300),
    ("Purge old records", "tracking.tasks.purge_old_records", 24 * 3600),
]


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in SCHEDULE:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[row[0] for row in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0002_escalations"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
