"""A code the patient withdrew before anyone used it (care-team/invites/, DELETE)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("careteam", "0004_access_log_no_patient_index")]

    operations = [
        migrations.AddField(
            model_name="careinvite", name="withdrawn_at", field=models.DateTimeField(blank=True, null=True)
        ),
    ]
