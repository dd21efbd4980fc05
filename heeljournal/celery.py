"""The Celery app, configured from Django settings (CELERY_*), finding each app's tasks.py."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")

app = Celery("heeljournal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# kombu's file-system broker (development) does not make its own folders.
for option in ("data_folder_in", "processed_folder", "control_folder"):
    folder = app.conf.broker_transport_options.get(option)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
