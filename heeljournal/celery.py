"""The Celery app, configured from Django settings (CELERY_*), finding each app's tasks.py."""

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")


class CelerySettings(Mapping):
    """Django's CELERY_* settings as a plain dict, read once, at Celery's first need.

    Celery looks a setting up under each name it has had, in each source: through Django's
    settings object, each look-up that missed cost a few microseconds, and queueing a task
    looks up several settings, which came to a third of its time. A CELERY_* setting changed
    after that first read is not seen (nor was it before: Celery read the settings object
    that override_settings replaces).
    """

    @cached_property
    def _values(self):
        from django.conf import settings

        return {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}

    def __getitem__(self, name):
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


app = Celery("heeljournal")
app.config_from_object(CelerySettings(), namespace="CELERY")
app.autodiscover_tasks()

# kombu's file-system broker (development) does not make its own folders.
for option in ("data_folder_in", "processed_folder", "control_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
