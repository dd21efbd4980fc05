"""Open trend escalations say the day their figures were taken (evidence `window_end`), as
those opened since do. Until now an open escalation's figures were taken anew each night its
rule held, so that day is the last day it held."""

from django.db import migrations

TREND_REASONS = ("persistent", "worsening", "increasing_pain", "bilateral_pattern", "radiating_pattern")


def date_the_figures(apps, schema_editor):
    Escalation = apps.get_model("tracking", "Escalation")
    undated = Escalation.objects.filter(closed_at__isnull=True, reason__in=TREND_REASONS).exclude(
        evidence__has_key="window_end"
    )
    for escalation in undated.iterator():
        escalation.evidence = {**escalation.evidence, "window_end": escalation.last_held_on.isoformat()}
        escalation.save(update_fields=["evidence"])


class Migration(migrations.Migration):
    dependencies = [("tracking", "0011_sync_horizon")]

    operations = [migrations.RunPython(date_the_figures, migrations.RunPython.noop)]
