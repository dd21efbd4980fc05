import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/footwear/"
SHOE = {"name": "Trail runners", "kind": "athletic", "arch_support": "high", "cushioning": "medium"}


def test_it_keeps_footwear_with_defaults(api):
    response = api.post(URL, SHOE, format="json")
    assert response.status_code == 201
    assert response.json()["orthotic_insert"] is False
    assert response.json()["retired"] is False


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "x" * 101),
        ("name", 42),
        ("kind", "clog"),
        ("arch_support", "extreme"),
        ("cushioning", 3),
    ],
)
def test_bad_footwear_is_a_400_naming_the_field(api, field, value):
    response = api.post(URL, {**SHOE, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_retiring_a_shoe_is_a_patch(api):
    shoe = api.post(URL, SHOE, format="json").json()
    response = api.patch(f"{URL}{shoe['id']}/", {"retired": True}, format="json")
    assert response.json()["retired"] is True


def test_records_worn_in_a_deleted_shoe_still_save(api):
    from tests.conftest import episode_body

    shoe = api.post(URL, SHOE, format="json").json()
    episode = api.post("/api/v1/episodes/", episode_body(footwear=shoe["id"]), format="json").json()
    api.delete(f"{URL}{shoe['id']}/")
    assert api.get(f"/api/v1/episodes/{episode['id']}/").json()["footwear"] == shoe["id"]
    # The phone sends the episode whole with an edit; another phone logged one offline in that shoe.
    edited = api.patch(f"/api/v1/episodes/{episode['id']}/", {"severity": 3, "footwear": shoe["id"]}, format="json")
    assert (edited.status_code, edited.json()["footwear"], edited.json()["severity"]) == (200, shoe["id"], 3)
    offline = api.post("/api/v1/episodes/", episode_body(footwear=shoe["id"]), format="json")
    assert (offline.status_code, offline.json()["footwear"]) == (201, shoe["id"])
    activity = {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 30, "kind": "walking", "footwear": shoe["id"]}
    assert api.post("/api/v1/activities/", activity, format="json").status_code == 201


def test_another_users_deleted_shoe_is_still_unknown(api, other_api):
    from tests.conftest import episode_body

    theirs = other_api.post(URL, SHOE, format="json").json()
    other_api.delete(f"{URL}{theirs['id']}/")
    response = api.post("/api/v1/episodes/", episode_body(footwear=theirs["id"]), format="json")
    assert response.status_code == 400
    assert "footwear" in response.json()
