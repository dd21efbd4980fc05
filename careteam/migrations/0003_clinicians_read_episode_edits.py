"""Clinicians read an episode's edits (the episode page and its history), as they read the episode."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def clinicians_read_edits(apps, schema_editor):
    app_config = apps.get_app_config("tracking")
    app_config.models_module = True  # permissions are normally made after every migration ran
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="tracking", codename="view_episoderevision")
    for group in Group.objects.filter(name="Clinicians"):  # none, if an operator removed it
        group.permissions.add(permission)


def clinicians_stop_reading_edits(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="tracking", codename="view_episoderevision")
    for group in Group.objects.filter(name="Clinicians"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("careteam", "0002_clinicians_group"),
        ("tracking", "0007_escalation_fillfactor"),
    ]

    operations = [migrations.RunPython(clinicians_read_edits, clinicians_stop_reading_edits)]
