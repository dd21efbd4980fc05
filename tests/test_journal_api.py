from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db
URL = "/api/v1/journal/"


def test_put_creates_then_replaces_the_days_entry(api):
    created = api.put(
        f"{URL}2026-11-24/", {"overall": 3, "relief_measures": ["rest"], "notes": "Long day"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["date"] == "2026-11-24"
    replaced = api.put(f"{URL}2026-11-24/", {"relief_measures": ["cold_pack", "stretching"]}, format="json")
    assert replaced.status_code == 200
    body = replaced.json()
    assert body["id"] == created.json()["id"]
    assert (body["overall"], body["notes"]) == (None, "")  # replaced, not merged
    assert body["relief_measures"] == ["cold_pack", "stretching"]
    assert api.get(f"{URL}2026-11-24/").json() == body


def test_one_entry_per_date_in_the_list_newest_first(api):
    for day in ("2026-11-20", "2026-11-22", "2026-11-21", "2026-11-22"):
        api.put(f"{URL}{day}/", {"overall": 2}, format="json")
    assert [e["date"] for e in api.get(URL).json()["results"]] == ["2026-11-22", "2026-11-21", "2026-11-20"]


def test_a_deleted_day_can_be_written_again(api):
    api.put(f"{URL}2026-11-24/", {"overall": 3}, format="json")
    assert api.delete(f"{URL}2026-11-24/").status_code == 204
    assert api.get(f"{URL}2026-11-24/").status_code == 404
    again = api.put(f"{URL}2026-11-24/", {"overall": 5}, format="json")
    assert (again.status_code, again.json()["overall"]) == (201, 5)  # a new entry, as the phone sees it


def test_a_delete_held_up_while_its_day_was_deleted_and_written_again_leaves_the_new_entry(api, monkeypatch):
    """A phone's DELETE stalls after reading the entry; its retry deletes it, and the user writes
    the day anew. The stalled DELETE meant the old entry, which is gone: it is told so (404),
    and the new entry stays."""
    from tracking.views import JournalViewSet

    day = f"{URL}2026-11-24/"
    first = api.put(day, {"notes": "Numb after the run"}, format="json").json()
    destroy = JournalViewSet.perform_destroy

    def held_up(view, entry):
        monkeypatch.setattr(JournalViewSet, "perform_destroy", destroy)  # the requests meanwhile go through
        assert api.delete(day).status_code == 204
        assert api.put(day, {"notes": "Better today"}, format="json").status_code == 201
        destroy(view, entry)

    monkeypatch.setattr(JournalViewSet, "perform_destroy", held_up)
    assert api.delete(day).status_code == 404
    again = api.get(day).json()
    created = [datetime.fromisoformat(entry["created_at"]) for entry in (first, again)]
    assert again["notes"] == "Better today" and created[1] > created[0]  # a new entry, as the phone sees it


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01"])
def test_an_impossible_date_is_a_400(api, day):
    response = api.put(f"{URL}{day}/", {"overall": 3}, format="json")
    assert response.status_code == 400
    assert "date" in response.json()


def test_a_future_date_is_a_400(api):
    tomorrow = (timezone.now() + timedelta(days=2)).date().isoformat()
    assert api.put(f"{URL}{tomorrow}/", {}, format="json").status_code == 400


@pytest.mark.parametrize(
    "field, value",
    [
        ("overall", 11),
        ("relief_measures", ["massage"]),
        ("relief_measures", "rest"),
        ("notes", "x" * 5001),
        ("notes", 5),
    ],
)
def test_bad_entries_are_a_400_naming_the_field(api, field, value):
    response = api.put(f"{URL}2026-11-24/", {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_journal_has_no_post_or_patch(api):
    assert api.post(URL, {}, format="json").status_code == 405
    api.put(f"{URL}2026-11-24/", {}, format="json")
    assert api.patch(f"{URL}2026-11-24/", {}, format="json").status_code == 405


def test_an_entry_written_before_a_move_west_can_still_be_read_changed_and_deleted(api, owner):
    owner.timezone = "Pacific/Kiritimati"  # UTC+14
    owner.save()
    with time_machine.travel("2026-11-28T17:00:00Z", tick=False):  # the 29th there, the 28th in Pago Pago
        assert api.put("/api/v1/journal/2026-11-29/", {"overall": 3}, format="json").status_code == 201
        api.patch("/api/v1/me/", {"timezone": "Pacific/Pago_Pago"}, format="json")
        read = api.get("/api/v1/journal/2026-11-29/")
        changed = api.put("/api/v1/journal/2026-11-29/", {"overall": 5}, format="json")
        new = api.put("/api/v1/journal/2026-11-30/", {"overall": 5}, format="json")
        deleted = api.delete("/api/v1/journal/2026-11-29/")
        again = api.put("/api/v1/journal/2026-11-29/", {"overall": 5}, format="json")
    assert (read.status_code, changed.status_code, changed.json()["overall"]) == (200, 200, 5)
    assert deleted.status_code == 204
    assert (new.status_code, again.status_code) == (400, 400)  # a new entry for a day still to come
    assert new.json() == {"date": ["This date is in the future."]}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_journal_date_before_1900_is_a_400(api, day):
    response = api.put(f"/api/v1/journal/{day}/", {"overall": 3}, format="json")
    assert response.json() == {"date": ["The date must be in 1900 or later."]}
