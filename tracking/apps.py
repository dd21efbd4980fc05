from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    def ready(self):
        import heeljournal.lookups  # noqa: F401 (registers `__any`, for the trend sweep's batches)
