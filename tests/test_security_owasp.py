"""The API against the OWASP API Security Top 10 (2023), in its order.

API1 is a matrix: every object endpoint, every verb, as the owner, another patient, a
clinician without access and anonymous. The owner is served; anyone else learns nothing (404,
or 405 for a verb no one may use); anonymous gets 401; and the owner's record is unchanged.
"""

import base64
import json
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessToken, Device, User
from tests.conftest import PASSWORD, client_for, episode_body
from tracking.models import Activity, Episode, Escalation, Footwear, JournalEntry, Notification

pytestmark = pytest.mark.django_db

SHOE = {"name": "Boots", "kind": "boot", "arch_support": "low", "cushioning": "low"}
WALK = {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 30, "kind": "walking"}
DAY = "2026-11-24"


# --- API1: Broken Object Level Authorization --------------------------------------------------


def create_footwear(api):
    return f"/api/v1/footwear/{api.post('/api/v1/footwear/', SHOE, format='json').json()['id']}/"


def create_episode(api):
    return f"/api/v1/episodes/{api.post('/api/v1/episodes/', episode_body(), format='json').json()['id']}/"


def create_activity(api):
    return f"/api/v1/activities/{api.post('/api/v1/activities/', WALK, format='json').json()['id']}/"


def create_journal_day(api):
    api.put(f"/api/v1/journal/{DAY}/", {"overall": 4, "notes": "a long day"}, format="json")
    return f"/api/v1/journal/{DAY}/"


def create_device(api):
    device = api.post("/api/v1/devices/", {"platform": "ios", "token": f"phone-{uuid.uuid4()}"}, format="json")
    return f"/api/v1/devices/{device.json()['id']}/"


def create_escalation(api):
    episode = api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json").json()
    return f"/api/v1/escalations/{episode['escalation']['id']}/"


OBJECTS = {
    "footwear": create_footwear,
    "episodes": create_episode,
    "activities": create_activity,
    "journal": create_journal_day,
    "devices": create_device,
    "escalations": create_escalation,
}

# (verb, what to add to the object's URL, body): what the owner gets.
OWNER_ANSWERS = {
    "footwear": {"get": 200, "patch": 200, "put": 405, "delete": 204, "post": 405},
    "episodes": {"get": 200, "patch": 200, "put": 405, "delete": 204, "post": 405},
    "activities": {"get": 200, "patch": 200, "put": 405, "delete": 204, "post": 405},
    "journal": {"get": 200, "patch": 405, "put": 200, "delete": 204, "post": 405},
    "devices": {"get": 405, "patch": 405, "put": 405, "delete": 204, "post": 405},
    "escalations": {"get": 200, "patch": 405, "put": 405, "delete": 405, "post": 405, "post acknowledge/": 200},
}
BODIES = {"patch": {"notes": "changed", "name": "changed"}, "put": {"overall": 9, "notes": "changed"}}
CALLERS = ["owner", "another patient", "clinician without access", "anonymous"]


def owners_view(owner_api, url):
    """The owner's record as stored: what a request by anyone else must leave alone."""
    if "/devices/" in url:
        return list(Device.objects.values())
    return owner_api.get(url).json()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("kind, verb", [(kind, verb) for kind, answers in OWNER_ANSWERS.items() for verb in answers])
def test_only_the_owner_reaches_a_record(kind, verb, caller, owner, other, clinician):
    owner_api = client_for(owner)
    url = OBJECTS[kind](owner_api)
    clients = {
        "owner": owner_api,
        "another patient": client_for(other),
        "clinician without access": client_for(clinician),
        "anonymous": APIClient(),
    }
    method, _, suffix = verb.partition(" ")
    before = owners_view(owner_api, url)
    response = getattr(clients[caller], method)(url + suffix, BODIES.get(method, {}), format="json")

    allowed = OWNER_ANSWERS[kind][verb]
    if caller == "owner":
        assert response.status_code == allowed
        return
    if caller == "anonymous":
        expected = 401
    elif allowed == 405:
        expected = 405  # nobody may: the answer says nothing about the record
    elif kind == "journal" and method == "put":
        expected = 201  # a day is addressed by date: this writes the caller's own day
    else:
        expected = 404  # never 403: another user's record does not exist here
    assert response.status_code == expected
    assert owners_view(owner_api, url) == before


