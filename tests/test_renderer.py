"""API answers are written by orjson (heeljournal/renderers.py) as DRF's JSON renderer would."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from heeljournal.renderers import FastJSONRenderer


def test_it_writes_what_drf_writes():
    answer = {
        "id": uuid.UUID("9d892241-aa36-4b1a-ab5f-bb94e1a248d9"),
        "day": date(2026, 11, 24),
        "detail": gettext_lazy("Not found."),
        "mean": Decimal("4.50"),
        "notes": "Pieds engourdis, talon gauche \u2014 « brûlure »\u2028second line\u2029",
        "results": [{"severity": 4, "pain": None, "flags": [True, False]}],
        3: "a number as a key",
    }
    assert FastJSONRenderer().render(answer) == JSONRenderer().render(answer)


def test_times_are_written_as_drfs_fields_write_them():
    started_at = datetime(2026, 11, 24, 6, 30, 0, 250, tzinfo=UTC)
    noted_at = datetime(2026, 11, 24, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    answer = FastJSONRenderer().render({"started_at": started_at, "noted_at": noted_at})
    field = serializers.DateTimeField()
    assert orjson.loads(answer) == {"started_at": field.to_representation(started_at), "noted_at": noted_at.isoformat()}
    assert answer == b'{"started_at":"2026-11-24T06:30:00.000250Z","noted_at":"2026-11-24T07:30:00+01:00"}'


def test_floats_differ_only_in_how_an_exponent_is_spelled():
    answer = {"mean": 4.25, "tiny": 1e-7}
    assert FastJSONRenderer().render(answer) == b'{"mean":4.25,"tiny":1e-7}'
    assert JSONRenderer().render(answer) == b'{"mean":4.25,"tiny":1e-07}'


def test_an_empty_answer_is_empty():
    assert FastJSONRenderer().render(None) == b""


def test_a_blank_accept_header_takes_json_where_a_view_could_also_answer_html(rf):
    """`make run` (DEBUG) adds the browsable API: a phone's blank Accept was a 406 there."""
    from rest_framework.renderers import BrowsableAPIRenderer
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    request = Request(rf.get("/api/v1/episodes/", HTTP_ACCEPT=""))
    renderer, media_type = api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS().select_renderer(
        request, [FastJSONRenderer(), BrowsableAPIRenderer()]
    )
    assert (type(renderer), media_type) == (FastJSONRenderer, "application/json")
