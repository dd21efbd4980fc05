"""Another user's record answers 404 on every verb, never 403, and is never changed."""

import pytest

from tests.conftest import episode_body

pytestmark = pytest.mark.django_db

RECORDS = {
    "footwear": ("/api/v1/footwear/", {"name": "Boots", "kind": "boot", "arch_support": "low", "cushioning": "low"}),
    "episodes": ("/api/v1/episodes/", episode_body()),
    "activities": (
        "/api/v1/activities/",
        {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 5, "kind": "other"},
    ),
    "devices": ("/api/v1/devices/", {"platform": "ios", "token": "their-phone"}),
}


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.parametrize("verb", ["get", "patch", "put", "delete"])
def test_another_users_record_is_not_found(api, other_api, kind, verb):
    url, body = RECORDS[kind]
    theirs = other_api.post(url, body, format="json").json()["id"]
    response = getattr(api, verb)(f"{url}{theirs}/", {"notes": "mine now"}, format="json")
    assert response.status_code in (404, 405)
    if verb in ("get", "patch", "delete") and kind != "devices":
        assert response.status_code == 404
    assert other_api.get(f"{url}{theirs}/").status_code in (200, 405)


@pytest.mark.parametrize("verb", ["get", "delete"])
def test_another_users_journal_day_is_not_found(api, other_api, verb):
    other_api.put("/api/v1/journal/2026-11-24/", {"overall": 3}, format="json")
    assert getattr(api, verb)("/api/v1/journal/2026-11-24/").status_code == 404
    assert other_api.get("/api/v1/journal/2026-11-24/").json()["overall"] == 3


def test_a_put_on_the_same_day_writes_only_ones_own_entry(api, other_api):
    other_api.put("/api/v1/journal/2026-11-24/", {"overall": 3}, format="json")
    api.put("/api/v1/journal/2026-11-24/", {"overall": 9}, format="json")
    assert other_api.get("/api/v1/journal/2026-11-24/").json()["overall"] == 3


@pytest.mark.parametrize("url", ["/api/v1/footwear/", "/api/v1/episodes/", "/api/v1/activities/", "/api/v1/journal/"])
def test_lists_hold_only_ones_own_records(api, other_api, url):
    for kind, (create_url, body) in RECORDS.items():
        if kind != "devices":
            other_api.post(create_url, body, format="json")
    other_api.put("/api/v1/journal/2026-11-24/", {}, format="json")
    assert api.get(url).json()["results"] == []