def test_a_record_cannot_point_at_another_patients_footwear(api, other_api):
    theirs = other_api.post("/api/v1/footwear/", SHOE, format="json").json()["id"]
    for url, body in [("/api/v1/episodes/", episode_body()), ("/api/v1/activities/", WALK)]:
        response = api.post(url, {**body, "footwear": theirs}, format="json")
        assert response.status_code == 400
        assert "footwear" in response.json()


def test_a_client_id_taken_by_another_patient_creates_nothing_for_either(api, other_api, other):
    theirs = other_api.post("/api/v1/footwear/", SHOE, format="json").json()
    response = api.post("/api/v1/footwear/", {**SHOE, "id": theirs["id"]}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "This id belongs to a different record."}  # nothing of theirs shown
    assert Footwear.objects.get().user == other


# --- API2: Broken Authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer not-a-token",
        "Bearer " + "x" * 5000,
        "Bearer é",
        "Token abc",
        "Basic b3duZXJAZXhhbXBsZS5jb206cGFzcw==",
    ],
)
def test_a_malformed_or_unknown_token_is_a_401(anon, owner, header):
    response = anon.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.fixture(params=["read from the database", "cached"])
def token_lookup(request, settings):
    """Both ways a token is found: production caches it (with Redis), tests default to not."""
    settings.TOKEN_CACHE_SECONDS = 300 if request.param == "cached" else 0


def test_an_expired_token_is_a_401(owner, token_lookup):
    api = client_for(owner)
    assert api.get("/api/v1/me/").status_code == 200  # cached now, when the cache is on
    with time_machine.travel(timezone.now() + timedelta(days=settings.TOKEN_IDLE_DAYS, hours=2)):
        assert api.get("/api/v1/me/").status_code == 401


