"""Production settings: the environment of docs/deploy.md passes `check --deploy`, HTTPS and
cookies behave behind the proxy, admin sessions end when idle, bodies are capped, and the
logs are JSON lines without personal data."""

import io
import json
import logging
import re
import secrets
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from heeljournal.logging import JsonFormatter
from tests.conftest import PASSWORD, episode_body, make_user

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def production_environment(**overrides):
    """The block of docs/deploy.md, its placeholders filled in, and nothing else of ours."""
    text = DEPLOY_DOC.read_text()
    block = re.search(r"<!-- production-environment.*?-->\s*```sh\n(.*?)```", text, re.S).group(1)
    lines = [line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#")]
    variables = {name: value.strip('"') for name, value in lines}  # as the shell reads them
    variables = {name: re.sub(r"<[^>]*>", "placeholder", value) for name, value in variables.items()}
    variables["SECRET_KEY"] = secrets.token_urlsafe(48)  # 64 characters
    variables["DEFAULT_FROM_EMAIL"] = "HeelJournal <alerts@example.com>"
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **variables, **overrides}


DEPLOY_CHECK = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def run(arguments, environment):
    return subprocess.run([sys.executable, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True)


def production_settings(names, **overrides):
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}, default=str))"
    )
    environment = production_environment(DJANGO_SETTINGS_MODULE="heeljournal.settings", **overrides)
    result = run(["-c", script], environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# --- The production environment ----------------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = run(DEPLOY_CHECK, production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_weak_secret_key_fails_the_deploy_check():
    result = run(DEPLOY_CHECK, production_environment(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    environment = production_environment()
    del environment["SECRET_KEY"]
    result = run(["manage.py", "check"], environment)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_wrong_log_format_is_refused_loudly():
    result = run(["manage.py", "check"], production_environment(LOG_FORMAT="xml"))
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


def test_a_red_flag_look_back_of_no_days_is_refused_loudly():
    result = run(["manage.py", "check"], production_environment(GUIDANCE_RECENT_RED_FLAG_DAYS="0"))
    assert result.returncode != 0
    assert "GUIDANCE_RECENT_RED_FLAG_DAYS" in result.stderr


def test_the_production_environment_turns_on_https_cookies_idle_sessions_and_shared_limits():
    values = production_settings(
        [
            "DEBUG",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_AGE",
            "SESSION_SAVE_EVERY_REQUEST",
            "SESSION_EXPIRE_AT_BROWSER_CLOSE",
            "CACHES",
            "REST_FRAMEWORK",
            "CELERY_BROKER_TRANSPORT_OPTIONS",
            "LOG_FORMAT",
        ]
    )
    assert values["DEBUG"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["SESSION_SAVE_EVERY_REQUEST"] and values["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "heeljournal.cache.FailOpenRedisCache"
    assert cache["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"]["socket_timeout"] == 1.0
    api = values["REST_FRAMEWORK"]
    assert api["DEFAULT_THROTTLE_CLASSES"] == ["heeljournal.throttling.DeviceRateThrottle"]
    assert api["NUM_PROXIES"] == 1
    assert api["DEFAULT_RENDERER_CLASSES"] == ["heeljournal.renderers.FastJSONRenderer"]  # no browsable API
    assert values["LOG_FORMAT"] == "json"


def test_an_admin_session_idles_out_after_30_minutes_where_the_environment_forgets_to_say():
    environment = production_environment(DJANGO_SETTINGS_MODULE="heeljournal.settings")
    del environment["ADMIN_SESSION_IDLE_MINUTES"]
    script = "import django; django.setup(); from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = run(["-c", script], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == str(30 * 60)


def test_development_keeps_plain_http_and_plain_logs():
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "heeljournal.settings"}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "hasattr(s, 'SECURE_PROXY_SSL_HEADER') and s.SECURE_PROXY_SSL_HEADER, s.LOG_FORMAT)"
    )
    result = run(["-c", script], {**environment, "DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "0", "False", "None", "plain"]


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="api.example.com")
plain = client.get("/api/v1/nothing-here/")
health = client.get("/api/v1/health/")
secure = client.get("/api/v1/nothing-here/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "secure": [secure.status_code, secure["Content-Type"], dict(secure.headers)],
}))
"""


BROKER_SCRIPT = """
import json, django; django.setup()
from heeljournal.celery import app
connection = app.connection_for_write()
print(json.dumps({"transport": connection.transport_cls, "tls": bool(connection.ssl)}))
"""


@pytest.mark.parametrize(
    "url, transport, tls",
    [("redis://broker:6379/1", "heeljournal.broker:Transport", False), ("rediss://broker:6380/1", "rediss", True)],
)
def test_a_broker_behind_tls_is_reached_over_tls(url, transport, tls):
    environment = production_environment(DJANGO_SETTINGS_MODULE="heeljournal.settings", CELERY_BROKER_URL=url)
    result = run(["-c", BROKER_SCRIPT], environment)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"transport": transport, "tls": tls}


WORKER_SETTINGS_SCRIPT = """
import json, django; django.setup()
from heeljournal.celery import app
print(json.dumps({
    "deprecated": sorted(app.conf.deprecated_settings or ()),
    "acks_late": app.conf.task_acks_late, "prefetch": app.conf.worker_prefetch_multiplier,
    "timezone": app.conf.timezone, "beat": app.conf.beat_scheduler,
}))
"""


def test_a_worker_starts_without_deprecation_warnings_and_with_the_settings_it_was_given():
    result = run(["-c", WORKER_SETTINGS_SCRIPT], production_environment(DJANGO_SETTINGS_MODULE="heeljournal.settings"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "deprecated": [],  # a worker warns of each at start
        "acks_late": True,
        "prefetch": 1,
        "timezone": "UTC",
        "beat": "django_celery_beat.schedulers:DatabaseScheduler",
    }


def test_behind_the_proxy_plain_http_is_redirected_and_https_answers_carry_the_security_headers(tmp_path):
    environment = production_environment(
        DJANGO_SETTINGS_MODULE="heeljournal.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing there: the cache fails open
        CELERY_BROKER_URL="redis://127.0.0.1:1/1",
    )
    result = run(["-c", HEADERS_SCRIPT], environment)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])
    assert answers["plain"] == [301, "https://api.example.com/api/v1/nothing-here/"]
    assert answers["health"] in (200, 503)  # probed over plain HTTP, never redirected
    status, content_type, headers = answers["secure"]
    assert (status, content_type) == (404, "application/json")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


# --- Requests ------------------------------------------------------------------------------------


def test_an_oversized_body_is_a_413_and_saves_nothing(api):
    from tracking.models import Episode

    body = json.dumps(episode_body(notes="x" * 70_000))
    response = api.post("/api/v1/episodes/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert not Episode.objects.exists()


def through_the_wsgi_app(method, path, body, *, secret, terminated=True):
    """A request as gunicorn hands over one sent chunked: no Content-Length, a stream the
    server ends (`wsgi.input_terminated`). Django's test client always sets a length."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from heeljournal.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": terminated,
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
    }
    answer = []
    for signal in (request_started, request_finished):  # the test's transaction stays open, as the client keeps it
        signal.disconnect(close_old_connections)
    try:
        content = b"".join(application(environ, lambda status, headers: answer.append(status)))
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    return int(answer[0].split()[0]), json.loads(content)


def test_a_body_sent_chunked_is_read_whole(owner, api):
    from accounts.tokens import token_issue

    secret, _token = token_issue(user=owner, device_name="phone")
    api.put("/api/v1/journal/2026-11-24/", {"overall": 5, "notes": "keep me"}, format="json")
    body = json.dumps({"overall": 6, "notes": "keep me too"}).encode()
    status, entry = through_the_wsgi_app("PUT", "/api/v1/journal/2026-11-24/", body, secret=secret)
    assert (status, entry["overall"], entry["notes"]) == (200, 6, "keep me too")
    too_large = json.dumps(episode_body(notes="x" * 70_000)).encode()
    assert through_the_wsgi_app("POST", "/api/v1/episodes/", too_large, secret=secret)[0] == 413
    # A server that leaves such a stream open (the development one) gets a 400 that says why.
    status, answer = through_the_wsgi_app("PUT", "/api/v1/journal/2026-11-24/", body, secret=secret, terminated=False)
    assert (status, answer) == (400, {"detail": "Send the body with its Content-Length."})
    assert api.get("/api/v1/journal/2026-11-24/").json()["notes"] == "keep me too"


def test_a_journal_put_without_a_body_clears_nothing(api):
    api.put("/api/v1/journal/2026-11-24/", {"overall": 5, "notes": "keep me"}, format="json")
    assert api.put("/api/v1/journal/2026-11-24/").status_code == 400
    assert api.get("/api/v1/journal/2026-11-24/").json()["notes"] == "keep me"
    assert api.put("/api/v1/journal/2026-11-24/", {}, format="json").json()["notes"] == ""  # {} clears it


def test_the_largest_record_the_contract_allows_fits(api):
    response = api.put("/api/v1/journal/2026-11-24/", {"notes": "é" * 5000, "relief_measures": ["rest"]}, format="json")
    assert response.status_code in (200, 201)


@pytest.mark.parametrize("debug", [False, True])  # with DEBUG too: `make run` is a phone developer's server
def test_an_unknown_api_url_answers_json_and_the_admin_keeps_its_pages(anon, client, settings, debug):
    settings.DEBUG = debug
    for method in (anon.get, anon.post, anon.delete):
        response = method("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert anon.get("/api/v1/devices/not-a-number/").json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_record_keeps_its_own_404(api, settings, debug):
    settings.DEBUG = debug
    response = api.get("/api/v1/episodes/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Episode matches the given query."}


@pytest.mark.parametrize("debug", [False, True])
def test_a_write_to_an_api_path_without_its_slash_says_so_and_is_not_turned_into_a_read(api, client, settings, debug):
    settings.DEBUG = debug  # with DEBUG, Django's slash redirect raised on a POST: a 500
    for method in (api.post, api.patch, api.put, api.delete):
        response = method("/api/v1/episodes", episode_body(), format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found: API paths end with a slash, as in /api/v1/episodes/."}
    assert api.get("/api/v1/episodes/").json()["results"] == []
    assert api.get("/api/v1/episodes")["Location"] == "/api/v1/episodes/"  # a read may still be redirected
    assert client.get("/admin")["Location"] == "/admin/"


# --- Admin sessions ------------------------------------------------------------------------------


def test_an_admin_session_ends_after_its_idle_time_and_each_request_extends_it(settings, client, clinician):
    settings.SESSION_COOKIE_AGE = 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(clinician)
        assert client.get("/admin/").status_code == 200
        for _ in range(4):  # active for 80 minutes, never 30 idle
            clock.shift(timedelta(minutes=20))
            assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Logs ----------------------------------------------------------------------------------------


@pytest.fixture
def log_lines():
    """Everything logged, as the configured console handler writes it."""
    root = logging.getLogger()
    formatter = root.handlers[0].formatter
    assert isinstance(formatter, JsonFormatter)  # what tests run with: production's format
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)


def test_logs_are_json_lines_without_emails_tokens_or_notes(log_lines, anon, smtp, django_capture_on_commit_callbacks):
    user = make_user("bounce@example.com")  # the fake SMTP server refuses this address, naming it
    anon.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}, format="json")
    token = anon.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    note = "my neighbour Alice Martin drove me to the pharmacy"
    with django_capture_on_commit_callbacks(execute=True):  # the red flag's email is sent, and refused
        response = anon.post(
            "/api/v1/episodes/", episode_body(notes=note, foot_weakness=True), format="json", HTTP_X_REQUEST_ID="req-42"
        )
    assert response.status_code == 201
    anon.get(f"/api/v1/episodes/{response.json()['id']}/")
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-live-token")
    anon.get("/api/v1/me/")

    lines = log_lines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    text = "\n".join(lines)
    for secret in ("bounce@example.com", "example.com", token, "not-a-live-token", "Alice", "pharmacy", PASSWORD):
        assert secret not in text
    requests_logged = [e for e in entries if e["logger"] == "heeljournal.requests"]
    assert {(e["method"], e["view"], e["status"]) for e in requests_logged} >= {
        ("POST", "token", 401),
        ("POST", "token", 200),
        ("POST", "episode-list", 201),
        ("GET", "episode-detail", 200),
        ("GET", "me", 401),
    }
    assert any(e.get("request_id") == "req-42" for e in requests_logged)
    assert any("[email]" in e["message"] for e in entries if e["logger"] == "tracking.notifications")


def test_the_formatter_masks_what_slips_into_a_message():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "to %s with %s: %s", ("ana@example.org", "Bearer abc.def", "x" * 43), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "to [email] with Bearer [token]: [token]"
    assert entry["level"] == "ERROR" and entry["logger"] == "x"


def test_the_development_server_closes_a_connection_whose_chunked_body_it_left_unread():
    """`make run`'s server: the unread chunks would be answered as a request of their own."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from heeljournal.wsgi import application

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(application)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as phone:
            phone.sendall(
                b"POST /api/v1/episodes/ HTTP/1.1\r\nHost: testserver\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
            )
            received = b""
            while chunk := phone.recv(4096):  # until the server closes the connection
                received += chunk
    finally:
        server.shutdown()
        server.server_close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"Connection: close" in head
    assert body == b'{"detail": "Send the body with its Content-Length."}'  # and nothing after it
