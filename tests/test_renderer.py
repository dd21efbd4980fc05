"""API answers are written by orjson (heeljournal/renderers.py) exactly as DRF's JSON renderer would."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from heeljournal.renderers import FastJSONRenderer


def test_it_writes_what_drf_writes():
    answer = {
        "id": uuid.UUID("9d892241-aa36-4b1a-ab5f-bb94e1a248d9"),
        "started_at": datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        "noted_at": datetime(2026, 11, 24, 7, 30, 0, 250, tzinfo=timezone(timedelta(hours=1))),
        "day": date(2026, 11, 24),
        "detail": gettext_lazy("Not found."),
        "mean": Decimal("4.50"),
        "notes": "Pieds engourdis, talon gauche \u2014 « brûlure »\u2028second line\u2029",
        "results": [{"severity": 4, "pain": None, "flags": [True, False]}],
        3: "a number as a key",
    }
    assert FastJSONRenderer().render(answer) == JSONRenderer().render(answer)


def test_floats_differ_only_in_how_an_exponent_is_spelled():
    answer = {"mean": 4.25, "tiny": 1e-7}
    assert FastJSONRenderer().render(answer) == b'{"mean":4.25,"tiny":1e-7}'
    assert JSONRenderer().render(answer) == b'{"mean":4.25,"tiny":1e-07}'


def test_an_empty_answer_is_empty():
    assert FastJSONRenderer().render(None) == b""
