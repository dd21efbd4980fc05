"""The Clinicians group: read what the patient page and record pages show, and redeem codes. Nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CLINICIAN_PERMISSIONS = [
    ("careteam", "view_patient"),
    ("careteam", "redeem_invite"),
    ("tracking", "view_footwear"),
    ("tracking", "view_episode"),
    ("tracking", "view_activity"),
    ("tracking", "view_journalentry"),
    ("tracking", "view_escalation"),
    ("tracking", "view_escalationevent"),
]


def clinicians_group_create(apps, schema_editor):
    # Permissions are normally created after all migrations ran; this one needs them now.
    for label in {app_label for app_label, _codename in CLINICIAN_PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Clinicians")
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in CLINICIAN_PERMISSIONS
    ]
    group.permissions.set(permissions)  # exactly these, even where the group existed before


class Migration(migrations.Migration):
    dependencies = [
        ("careteam", "0001_initial"),
        ("tracking", "0003_periodic_tasks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(clinicians_group_create, migrations.RunPython.noop)]