def test_a_revoked_token_is_a_401_at_once(owner, token_lookup):
    phone, tablet = client_for(owner), client_for(owner)
    assert phone.get("/api/v1/me/").status_code == tablet.get("/api/v1/me/").status_code == 200
    assert phone.post("/api/v1/auth/logout/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert tablet.get("/api/v1/me/").status_code == 200
    assert tablet.post("/api/v1/auth/logout-all/").status_code == 204
    assert tablet.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("change", ["deactivated", "erased"])
def test_the_token_of_a_deactivated_or_erased_account_is_a_401(owner, change, token_lookup):
    api = client_for(owner)
    assert api.get("/api/v1/me/").status_code == 200
    if change == "deactivated":
        owner.is_active = False
        owner.save()
    else:
        owner.delete()
    assert api.get("/api/v1/me/").status_code == 401


def test_tokens_are_stored_only_as_digests(anon, owner):
    secret = anon.post("/api/v1/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json").json()[
        "token"
    ]
    stored = AccessToken.objects.get(user=owner)
    assert secret not in json.dumps(list(AccessToken.objects.values()), default=str)
    assert stored.digest != secret and len(stored.digest) == 64


def test_a_forged_x_forwarded_for_does_not_dodge_the_per_address_login_limit(anon, owner):
    """One client trying many emails, with a new made-up address on each request."""
    answers = [
        anon.post(
            "/api/v1/auth/token/",
            {"email": f"guess{n}@example.com", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(settings.LOGIN_FAILURES_PER_ADDRESS + 1)
    ]
    assert answers[:-1] == [401] * settings.LOGIN_FAILURES_PER_ADDRESS
    assert answers[-1] == 429


# --- API3: Broken Object Property Level Authorization -----------------------------------------

SERVER_OWNED = {
    "created_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "deleted_at": "2001-01-01T00:00:00Z",
    "local_date": "2001-01-01",
}


def test_mass_assignment_on_create_is_ignored(api, owner, other, other_api):
    theirs = other_api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json").json()
    body = episode_body(**SERVER_OWNED, user=other.pk, escalation=theirs["escalation"]["id"])
    created = api.post("/api/v1/episodes/", body, format="json")
    assert created.status_code == 201
    episode = Episode.objects.get(pk=created.json()["id"])
    assert episode.user == owner
    assert episode.escalation is None
    assert episode.deleted_at is None
    assert episode.created_at > timezone.now() - timedelta(minutes=1)
    assert str(episode.local_date) == "2026-11-24"  # from started_at, in the owner's zone
    shoe = api.post("/api/v1/footwear/", {**SHOE, **SERVER_OWNED, "user": other.pk}, format="json").json()
    assert Footwear.objects.get(pk=shoe["id"]).user == owner


@pytest.mark.parametrize("kind", ["footwear", "episodes", "activities"])
def test_mass_assignment_on_update_is_ignored(api, other, kind):
    url = OBJECTS[kind](api)
    record_id = url.rstrip("/").rsplit("/", 1)[1]
    model = {"footwear": Footwear, "episodes": Episode, "activities": Activity}[kind]
    before = model.objects.get(pk=record_id)
    response = api.patch(
        url, {**SERVER_OWNED, "id": str(uuid.uuid4()), "user": other.pk, "escalation": None}, format="json"
    )
    assert response.status_code == 200
    after = model.with_tombstones.get(pk=record_id)  # still there, under its own id
    assert after.user_id == before.user_id and after.deleted_at is None
    assert after.created_at == before.created_at
    assert getattr(after, "local_date", None) == getattr(before, "local_date", None)


def test_an_update_cannot_detach_a_red_flag_escalation(api):
    url = create_episode(api)
    flagged = api.patch(url, {"foot_weakness": True}, format="json").json()
    assert flagged["escalation"]["reason"] == "foot_weakness"
    assert api.patch(url, {"escalation": None}, format="json").json()["escalation"] == flagged["escalation"]


def test_a_journal_day_takes_its_date_from_the_path(api, owner, other):
    response = api.put(
        f"/api/v1/journal/{DAY}/", {"date": "2026-01-01", "user": other.pk, **SERVER_OWNED}, format="json"
    )
    assert response.status_code == 201
    entry = JournalEntry.objects.get()
    assert (str(entry.date), entry.user, entry.deleted_at) == (DAY, owner, None)


def test_an_account_cannot_raise_its_own_privileges(api, owner):
    body = {"is_staff": True, "is_superuser": True, "email": "new@example.com", "id": 999, "email_deliverable": False}
    assert api.patch("/api/v1/me/", {**body, "password": "x"}, format="json").status_code == 200
    owner.refresh_from_db()
    assert not owner.is_staff and not owner.is_superuser
    assert owner.email == "owner@example.com" and owner.email_deliverable and owner.check_password(PASSWORD)


def test_a_device_cannot_be_registered_to_someone_else(api, owner, other):
    device = api.post(
        "/api/v1/devices/", {"platform": "ios", "token": "t", "user": other.pk, "active": False}, format="json"
    )
    assert Device.objects.get(pk=device.json()["id"]).user == owner


CONTRACT_FIELDS = {
    "/api/v1/footwear/": {"id", "created_at", "updated_at", "name", "kind", "arch_support", "cushioning"}
    | {"orthotic_insert", "retired"},
    "/api/v1/episodes/": {"id", "created_at", "updated_at", "started_at", "duration_minutes", "side", "locations"}
    | {"sensations", "severity", "pain", "radiates_from_back", "sudden_onset", "foot_weakness"}
    | {"bowel_bladder_change", "footwear", "notes", "escalation"},
    "/api/v1/activities/": {"id", "created_at", "updated_at", "started_at", "duration_minutes", "kind", "footwear"}
    | {"notes"},
}


@pytest.mark.parametrize("url", CONTRACT_FIELDS)
def test_records_show_the_contract_fields_and_nothing_internal(api, url):
    kind = url.strip("/").rsplit("/", 1)[1]
    OBJECTS[kind](api)
    assert set(api.get(url).json()["results"][0]) == CONTRACT_FIELDS[url]


def test_the_account_shows_no_credentials_or_privileges(api, anon, owner):
    assert set(api.get("/api/v1/me/").json()) == {
        "id",
        "email",
        "timezone",
        "email_alerts",
        "push_alerts",
        "info_alerts",
        "reminder_time",
        "quiet_hours_start",
        "quiet_hours_end",
    }
    token = anon.post("/api/v1/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json").json()
    assert set(token) == {"token", "expiry"}
    registered = anon.post("/api/v1/auth/register/", {"email": "new@example.com", "password": PASSWORD}, format="json")
    assert set(registered.json()) == {"id", "email", "timezone"}


def test_a_tombstone_says_only_that_the_record_is_gone(api):
    url = create_episode(api)
    api.delete(url)
    tombstone = api.get("/api/v1/episodes/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"][0]
    assert set(tombstone) == {"id", "deleted", "updated_at"}


# --- API4: Unrestricted Resource Consumption ---------------------------------------------------


def test_a_page_holds_at_most_max_page_size_records(api, owner):
    Footwear.objects.bulk_create(
        [Footwear(user=owner, name=f"Shoe {n}", kind="boot", arch_support="low", cushioning="low") for n in range(205)]
    )
    for query in ({"page_size": 10_000}, {"page_size": 10_000, "updated_since": "2000-01-01T00:00:00Z"}):
        page = api.get("/api/v1/footwear/", query).json()
        assert len(page["results"]) == settings.MAX_PAGE_SIZE
        assert page["next"]
    assert len(api.get("/api/v1/footwear/").json()["results"]) == settings.PAGE_SIZE


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/v1/episodes/"),
        ("post", "/api/v1/footwear/"),
        ("post", "/api/v1/auth/register/"),
        ("post", "/api/v1/auth/token/"),
        ("patch", "/api/v1/me/"),
        ("put", f"/api/v1/journal/{DAY}/"),
    ],
)
def test_an_oversized_body_is_refused_with_413_wherever_a_body_is_read(api, method, url):
    body = json.dumps({"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = getattr(api, method)(url, body, content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/episodes/", episode_body(locations=["plantar", "medial"] * 6), "locations"),
        ("/api/v1/episodes/", episode_body(sensations=["burning"] * 500), "sensations"),
        ("/api/v1/episodes/", episode_body(notes="x" * 2001), "notes"),
        ("/api/v1/activities/", {**WALK, "notes": "x" * 2001}, "notes"),
        ("/api/v1/footwear/", {**SHOE, "name": "x" * 101}, "name"),
        ("/api/v1/devices/", {"platform": "ios", "token": "x" * 513}, "token"),
    ],
)
def test_lists_and_texts_are_bounded(api, url, body, field):
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_journal_lists_and_notes_are_bounded(api):
    too_many = api.put(f"/api/v1/journal/{DAY}/", {"relief_measures": ["rest"] * 100}, format="json")
    too_long = api.put(f"/api/v1/journal/{DAY}/", {"notes": "x" * 5001}, format="json")
    assert (too_many.status_code, too_long.status_code) == (400, 400)


