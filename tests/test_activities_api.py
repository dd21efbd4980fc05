import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities/"
WALK = {"started_at": "2026-11-24T09:00:00+01:00", "duration_minutes": 45, "kind": "walking"}


def test_it_logs_an_activity(api):
    response = api.post(URL, {**WALK, "notes": "To work"}, format="json")
    assert response.status_code == 201
    assert response.json()["started_at"] == "2026-11-24T08:00:00Z"
    assert response.json()["footwear"] is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("duration_minutes", 0),
        ("duration_minutes", None),
        ("kind", "swimming"),
        ("started_at", "2026-11-24"),
        ("notes", "x" * 2001),
    ],
)
def test_bad_activities_are_a_400_naming_the_field(api, field, value):
    response = api.post(URL, {**WALK, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_duration_is_required(api):
    body = {key: value for key, value in WALK.items() if key != "duration_minutes"}
    assert "duration_minutes" in api.post(URL, body, format="json").json()


def test_the_list_is_newest_first(api):
    api.post(URL, WALK, format="json")
    api.post(URL, {**WALK, "started_at": "2026-11-25T09:00:00+01:00", "kind": "running"}, format="json")
    assert [a["kind"] for a in api.get(URL).json()["results"]] == ["running", "walking"]
