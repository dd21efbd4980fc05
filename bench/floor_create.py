"""The floors of the create figure: the least a create can do on this stack, served as the API is.

Each does what every create must: one Redis round trip that reads the token and counts the
request, the body read and checked, the project's own insert statement (the episode and its
user made due, in one statement), the answer written. Nothing else: no DRF, no Celery task,
no field-by-field validation.

- `application`: that work as a bare WSGI app, without Django.
- `django_application`: the same work in a plain Django view, behind the project's settings
  and middleware (its request log line included).

They tell how much of the 12% target the stack leaves (bench/README.md). A token is known to
them as `floor:token:<secret>` in the cache's Redis, holding its user's id (bench/run.py).
"""

import io
import os
import threading
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import django
import orjson
import psycopg
import redis
from psycopg.types.json import Jsonb

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heeljournal.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from heeljournal.cache import GET_AND_COUNT  # noqa: E402
from tracking.evaluation import schedule_times  # noqa: E402
from tracking.records import _EPISODE_FIELDS, _episode_insert_sql  # noqa: E402

STATEMENT = _episode_insert_sql()
COLUMNS = [field.column for field in _EPISODE_FIELDS]
COUNT = redis.Redis.from_url(os.environ["REDIS_URL"]).register_script(GET_AND_COUNT)
ZONE = ZoneInfo("Europe/Paris")  # the load users' (bench/api_users.py)
SIDES = {"left", "right", "both"}
connections = threading.local()


def _connection():
    if getattr(connections, "open", None) is None:
        url = os.environ["DATABASE_URL"]
        prepare = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]  # as the API's connections
        connections.open = psycopg.connect(url, autocommit=True, prepare_threshold=prepare)
    return connections.open


def _answer(start_response, status, body):
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    user_id, _count = COUNT(keys=[f"floor:token:{token}", f"floor:count:{token}"], args=[60])
    if user_id is None:
        return _answer(start_response, "401 Unauthorized", b'{"detail": "No token."}')
    body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    started = datetime.fromisoformat(body["started_at"])
    if body["side"] not in SIDES or not 0 <= body["severity"] <= 10 or not body["locations"] or not body["sensations"]:
        return _answer(start_response, "400 Bad Request", b'{"detail": "Not an episode."}')
    now = datetime.now(UTC)
    episode = dict.fromkeys(COLUMNS, False) | {
        "id": uuid.uuid4(),
        "user_id": int(user_id),
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "started_at": started,
        "local_date": started.astimezone(ZONE).date(),
        "footwear_id": None,
        "escalation_id": None,
        "notes": body.get("notes", ""),
        "duration_minutes": body.get("duration_minutes"),
        "side": body["side"],
        "locations": Jsonb(body["locations"]),
        "sensations": Jsonb(body["sensations"]),
        "severity": body["severity"],
        "pain": body.get("pain"),
    }
    due_at, after_rows = schedule_times(now)  # as the project's create passes them
    with _connection().cursor() as cursor:
        cursor.execute(STATEMENT, [episode[column] for column in COLUMNS] + [due_at, *after_rows])
        cursor.fetchone()
    answer = {**body, "id": episode["id"], "created_at": now, "updated_at": now, "escalation": None}
    return _answer(start_response, "201 Created", orjson.dumps(answer))


@csrf_exempt
def create_view(request):
    said = {}
    environ = request.META | {"wsgi.input": io.BytesIO(request.body)}
    body = b"".join(application(environ, lambda status, headers: said.setdefault("status", status)))
    return HttpResponse(body, status=int(said["status"][:3]), content_type="application/json")


urlpatterns = [path("api/v1/episodes/", create_view)]
settings.ROOT_URLCONF = __name__  # the Django floor's only route; the bare app has none
django_application = WSGIHandler()
