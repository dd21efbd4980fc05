"""Fuzzing the API from its own OpenAPI document (Schemathesis): whatever a client sends, the
answer is never a 5xx and is one the document describes, status, headers and body.

Every operation runs as a registered patient with a bearer token and a few records of
their own; half of the generated ids are swapped for those records, so detail endpoints are
exercised on real data and not only on 404s. FUZZ_EXAMPLES raises the number of cases.

Not checked: whether the server accepts exactly what the schema allows (Schemathesis's
positive/negative data checks). The schema cannot say "your own footwear" or "not in the
future", and DRF reads some values leniently (`"true"` for a boolean, an unknown field is
ignored); a rejected value is still a documented 400.
"""

import os
import zlib
from datetime import timedelta
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.checks import response_schema_conformance

from heeljournal.wsgi import application
from tests.conftest import PASSWORD, episode_body
from tracking.models import Activity, Episode, Footwear, JournalEntry
from tracking.records import record_delete

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture
def patient(db):
    """A patient registered through the API, signed in, with one record of each kind."""
    call_command("load_guidance", stdout=StringIO())
    client = APIClient()
    body = {"email": "fuzz@example.com", "password": PASSWORD, "timezone": "Europe/Paris"}
    assert client.post("/api/v1/auth/register/", body, format="json").status_code == 201
    token = client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def create(url, data):
        response = client.post(url, data, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()["id"]

    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    shoe = create("/api/v1/footwear/", {"name": "Boots", "kind": "boot", "arch_support": "low", "cushioning": "low"})
    started = (timezone.now() - timedelta(hours=2)).isoformat()
    episode = client.post(
        "/api/v1/episodes/", episode_body(started_at=started, foot_weakness=True), format="json"
    ).json()
    client.put(f"/api/v1/journal/{yesterday}/", {"overall": 3, "relief_measures": ["rest"]}, format="json")
    records = {
        "footwear": shoe,
        "episodes": episode["id"],
        "escalations": episode["escalation"]["id"],
        "activities": create("/api/v1/activities/", {"started_at": started, "duration_minutes": 30, "kind": "walking"}),
        "devices": create("/api/v1/devices/", {"platform": "android", "token": "fuzz-phone"}),
        "journal": yesterday,
        "guidance": "emergency-signs",
    }
    # The fuzzed requests go through the real WSGI handler, which closes a connection it finds
    # inside a transaction; this test's transaction must outlive them (as Django's test client
    # arranges for its own requests).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token, records
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def heads(value):
    """A fair coin decided by the generated value itself, so Hypothesis can replay and shrink."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def aim_at_real_records(case, records):
    """Swap half the generated ids, in the path and a body's `footwear`, for the patient's own."""
    resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name, value in (case.path_parameters or {}).items():
        if resource in records and heads(value):
            case.path_parameters[name] = records[resource]
    if isinstance(case.body, dict) and "footwear" in case.body and heads(case.body["footwear"]):
        case.body["footwear"] = records["footwear"]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, patient):
    token, records = patient
    aim_at_real_records(case, records)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


@pytest.mark.parametrize("kind", ["episodes", "footwear", "activities", "journal"])
def test_a_sync_page_with_a_deleted_record_is_one_the_document_describes(patient, kind):
    """A phone's client, generated from the document, must read a tombstone (it once described
    none: every item was a whole record)."""
    token, records = patient
    # Deleted by the writer itself: a request through Django's test client here would restore the
    # handler that closes this test's connection at the next request (see the fixture).
    model, lookup = {
        "episodes": (Episode, "pk"),
        "footwear": (Footwear, "pk"),
        "activities": (Activity, "pk"),
        "journal": (JournalEntry, "date"),
    }[kind]
    record_delete(record=model.objects.get(**{lookup: records[kind]}))
    operation = schema[f"/api/v1/{kind}/"]["GET"]
    case = operation.Case(query={"updated_since": "2000-01-01T00:00:00Z"})
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.json()["results"][-1]["deleted"] is True  # the last change: the deletion
    case.validate_response(response, checks=[response_schema_conformance])
