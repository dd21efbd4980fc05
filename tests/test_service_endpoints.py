import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = [
    "/api/v1/auth/register/",
    "/api/v1/auth/token/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/logout-all/",
    "/api/v1/me/",
    "/api/v1/me/export/",
    "/api/v1/devices/",
    "/api/v1/devices/{id}/",
    "/api/v1/footwear/",
    "/api/v1/footwear/{id}/",
    "/api/v1/episodes/",
    "/api/v1/episodes/{id}/",
    "/api/v1/activities/",
    "/api/v1/activities/{id}/",
    "/api/v1/journal/",
    "/api/v1/journal/{date}/",
    "/api/v1/health/",
]


def test_health_reports_database_and_broker(anon):
    response = anon.get("/api/v1/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_health_names_a_broker_that_is_down(anon, monkeypatch):
    from heeljournal.celery import app

    monkeypatch.setitem(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")  # nothing listens there
    response = anon.get("/api/v1/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_the_openapi_document_is_valid_with_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_contract_path_is_in_the_openapi_document(anon):
    paths = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert set(CONTRACT_PATHS) <= set(paths)


def test_the_openapi_document_promises_a_429_only_where_requests_are_counted(anon):
    paths = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ("/api/v1/health/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/"):
        assert not any("429" in operation["responses"] for operation in paths[path].values()), path
    assert "429" in paths["/api/v1/episodes/"]["post"]["responses"]
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]  # counted by hand, per email and address


def test_the_openapi_document_gives_a_client_the_limits_the_server_checks(anon):
    document = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    (days,) = document["paths"]["/api/v1/insights/"]["get"]["parameters"]
    assert (days["name"], days["schema"]["minimum"], days["schema"]["maximum"]) == ("days", 7, 365)
    reminder = document["components"]["schemas"]["Me"]["properties"]["reminder_time"]
    assert "format" not in reminder and re.fullmatch(reminder["pattern"], "21:30")  # a local time, no offset


def test_the_docs_page_needs_no_cdn(anon):
    page = anon.get("/api/v1/docs/").content.decode()
    assert "swagger" in page.lower()
    assert "cdn" not in page.lower()


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_refusal_outside_drf_answers_json_under_the_api_and_a_page_elsewhere(rf, db):
    from django.contrib.auth.models import AnonymousUser

    from heeljournal.api import permission_denied

    api = permission_denied(rf.get("/api/v1/anything/"), PermissionError())
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    request = rf.get("/admin/anything/")
    request.user = AnonymousUser()  # as the middleware leaves it
    page = permission_denied(request, PermissionError())
    assert page.status_code == 403 and b"Not allowed" in page.content


def test_the_docs_page_answers_what_it_is_not_for_in_json(anon):
    options = anon.options("/api/v1/docs/")
    assert options.status_code == 200 and options["Content-Type"] == "application/json"  # was a 500
    refused = anon.post("/api/v1/docs/")
    assert refused.status_code == 405 and refused.json() == {"detail": 'Method "POST" not allowed.'}


def test_a_host_not_allowed_is_refused_in_json_under_the_api_and_as_a_page_elsewhere(anon):
    api = anon.get("/api/v1/health/", HTTP_HOST="evil.example")
    assert api.status_code == 400 and api.json() == {"detail": "Bad request."}
    page = anon.get("/admin/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])  # with DEBUG too: `make run` is a phone developer's server
def test_a_nul_in_a_query_string_is_a_400_that_says_so(api, settings, debug):
    """PostgreSQL refuses a NUL in a statement: a filter that carried one was a 500."""
    settings.DEBUG = debug
    response = api.get("/api/v1/episodes/", {"from": "2026-11-01\x00"})
    assert response.status_code == 400 and response.json() == {"detail": "A NUL character in the query string."}
