import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")
django_application = get_wsgi_application()

from heeljournal.middleware import chunked_bodies_read  # noqa: E402 (after Django is set up)

application = chunked_bodies_read(django_application)
