"""The Celery app, configured from Django settings (CELERY_*), finding each app's tasks.py."""

import gc
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")


class CelerySettings(Mapping):
    """Django's CELERY_* settings as a plain dict of Celery's own names (CELERY_TASK_ACKS_LATE
    as task_acks_late), read once, at Celery's first need.

    Celery looks a setting up under each name it has had, in each source: through Django's
    settings object, each look-up that missed cost a few microseconds, and queueing a task
    looks up several settings, which came to a third of its time. A CELERY_* setting changed
    after that first read is not seen (nor was it before: Celery read the settings object
    that override_settings replaces). Celery's own names, rather than its "CELERY" namespace:
    under the namespace a worker took CELERY_TIMEZONE for Celery 3's setting of that name
    and warned that it was deprecated (it keeps quiet only for the 'django.conf:settings' string).
    """

    @cached_property
    def _values(self):
        from django.conf import settings

        names = [name for name in dir(settings) if name.startswith("CELERY_")]
        return {name.removeprefix("CELERY_").lower(): getattr(settings, name) for name in names}

    def __getitem__(self, name):
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


app = Celery("heeljournal")
app.config_from_object(CelerySettings())
app.autodiscover_tasks()


@worker_process_init.connect
def startup_objects_freeze(**kwargs):
    """A worker process starts with over 100,000 objects (Django, Celery, the project) that
    live as long as it does. The collector's full passes walked them all, each time: 0.05 s
    of a nightly sweep of 10,000 users (bench/README.md). Frozen, they are left out."""
    gc.collect()
    gc.freeze()


# kombu's file-system broker (development) does not make its own folders.
for option in ("data_folder_in", "processed_folder", "control_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
