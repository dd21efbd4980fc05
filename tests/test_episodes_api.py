import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import episode_body, footwear_logged
from tracking import records
from tracking.models import Episode

pytestmark = pytest.mark.django_db
URL = "/api/v1/episodes/"


def post(api, **fields):
    return api.post(URL, episode_body(**fields), format="json")


def test_it_logs_an_episode_with_every_field(api):
    footwear = footwear_logged(api, name="Runners", kind="athletic", arch_support="high", cushioning="medium")
    response = post(
        api,
        duration_minutes=30,
        side="both",
        locations=["whole_heel", "medial"],
        sensations=["tingling", "burning"],
        pain=3,
        radiates_from_back=True,
        footwear=footwear["id"],
        notes="After a long shift",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["started_at"] == "2026-11-24T06:30:00Z"  # answers in UTC
    assert body["locations"] == ["medial", "whole_heel"]
    assert body["footwear"] == footwear["id"]
    assert body["escalation"] is None
    assert body["sudden_onset"] is False
    assert {"id", "created_at", "updated_at"} <= set(body)


def test_a_client_chosen_id_makes_a_retry_safe(api):
    record_id = str(uuid.uuid4())
    first = post(api, id=record_id)
    retry = post(api, id=record_id)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert len(api.get(URL).json()["results"]) == 1


def test_the_same_id_with_another_body_is_a_conflict(api):
    record_id = str(uuid.uuid4())
    post(api, id=record_id)
    conflict = post(api, id=record_id, severity=9)
    assert conflict.status_code == 409
    assert "edited since" in conflict.json()["detail"]  # the phone's own record, not someone else's
    assert api.get(f"{URL}{record_id}/").json()["severity"] == 4


def test_another_users_id_is_a_conflict_not_a_takeover(api, other_api):
    record_id = str(uuid.uuid4())
    post(other_api, id=record_id)
    assert post(api, id=record_id).status_code == 409
    assert other_api.get(f"{URL}{record_id}/").status_code == 200


def test_a_deleted_id_cannot_be_reused(api):
    record_id = str(uuid.uuid4())
    post(api, id=record_id)
    api.delete(f"{URL}{record_id}/")
    response = post(api, id=record_id)
    assert response.status_code == 409
    assert response.json() == {"detail": "This record was deleted; a new record needs a new id."}


@pytest.mark.parametrize(
    "field, value",
    [
        ("severity", 11),
        ("severity", -1),
        ("severity", "very"),
        ("severity", None),
        ("pain", 11),
        ("duration_minutes", 0),
        ("duration_minutes", 1441),
        ("side", "middle"),
        ("locations", []),
        ("locations", ["toe"]),
        ("locations", "plantar"),
        ("sensations", []),
        ("sensations", ["itching"]),
        ("notes", "x" * 2001),
        ("notes", "nul\x00byte"),
        ("notes", 123),  # DRF took it as "123"
        ("started_at", "2026-02-30T07:30:00+01:00"),
        ("started_at", "yesterday"),
        ("started_at", "2026-11-24T07:30:00"),
        ("footwear", "not-a-uuid"),
        ("footwear", str(uuid.uuid4())),
        ("id", "not-a-uuid"),
        ("id", 123),  # DRF took it as 00000000-0000-0000-0000-00000000007b
        ("sudden_onset", "perhaps"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, field, value):
    response = post(api, **{field: value})
    assert response.status_code == 400
    assert field in response.json()


def test_a_shoe_is_named_by_its_id_as_text_not_a_number(api):
    shoe = {"id": "00000000-0000-0000-0000-00000000007b", "name": "Boots", "kind": "boot"}
    api.post("/api/v1/footwear/", {**shoe, "arch_support": "low", "cushioning": "low"}, format="json")
    response = post(api, footwear=123)
    assert response.status_code == 400 and "footwear" in response.json()
    assert post(api, footwear=shoe["id"]).json()["footwear"] == shoe["id"]


@pytest.mark.parametrize("missing", ["started_at", "side", "locations", "sensations", "severity"])
def test_required_fields_are_required(api, missing):
    body = episode_body()
    del body[missing]
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert missing in response.json()


def test_a_start_more_than_five_minutes_ahead_is_refused(api):
    soon = (timezone.now() + timedelta(minutes=4)).isoformat()
    later = (timezone.now() + timedelta(minutes=6)).isoformat()
    assert post(api, started_at=soon).status_code == 201
    response = post(api, started_at=later)
    assert response.status_code == 400
    assert "started_at" in response.json()


def test_another_users_footwear_is_a_400(api, other_api):
    theirs = footwear_logged(other_api)
    response = post(api, footwear=theirs["id"])
    assert response.status_code == 400
    assert "footwear" in response.json()


def test_server_fields_cannot_be_written(api, other):
    response = post(api, user=other.pk, escalation=str(uuid.uuid4()), created_at="2020-01-01T00:00:00Z")
    assert response.status_code == 201
    body = response.json()
    assert body["escalation"] is None
    assert body["created_at"] != "2020-01-01T00:00:00Z"


def test_a_patch_changes_only_what_it_names_and_keeps_the_id(api):
    episode = post(api).json()
    response = api.patch(f"{URL}{episode['id']}/", {"severity": 6, "id": str(uuid.uuid4())}, format="json")
    assert response.status_code == 200
    assert response.json()["severity"] == 6
    assert response.json()["id"] == episode["id"]
    assert response.json()["side"] == "left"
    assert response.json()["updated_at"] >= episode["updated_at"]


def test_delete_answers_204_and_the_episode_is_gone(api):
    episode = post(api).json()
    assert api.delete(f"{URL}{episode['id']}/").status_code == 204
    assert api.get(f"{URL}{episode['id']}/").status_code == 404
    assert api.get(URL).json()["results"] == []


def test_of_two_deletes_under_way_at_once_the_second_learns_it_is_gone(api):
    episode_id = post(api).json()["id"]
    first, second = Episode.objects.get(pk=episode_id), Episode.objects.get(pk=episode_id)  # both read it live
    records.episode_delete(episode=first)
    with pytest.raises(records.RecordGone):
        records.episode_delete(episode=second)
    assert api.delete(f"{URL}{episode_id}/").status_code == 404


def test_the_list_is_newest_first_and_paginated(api):
    start = timezone.now() - timedelta(days=10)
    for day in range(7):
        post(api, started_at=(start + timedelta(days=day)).isoformat(), severity=day)
    page = api.get(URL, {"page_size": 5}).json()
    assert set(page) == {"next", "previous", "results"}
    assert [e["severity"] for e in page["results"]] == [6, 5, 4, 3, 2]
    rest = api.get(page["next"]).json()
    assert [e["severity"] for e in rest["results"]] == [1, 0]
    assert rest["next"] is None


def test_pages_hold_every_episode_once_when_they_start_at_the_same_time(api):
    same_time = (timezone.now() - timedelta(hours=2)).isoformat()
    logged = {post(api, started_at=same_time).json()["id"] for _ in range(7)}
    seen, page = [], api.get(URL, {"page_size": 3}).json()
    while True:
        seen += [episode["id"] for episode in page["results"]]
        if page["next"] is None:
            break
        page = api.get(page["next"]).json()
    assert sorted(seen) == sorted(logged)


def test_pages_lead_back_through_episodes_at_the_same_time(api):
    same_time = (timezone.now() - timedelta(hours=2)).isoformat()
    for _ in range(5):
        post(api, started_at=same_time)
    pages = [api.get(URL, {"page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(api.get(pages[-1]["next"]).json())
    for before, page in zip(pages, pages[1:], strict=False):
        assert api.get(page["previous"]).json()["results"] == before["results"]


def test_going_back_past_deleted_episodes_leads_to_the_start_of_the_list(api):
    older = post(api, started_at="2026-11-20T08:00:00+00:00").json()
    newer = post(api, started_at="2026-11-21T08:00:00+00:00").json()
    second = api.get(api.get(URL, {"page_size": 1}).json()["next"]).json()
    assert [e["id"] for e in second["results"]] == [older["id"]]
    api.delete(f"{URL}{newer['id']}/")  # on another phone, meanwhile
    back = api.get(second["previous"]).json()
    assert back["results"] == [] and back["previous"] is None
    assert [e["id"] for e in api.get(back["next"]).json()["results"]] == [older["id"]]


def test_previous_leads_back_to_the_page_before(api):
    start = timezone.now() - timedelta(days=10)
    for day in range(7):
        post(api, started_at=(start + timedelta(days=day)).isoformat(), severity=day)
    first = api.get(URL, {"page_size": 3}).json()
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert [e["severity"] for e in third["results"]] == [0]
    back = api.get(third["previous"]).json()
    assert back["results"] == second["results"]
    assert api.get(back["previous"]).json()["results"] == first["results"]


def test_a_listed_episode_reads_as_it_does_on_its_own(api):
    footwear = footwear_logged(api)
    episode = post(api, started_at="2026-11-24T06:30:00.000250+00:00", footwear=footwear["id"], notes="é \u2028").json()
    post(api, foot_weakness=True)  # one with its escalation
    listed = api.get(URL).json()["results"]
    for one in listed:
        assert one == api.get(f"{URL}{one['id']}/").json()
    assert episode in listed


def test_the_page_size_is_capped(api, monkeypatch):
    from heeljournal.pages import KeysetPagination

    monkeypatch.setattr(KeysetPagination, "max_page_size", 3)  # MAX_PAGE_SIZE, small for the test
    for _ in range(5):
        post(api)
    page = api.get(URL, {"page_size": 100000}).json()
    assert len(page["results"]) == 3
    assert page["next"] is not None


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "2.5", "", "٢"])
def test_a_page_size_that_is_no_count_of_records_is_a_400(api, page_size):
    post(api)
    response = api.get(URL, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Use a whole number from 1."]}


def test_from_and_to_are_the_users_local_dates(api):
    # The owner lives in Paris: 23:30 UTC on the 23rd is already the 24th there.
    post(api, started_at="2026-11-23T23:30:00+00:00", severity=1)
    post(api, started_at="2026-11-24T22:30:00+00:00", severity=2)  # 23:30 on the 24th in Paris
    post(api, started_at="2026-11-25T08:00:00+01:00", severity=3)
    response = api.get(URL, {"from": "2026-11-24", "to": "2026-11-24"})
    assert sorted(e["severity"] for e in response.json()["results"]) == [1, 2]


def test_a_sync_with_from_or_to_is_a_400_naming_it(api):
    # Narrowed, a sync would miss an episode moved out of the window; ignored, the phone would think it applied.
    for name in ("from", "to"):
        response = api.get(URL, {"updated_since": "2000-01-01T00:00:00Z", name: "2026-11-24"})
        assert response.status_code == 400
        assert response.json() == {name: ["A sync (updated_since) takes every change: leave this out."]}


@pytest.mark.parametrize("query", [{"from": "2026-13-01"}, {"to": "soon"}, {"from": "2026-11-25", "to": "2026-11-24"}])
def test_bad_date_filters_are_a_400(api, query):
    response = api.get(URL, query)
    assert response.status_code == 400


def test_a_list_costs_the_same_queries_for_5_or_50_episodes(api, django_assert_num_queries):
    for _ in range(5):
        post(api)
    with django_assert_num_queries(2):  # the token with its user, the page
        assert len(api.get(URL).json()["results"]) == 5
    for _ in range(45):
        post(api)
    with django_assert_num_queries(2):
        assert len(api.get(URL).json()["results"]) == 50


def test_a_list_shows_each_red_flag_escalation_with_one_query_more(api, django_assert_num_queries):
    post(api, foot_weakness=True)
    post(api, bowel_bladder_change=True)
    post(api)
    with django_assert_num_queries(3):  # the token with its user, the page, the page's escalations
        listed = api.get(URL).json()["results"]
    alerts = {episode["escalation"]["reason"] for episode in listed if episode["escalation"]}
    assert alerts == {"foot_weakness", "bowel_bladder"}
    assert [episode["escalation"] for episode in listed if not episode["escalation"]] == [None]
    opened = {e["id"]: e for e in api.get("/api/v1/escalations/").json()["results"]}
    for episode in listed:
        if episode["escalation"]:  # the whole alert, as the alerts list shows it
            assert episode["escalation"] == opened[episode["escalation"]["id"]]
            assert api.get(f"{URL}{episode['id']}/").json()["escalation"] == episode["escalation"]


def test_an_episode_is_read_with_its_escalation_in_one_query(api, django_assert_num_queries):
    episode = post(api, foot_weakness=True).json()
    with django_assert_num_queries(2):  # the token with its user, the episode with its escalation
        read = api.get(f"{URL}{episode['id']}/").json()
    assert read["escalation"]["reason"] == "foot_weakness"


def test_a_create_costs_a_fixed_number_of_queries(api, django_assert_num_queries):
    from django.db import connection

    # The token with its user, then on PostgreSQL one statement: the insert with the trend
    # check's schedule. Elsewhere, in a transaction, the insert and the schedule; a client id
    # adds a savepoint around the insert.
    one_statement = connection.vendor == "postgresql"
    with django_assert_num_queries(2 if one_statement else 5):
        assert post(api).status_code == 201
    with django_assert_num_queries(2 if one_statement else 7):
        assert post(api, id=str(uuid.uuid4())).status_code == 201


def test_a_burst_of_episodes_makes_its_user_due_soon_and_queues_one_evaluation(
    api, owner, settings, django_capture_on_commit_callbacks
):
    from tracking.models import TrendCheck

    retried = episode_body(id=str(uuid.uuid4()))
    with django_capture_on_commit_callbacks() as queued:
        before = timezone.now()
        assert api.post(URL, retried, format="json").status_code == 201
        assert api.post(URL, retried, format="json").status_code == 200  # a retry changes nothing
        assert post(api, severity=6).status_code == 201  # within the debounce: already due
    assert len(queued) == 1
    due_at = TrendCheck.objects.get(user=owner).due_at
    assert before < due_at <= timezone.now() + timedelta(seconds=settings.TREND_DEBOUNCE_SECONDS)


def test_an_edit_is_kept_in_the_episodes_history(api):
    from tracking.models import EpisodeRevision

    episode = post(api, severity=4).json()
    api.patch(f"{URL}{episode['id']}/", {"severity": 7, "notes": ""}, format="json")
    revision = EpisodeRevision.objects.get()
    assert revision.changes == {"severity": [4, 7]}  # notes did not change
    api.patch(f"{URL}{episode['id']}/", {"severity": 7}, format="json")
    assert EpisodeRevision.objects.count() == 1  # nothing changed: no edit to read


# --- Edits that cross: each request edits the record as it stands when its write begins -----


def test_two_edits_at_once_each_keep_their_own_fields(api):
    episode = post(api, severity=1, notes="orig").json()
    first, second = (Episode.objects.get(pk=episode["id"]) for _ in range(2))  # each request's copy, read early
    records.episode_update(episode=first, data={"severity": 9})
    records.episode_update(episode=second, data={"notes": "edited"})
    stored = api.get(f"{URL}{episode['id']}/").json()
    assert (stored["severity"], stored["notes"]) == (9, "edited")
    assert second.severity == 9  # the second request's answer holds the first one's edit too


def test_an_edit_that_crosses_a_deletion_does_not_bring_the_record_back(api):
    episode = post(api).json()
    on_its_way = Episode.objects.get(pk=episode["id"])
    assert api.delete(f"{URL}{episode['id']}/").status_code == 204
    with pytest.raises(records.RecordGone):
        records.episode_update(episode=on_its_way, data={"severity": 8})
    assert api.get(f"{URL}{episode['id']}/").status_code == 404
    assert Episode.with_tombstones.get(pk=episode["id"]).severity != 8


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00:00+00:00", "1899-12-31T23:00:00Z"])
def test_a_start_before_the_earliest_year_is_a_400(api, started_at):
    response = post(api, started_at=started_at)
    assert response.status_code == 400
    assert response.json() == {"started_at": ["This time is too far in the past: it must be in 1900 or later."]}
    assert post(api, started_at="1900-01-01T00:00:00+14:00").status_code == 400  # 1899 in UTC
    assert post(api, started_at="1900-01-01T12:00:00Z").status_code == 201


def test_a_deleted_episode_keeps_neither_its_notes_nor_its_edits(api):
    episode = post(api, notes="a private note").json()
    api.patch(f"{URL}{episode['id']}/", {"notes": "a second thought"}, format="json")
    assert api.delete(f"{URL}{episode['id']}/").status_code == 204
    tombstone = Episode.with_tombstones.get(pk=episode["id"])
    assert tombstone.notes == "" and not tombstone.revisions.exists()  # what sync needs is its id and time
    assert "a private note" not in api.get("/api/v1/me/export/").content.decode()


def test_records_deleted_before_that_give_up_their_notes_and_edits_too(api):
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = import_module("tracking.migrations.0010_tombstones_keep_no_words")
    episode = post(api, notes="old words").json()
    api.patch(f"{URL}{episode['id']}/", {"notes": "older words"}, format="json")
    Episode.objects.filter(pk=episode["id"]).update(deleted_at=timezone.now())  # deleted as it was, words kept
    state = MigrationExecutor(connection).loader.project_state(("tracking", "0010_tombstones_keep_no_words"))
    migration.clear_tombstones(state.apps, None)
    tombstone = Episode.with_tombstones.get(pk=episode["id"])
    assert tombstone.notes == "" and not tombstone.revisions.exists()


@pytest.mark.parametrize(
    "moment", ["2026-02-30T07:30:00+01:00", "2026-11-24T24:00:00Z", "2016-12-31T23:59:60Z", "2026-12-01T08:00:00+25:00"]
)
def test_a_time_in_the_right_format_that_does_not_exist_is_named_so(api, moment):
    response = post(api, started_at=moment)
    assert response.json() == {
        "started_at": [
            "No such date and time: check the day of the month, the hour (00 to 23) and the offset from UTC."
        ]
    }
