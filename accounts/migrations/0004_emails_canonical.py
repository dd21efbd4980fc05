"""Every stored address in the form it is now looked up in (accounts.models.email_canonical):
registration only lower-cased it, and an account the admin added kept it as typed."""

from django.db import migrations

from accounts.models import email_canonical


def emails_canonical(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for pk, email in User.objects.values_list("pk", "email").iterator():
        canonical = email_canonical(email)
        # A second account of one address (possible before) keeps its own, to be merged by hand.
        if canonical != email and canonical not in taken:
            taken.add(canonical)
            User.objects.filter(pk=pk).update(email=canonical)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_info_alerts")]

    operations = [migrations.RunPython(emails_canonical, migrations.RunPython.noop)]
