"""A phone pulls what changed since its last sync, deletions included."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import client_for, episode_body
from tracking import tasks
from tracking.views import SYNC_TOO_OLD

pytestmark = pytest.mark.django_db


SHOE = {"name": "Boots", "kind": "boot", "arch_support": "low", "cushioning": "low"}
CREATES = {
    "/api/v1/episodes/": lambda api: api.post("/api/v1/episodes/", episode_body(), format="json").json()["id"],
    "/api/v1/footwear/": lambda api: api.post("/api/v1/footwear/", SHOE, format="json").json()["id"],
    "/api/v1/activities/": lambda api: api.post(
        "/api/v1/activities/",
        {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 5, "kind": "other"},
        format="json",
    ).json()["id"],
}


@pytest.mark.parametrize("url", CREATES)
def test_changes_since_come_oldest_first_with_tombstones(api, url):
    with time_machine.travel("2026-11-25T08:00:00Z", tick=False):
        old = CREATES[url](api)
    with time_machine.travel("2026-11-25T09:00:00Z", tick=False):
        kept = CREATES[url](api)
    with time_machine.travel("2026-11-25T10:00:00Z", tick=False):
        gone = CREATES[url](api)
    with time_machine.travel("2026-11-25T10:05:00Z", tick=False):
        api.delete(f"{url}{gone}/")
    response = api.get(url, {"updated_since": "2026-11-25T08:30:00Z"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [kept, gone]
    assert results[1] == {"id": gone, "deleted": True, "updated_at": "2026-11-25T10:05:00Z"}
    assert old not in [r["id"] for r in results]


@pytest.mark.parametrize("url", CREATES)
def test_a_delete_that_waited_for_an_edit_is_stamped_after_it(api, url):
    """A DELETE reads the clock, then waits for an edit from another phone that holds the
    record: the tombstone still reads as the newest version, for a phone that compares times."""
    with time_machine.travel("2026-11-25T09:30:00Z", tick=False):
        record = CREATES[url](api)
    edit = {"name": "Old boots"} if "footwear" in url else {"notes": "from the other phone"}
    with time_machine.travel("2026-11-25T10:00:00.000500Z", tick=False):
        assert api.patch(f"{url}{record}/", edit, format="json").json()["updated_at"] == "2026-11-25T10:00:00.000500Z"
    with time_machine.travel("2026-11-25T10:00:00Z", tick=False):  # the DELETE's clock, read first
        assert api.delete(f"{url}{record}/").status_code == 204
    (tombstone,) = api.get(url, {"updated_since": "2026-11-25T09:00:00Z"}).json()["results"]
    assert tombstone == {"id": record, "deleted": True, "updated_at": "2026-11-25T10:00:00.000501Z"}


def test_an_unencoded_plus_in_the_offset_is_understood(api):
    CREATES["/api/v1/episodes/"](api)
    response = api.get("/api/v1/episodes/?updated_since=2000-01-01T00:00:00+01:00")
    assert len(response.json()["results"]) == 1


def test_journal_sync_includes_deleted_days(api):
    api.put("/api/v1/journal/2026-11-24/", {"overall": 2}, format="json")
    entry = api.put("/api/v1/journal/2026-11-23/", {"overall": 2}, format="json").json()
    api.delete("/api/v1/journal/2026-11-23/")
    results = api.get("/api/v1/journal/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]
    assert {"id": entry["id"], "deleted": True}.items() <= results[-1].items()


@pytest.mark.parametrize("value", ["yesterday", "2026-11-25", "2026-11-25T08:00:00", "9999-12-31T23:00:00-05:00"])
def test_a_bad_updated_since_is_a_400(api, value):
    response = api.get("/api/v1/episodes/", {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in response.json()


def test_a_time_that_does_not_exist_is_named_as_such(api):
    response = api.get("/api/v1/episodes/", {"updated_since": "2026-02-30T00:00:00Z"})
    assert response.json() == {
        "updated_since": [
            "No such date and time: check the day of the month, the hour (00 to 23) and the offset from UTC."
        ]
    }


def test_alerts_have_no_sync_and_say_so(api):
    response = api.get("/api/v1/escalations/", {"updated_since": "2026-11-25T08:00:00Z"})
    assert (response.status_code, response.json()) == (
        400,
        {"updated_since": ["Alerts have no sync: read the list, newest first."]},
    )
    assert api.get("/api/v1/escalations/").json()["results"] == []  # the list itself still answers


def test_sync_pages_follow_next_links(api):
    for _ in range(5):
        CREATES["/api/v1/episodes/"](api)
    first = api.get("/api/v1/episodes/", {"updated_since": "2000-01-01T00:00:00Z", "page_size": 3}).json()
    second = api.get(first["next"]).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 5
    assert second["next"] is None


def test_a_sync_pages_back_with_previous_links(api):
    for _ in range(5):
        CREATES["/api/v1/episodes/"](api)
    first = api.get("/api/v1/episodes/", {"updated_since": "2000-01-01T00:00:00Z", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert api.get(second["previous"]).json()["results"] == first["results"]


def test_journal_pages_follow_the_dates(api):
    for day in range(1, 6):
        api.put(f"/api/v1/journal/2026-11-0{day}/", {"overall": day}, format="json")
    first = api.get("/api/v1/journal/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    dates = [entry["date"] for page in (first, second, third) for entry in page["results"]]
    assert dates == ["2026-11-05", "2026-11-04", "2026-11-03", "2026-11-02", "2026-11-01"]
    assert third["next"] is None
    assert api.get(third["previous"]).json()["results"] == second["results"]


def test_others_changes_never_appear(api, other_api):
    CREATES["/api/v1/episodes/"](other_api)
    assert api.get("/api/v1/episodes/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"] == []


@pytest.mark.parametrize(
    "since, changes", [("0001-01-01T00:00:00Z", 1), ("0001-01-01T00:00:30Z", 1), ("2999-01-01T00:00:00Z", 0)]
)
def test_the_first_and_a_far_moment_are_valid_sinces(api, since, changes):
    CREATES["/api/v1/episodes/"](api)
    response = api.get("/api/v1/episodes/", {"updated_since": since})
    assert response.status_code == 200
    assert len(response.json()["results"]) == changes


def test_a_change_stamped_just_before_the_latest_one_seen_still_arrives(api, settings):
    # The first is stamped first but, as a slower request, commits after the phone pulled the second.
    with time_machine.travel("2026-11-25T10:00:00Z", tick=False):
        late = CREATES["/api/v1/episodes/"](api)
    with time_machine.travel("2026-11-25T10:00:20Z", tick=False):
        seen = CREATES["/api/v1/episodes/"](api)

    def pulled():
        results = api.get("/api/v1/episodes/", {"updated_since": "2026-11-25T10:00:20Z"}).json()["results"]
        return [record["id"] for record in results]

    assert pulled() == [late, seen]  # the second again does no harm: a phone applies it by id
    settings.SYNC_OVERLAP_SECONDS = 10
    assert pulled() == [seen]


@pytest.mark.parametrize("url", CREATES)
def test_a_write_that_changes_nothing_is_not_synced_again(api, url):
    with time_machine.travel("2026-11-25T08:00:00Z", tick=False):
        record = api.get(f"{url}{CREATES[url](api)}/").json()
    resent = {name: value for name, value in record.items() if name not in {"id", "created_at", "updated_at"}}
    with time_machine.travel("2026-11-25T10:00:00Z", tick=False):
        assert api.patch(f"{url}{record['id']}/", resent, format="json").json() == record
        read_only = {"created_at": "2020-01-01T00:00:00Z"}
        assert api.patch(f"{url}{record['id']}/", read_only, format="json").json() == record
    assert api.get(url, {"updated_since": "2026-11-25T09:00:00Z"}).json()["results"] == []


def test_a_journal_put_that_changes_nothing_is_not_synced_again(api):
    with time_machine.travel("2026-11-25T08:00:00Z", tick=False):
        entry = api.put("/api/v1/journal/2026-11-24/", {"overall": 2, "notes": "Rested"}, format="json").json()
    with time_machine.travel("2026-11-25T10:00:00Z", tick=False):
        again = api.put("/api/v1/journal/2026-11-24/", {"overall": 2, "notes": "Rested"}, format="json")
    assert (again.status_code, again.json()) == (200, entry)
    assert api.get("/api/v1/journal/", {"updated_since": "2026-11-25T09:00:00Z"}).json()["results"] == []


def test_a_phone_that_last_synced_before_a_purged_deletion_is_told_to_pull_afresh(owner):
    """Its record would otherwise stay on it for ever: the tombstone that told of the deletion is gone."""
    with time_machine.travel("2026-06-01T08:00:00Z", tick=False):
        api = client_for(owner)
        kept, gone = CREATES["/api/v1/footwear/"](api), CREATES["/api/v1/footwear/"](api)
    with time_machine.travel("2026-06-02T08:00:00Z", tick=False):
        api.delete(f"/api/v1/footwear/{gone}/")
    with time_machine.travel("2026-09-01T08:00:00Z", tick=False):  # 91 days on
        tasks.purge_old_records()
        api = client_for(owner)  # its token lapsed meanwhile: the phone signed in again
        before = api.get("/api/v1/footwear/", {"updated_since": "2026-06-01T09:00:00Z"})
        after = api.get("/api/v1/footwear/", {"updated_since": "2026-06-02T09:00:00Z"})
        afresh = api.get("/api/v1/footwear/")
        # A phone that never synced may still hold what it made offline, deleted since on another.
        never = api.get("/api/v1/footwear/", {"updated_since": "0001-01-01T00:00:00Z"})
    assert before.status_code == 400
    assert before.json() == {"updated_since": [SYNC_TOO_OLD]}
    assert "download the list afresh, without updated_since" in SYNC_TOO_OLD
    assert (after.status_code, after.json()["results"]) == (200, [])
    assert [record["id"] for record in afresh.json()["results"]] == [kept]
    assert never.status_code == 400


def test_the_latest_purged_deletion_of_any_kind_is_the_one_a_sync_must_follow(owner, other):
    with time_machine.travel("2026-06-01T08:00:00Z", tick=False):
        api = client_for(owner)
        api.put("/api/v1/journal/2026-05-31/", {"overall": 2}, format="json")
        api.delete("/api/v1/journal/2026-05-31/")
        shoe = CREATES["/api/v1/footwear/"](api)
    with time_machine.travel("2026-06-05T08:00:00Z", tick=False):
        api.delete(f"/api/v1/footwear/{shoe}/")
    with time_machine.travel("2026-09-10T08:00:00Z", tick=False):  # both, in one purge
        tasks.purge_old_records()
    with time_machine.travel("2026-09-11T08:00:00Z", tick=False):  # none: the horizon stays
        tasks.purge_old_records()
        api, others = client_for(owner), client_for(other)
        statuses = [
            api.get("/api/v1/episodes/", {"updated_since": since}).status_code
            for since in ("2026-06-01T09:00:00Z", "2026-06-05T08:00:59Z", "2026-06-05T08:01:01Z")
        ]
        anyone_else = others.get("/api/v1/episodes/", {"updated_since": "2000-01-01T00:00:00Z"}).status_code
    assert statuses == [400, 400, 200]  # the SYNC_OVERLAP_SECONDS (60) before a since count as not seen
    assert anyone_else == 200  # nothing of theirs was forgotten


def test_records_that_name_a_pair_of_shoes_forgotten_by_the_purge_sync_without_it(owner):
    with time_machine.travel("2026-06-01T08:00:00Z", tick=False):
        api = client_for(owner)
        shoe = CREATES["/api/v1/footwear/"](api)
        episode = api.post(
            "/api/v1/episodes/", episode_body(footwear=shoe, started_at="2026-05-31T07:30:00Z"), format="json"
        ).json()["id"]
        api.delete(f"/api/v1/footwear/{shoe}/")
    with time_machine.travel("2026-09-01T08:00:00Z", tick=False):
        tasks.purge_old_records()
        changed = client_for(owner).get("/api/v1/episodes/", {"updated_since": "2026-08-31T08:00:00Z"}).json()
    assert [(record["id"], record["footwear"]) for record in changed["results"]] == [(episode, None)]


def test_a_purge_that_commits_late_does_not_move_a_horizon_back(owner):
    from tracking.models import SyncHorizon
    from tracking.records import horizons_move_on

    later, earlier = datetime(2026, 6, 5, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    horizons_move_on({owner.pk: later})
    horizons_move_on({owner.pk: earlier})
    assert SyncHorizon.objects.get(user=owner).deletions_forgotten_until == later
