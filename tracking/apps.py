from django.apps import AppConfig
from django.core import checks


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    def ready(self):
        import heeljournal.lookups  # noqa: F401 (registers `__any`, for the trend sweep's batches)

        checks.register(rules_settings_check)


def rules_settings_check(app_configs, **kwargs):
    """Thresholds the rules cannot work with stop the project at start, not at a sweep."""
    from tracking.trends import Rules

    try:
        Rules.from_settings()
    except ValueError as refused:
        return [checks.Error(str(refused), id="tracking.E001")]
    return []