@pytest.mark.parametrize("days", ["0", "6", "366", "100000", "-1", "many"])
def test_insights_look_back_a_bounded_number_of_days(api, days):
    assert api.get("/api/v1/insights/", {"days": days}).status_code == 400


@pytest.mark.parametrize("cursor", ["cD1ub3RhZGF0ZQ==", "cD0yMDI2LTAxLTAxVDAwOjAwOjAw", "cj14", "bz0tNQ=="])
def test_a_forged_cursor_is_a_400(api, cursor):
    create_episode(api)
    response = api.get("/api/v1/episodes/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


def _cursor(*parts):
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


A_TIME, AN_ID = "2026-11-24T06:30:00+00:00", "9d892241-aa36-4b1a-ab5f-bb94e1a248d9"


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("started_at", "2026-11-24T06:30:00", AN_ID, False),  # a time without its offset
        _cursor("started_at", "9999-12-31T23:00:00-05:00", AN_ID, False),  # past the last time in UTC
        _cursor("started_at", 1764000000, AN_ID, False),
        _cursor("started_at", A_TIME, None, False),  # would skip the records at that time
        _cursor("started_at", A_TIME, 5, False),
        _cursor("started_at", A_TIME, "not an id", False),
        _cursor("started_at", A_TIME, AN_ID, "yes"),
        _cursor("updated_at", A_TIME, AN_ID, False),  # a sync's cursor, in the list
        _cursor("started_at", A_TIME, AN_ID),
        _cursor({"started_at": A_TIME}),
    ],
)
def test_a_cursor_that_is_well_formed_but_wrong_is_a_400(api, cursor):
    create_episode(api)
    response = api.get("/api/v1/episodes/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize("position", ["2026-11-24T06:30:00", "9999-12-31T23:00:00-05:00", "soon"])
def test_a_cursor_of_the_escalations_at_a_wrong_time_is_a_400(api, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()  # DRF's cursor format
    response = api.get("/api/v1/escalations/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_requests_per_device_are_throttled_with_retry_after(api, owner, monkeypatch):
    from tests.conftest import real_stack_or_skip

    real_stack_or_skip()  # the throttle counts in Redis, so it runs only with Redis
    from heeljournal.throttling import DeviceRateThrottle

    monkeypatch.setattr(DeviceRateThrottle, "THROTTLE_RATES", {"device": "5/min"})
    answers = [api.get("/api/v1/me/") for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert client_for(owner).get("/api/v1/me/").status_code == 200  # the user's other phone goes on
    assert api.post("/api/v1/auth/logout/").status_code == 204  # a throttled phone may still sign out
    assert api.get("/api/v1/me/").status_code == 401


# --- API5: Broken Function Level Authorization ------------------------------------------------


def test_a_bearer_token_does_not_open_the_admin(api):
    response = api.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_patient_cannot_use_the_admin_even_signed_in(client, owner):
    client.force_login(owner)
    assert client.get("/admin/").status_code == 302
    assert client.post("/admin/login/", {"username": owner.email, "password": PASSWORD}).status_code == 200  # refused


def test_a_clinician_without_access_reads_nothing_of_a_patient_in_the_admin(client, clinician, owner):
    api = client_for(owner)
    episode = api.post("/api/v1/episodes/", episode_body(notes="private words"), format="json").json()
    client.force_login(clinician)
    for url in ["/admin/tracking/episode/", f"/admin/tracking/episode/{episode['id']}/change/"]:
        response = client.get(url, follow=True)
        assert "private words" not in response.content.decode()
        assert owner.email not in response.content.decode()


def test_logout_all_and_erasure_act_on_the_callers_account_only(api, other_api, other):
    assert api.post("/api/v1/auth/logout-all/").status_code == 204
    assert other_api.get("/api/v1/me/").status_code == 200
    assert client_for(User.objects.get(email="owner@example.com")).delete("/api/v1/me/").status_code == 204
    assert User.objects.filter(pk=other.pk).exists()


# --- API6: Unrestricted Access to Sensitive Business Flows ------------------------------------


def test_guessing_one_accounts_password_stops_at_the_limit_even_with_the_right_one(anon, owner):
    for _ in range(settings.LOGIN_FAILURES_PER_EMAIL):
        assert (
            anon.post("/api/v1/auth/token/", {"email": owner.email, "password": "guess"}, format="json").status_code
            == 401
        )
    locked = anon.post("/api/v1/auth/token/", {"email": owner.email.upper(), "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0


# --- API7: Server Side Request Forgery ---------------------------------------------------------


def test_no_request_field_takes_a_url_the_server_would_fetch(anon):
    document = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    schemas = document["components"]["schemas"]
    inputs = [json.dumps(schema) for name, schema in schemas.items() if name.endswith("Request")]
    inputs += [json.dumps(op.get("parameters", [])) for path in document["paths"].values() for op in path.values()]
    assert len(inputs) > 10
    assert not any('"format": "uri"' in text for text in inputs)
    assert not any(re.search(r'"(\w*_)?(url|uri|callback|webhook)"', text) for text in inputs)


# --- API8: Security Misconfiguration -----------------------------------------------------------


def test_an_unexpected_error_answers_json_without_internals(owner, monkeypatch):
    from tracking import views

    def broken(**kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(views.selectors, "daily_figures", broken)
    api = client_for(owner)
    api.raise_request_exception = False
    response = api.get("/api/v1/insights/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "internals" not in response.content.decode() and "Traceback" not in response.content.decode()


def test_no_browsable_api_debug_page_or_cross_origin_grant(api):
    html = api.get("/api/v1/me/", HTTP_ACCEPT="text/html", HTTP_ORIGIN="https://evil.example")
    assert not html["Content-Type"].startswith("text/html")
    assert "Access-Control-Allow-Origin" not in html
    assert api.generic("TRACE", "/api/v1/me/").status_code == 405
    assert settings.DEBUG is False


def test_every_answer_forbids_framing_and_sniffing(api, anon):
    for response in (api.get("/api/v1/me/"), anon.get("/api/v1/me/"), anon.get("/api/v1/nothing/")):
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


# --- API9: Improper Inventory Management -------------------------------------------------------


def routes(patterns=None, prefix=""):
    """Every URL the project serves, as an OpenAPI path template."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        part = str(pattern.pattern).lstrip("^").rstrip("$").replace("\\.", ".")
        part = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", part)  # a router's (?P<pk>[^/.]+)
        part = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", part)  # path("<uuid:pk>/")
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + part)
        else:
            yield "/" + (prefix + part).replace("{pk}", "{id}")


def test_every_api_route_is_in_the_openapi_document_and_nothing_else_is(anon):
    served = {route for route in routes() if route.startswith("/api/")}
    served -= {"/api/v1/schema/", "/api/v1/docs/"}  # the document itself and its page
    documented = set(anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"])
    assert served == documented


def test_only_version_one_is_served(anon):
    assert anon.get("/api/v0/health/").status_code == 404
    assert anon.get("/api/health/").status_code == 404


# --- API10: Unsafe Consumption of APIs ---------------------------------------------------------


@pytest.mark.parametrize(
    "status, body",
    [
        (500, b'{"error": "internal"}'),
        (502, b"<html>Bad gateway</html>"),
        (400, b'{"error": {"details": ["not an object"]}}'),
        (429, b"[]"),
    ],
)
def test_an_odd_answer_from_the_push_service_is_retried_not_a_crash(owner, phone, fcm, monkeypatch, status, body):
    import requests

    from tracking import notifications, transports

    def odd_answer(url, payload, token):
        response = requests.Response()
        response.status_code, response._content = status, body
        return response

    monkeypatch.setattr(transports, "fcm_post", odd_answer)
    owner.email_alerts = False
    owner.save()
    client_for(owner).post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json")
    push = Notification.objects.get(channel="push")
    assert notifications.notification_deliver(push.pk) == "retry"
    push.refresh_from_db()
    assert push.status == "pending" and push.claimed_at is None and str(status) in push.last_error
    assert Device.objects.get(pk=phone.pk).active  # a strange answer does not condemn the phone


def test_guidance_links_in_alerts_come_from_settings_only(owner, smtp, django_capture_on_commit_callbacks):
    api = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/episodes/", episode_body(foot_weakness=True, notes="http://evil.example/x"), format="json")
    assert len(smtp.messages) == 1
    assert "evil.example" not in smtp.messages[0]
    assert settings.GUIDANCE_LINK_BASE in smtp.messages[0]
    assert Escalation.objects.count() == 1
