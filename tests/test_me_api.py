from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tests.careteam_fixtures import admin_client, link, make_clinician
from tests.conftest import episode_body
from tracking import records
from tracking.models import Episode, TrendCheck

pytestmark = pytest.mark.django_db


def test_me_shows_the_profile(api):
    body = api.get("/api/v1/me/").json()
    assert body == {
        "id": body["id"],
        "email": "owner@example.com",
        "timezone": "Europe/Paris",
        "email_alerts": True,
        "push_alerts": True,
        "info_alerts": False,
        "reminder_time": None,
        "quiet_hours_start": None,
        "quiet_hours_end": None,
    }


def test_me_patch_sets_preferences_as_local_times(api):
    response = api.patch(
        "/api/v1/me/",
        {"push_alerts": False, "reminder_time": "20:30", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["reminder_time"] == "20:30"
    assert response.json()["quiet_hours_end"] == "07:00"
    assert api.patch("/api/v1/me/", {"reminder_time": "21:00:00"}, format="json").json()["reminder_time"] == "21:00"
    assert api.get("/api/v1/me/").json()["push_alerts"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),  # the server's zone, not the user's
        ({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "quiet_hours_end"),  # none, or all day?
        ({"reminder_time": "25:00"}, "reminder_time"),
        ({"reminder_time": "21:30:15"}, "reminder_time"),  # kept, it would have been 21:30
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"email_alerts": "sometimes"}, "email_alerts"),
    ],
)
def test_bad_preferences_are_a_400(api, body, field):
    response = api.patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_quiet_hours_stored_before_the_rule_do_not_block_other_settings(api, owner):
    owner.quiet_hours_start = owner.quiet_hours_end = time(22, 0)
    owner.save()
    assert api.patch("/api/v1/me/", {"email_alerts": False}, format="json").status_code == 200


def test_email_and_id_cannot_be_changed(api, owner):
    api.patch("/api/v1/me/", {"email": "thief@example.com", "id": 999}, format="json")
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def test_a_time_zone_change_moves_episodes_to_their_new_local_dates(api):
    api.post("/api/v1/episodes/", episode_body(started_at="2026-11-24T23:30:00+00:00"), format="json")
    assert api.get("/api/v1/episodes/", {"from": "2026-11-25"}).json()["results"] != []  # Paris: the 25th
    api.patch("/api/v1/me/", {"timezone": "America/New_York"}, format="json")
    assert api.get("/api/v1/episodes/", {"from": "2026-11-25"}).json()["results"] == []  # New York: the 24th


def test_filing_again_moves_only_the_records_dated_in_another_zone(api, owner):
    """What the task a zone change queues does, a minute on (tasks.refile_local_dates)."""
    evening = {"started_at": "2026-11-24T20:00:00+00:00"}  # the 24th in Paris, the owner's zone
    logged, deleted = (api.post("/api/v1/episodes/", episode_body(**evening), format="json").json() for _ in "ab")
    api.delete(f"/api/v1/episodes/{deleted['id']}/")
    changes = TrendCheck.objects.get(user=owner).log_version
    records.local_dates_refile(user_id=owner.pk)
    assert TrendCheck.objects.get(user=owner).log_version == changes  # nothing moved, nothing to evaluate
    stale = Episode.with_tombstones.filter(pk__in=[logged["id"], deleted["id"]])
    stale.update(local_date=date(2026, 11, 25))  # as a record dated in Tokyo a moment too late
    changed_at = dict(stale.values_list("pk", "updated_at"))
    records.local_dates_refile(user_id=owner.pk)
    assert set(stale.values_list("local_date", flat=True)) == {date(2026, 11, 24)}  # the deleted one too
    assert dict(stale.values_list("pk", "updated_at")) == changed_at  # a phone has nothing new to sync
    assert TrendCheck.objects.get(user=owner).log_version == changes + 1
    records.local_dates_refile(user_id=10**9)  # an account erased meanwhile: nothing to do


def test_delete_me_erases_the_account_and_every_record(api, owner, other_api):
    api.post("/api/v1/episodes/", episode_body(), format="json")
    deleted = api.post("/api/v1/episodes/", episode_body(), format="json").json()
    api.delete(f"/api/v1/episodes/{deleted['id']}/")
    other_api.post("/api/v1/episodes/", episode_body(), format="json")
    assert api.delete("/api/v1/me/").status_code == 204
    assert not User.objects.filter(email="owner@example.com").exists()
    assert Episode.with_tombstones.count() == 1  # only the other user's
    assert api.get("/api/v1/me/").status_code == 401


def test_the_export_holds_everything(api, owner, smtp, django_capture_on_commit_callbacks):
    api.post("/api/v1/devices/", {"platform": "ios", "token": "fcm-token-1"}, format="json")
    episode = api.post("/api/v1/episodes/", episode_body(notes="left heel"), format="json").json()
    api.patch(f"/api/v1/episodes/{episode['id']}/", {"severity": 6}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json")
    api.put("/api/v1/journal/2026-11-24/", {"overall": 4}, format="json")
    clinician = make_clinician("clinician@example.com")
    link(owner, clinician)
    admin_client(clinician).get(f"/admin/careteam/patient/{owner.pk}/page/")
    former = link(owner, make_clinician("former@example.com"))
    api.delete(f"/api/v1/care-team/{former.pk}/")
    api.post("/api/v1/care-team/invites/")  # made, never given

    document = api.get("/api/v1/me/export/").json()
    assert document["account"]["email"] == "owner@example.com"
    assert {e["id"]: e["notes"] for e in document["episodes"]}[episode["id"]] == "left heel"
    assert document["episode_edits"][0]["episode"] == episode["id"]
    assert document["episode_edits"][0]["changes"] == {"severity": [4, 6]}
    assert document["journal"][0]["overall"] == 4
    assert document["devices"][0]["platform"] == "ios"
    assert [escalation["reason"] for escalation in document["escalations"]] == ["foot_weakness"]
    assert {alert["channel"] for alert in document["alerts"]} == {"email", "push"}
    care_team = [(member["email"], member["until"] is None) for member in document["care_team"]]
    assert care_team == [("clinician@example.com", True), ("former@example.com", False)]  # and when it ended
    invites = [invite["redeemed_by"] for invite in document["care_team_invites"]]
    assert invites == ["clinician@example.com", "former@example.com", None]
    assert [look["who"] for look in document["journal_access_log"]] == ["clinician@example.com"]
    assert {"footwear", "activities"} <= set(document)


def test_devices_register_once_per_token(api, other_api):
    first = api.post("/api/v1/devices/", {"platform": "android", "token": "fcm-abc"}, format="json")
    again = api.post("/api/v1/devices/", {"platform": "android", "token": "fcm-abc"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    # The phone changed hands: the token now belongs to whoever registered it last.
    assert (
        other_api.post("/api/v1/devices/", {"platform": "android", "token": "fcm-abc"}, format="json").status_code
        == 201
    )


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "windows", "token": "x"},
        {"platform": "ios", "token": ""},
        {"platform": "ios"},
        {"platform": "ios", "token": 12345},
    ],
)
def test_bad_devices_are_a_400(api, body):
    assert api.post("/api/v1/devices/", body, format="json").status_code == 400


def test_a_device_can_be_removed(api):
    device = api.post("/api/v1/devices/", {"platform": "ios", "token": "t1"}, format="json").json()
    assert api.delete(f"/api/v1/devices/{device['id']}/").status_code == 204
    assert api.delete(f"/api/v1/devices/{device['id']}/").status_code == 404


# --- An account erased while another of its requests is on its way ----------------------------


def test_a_preference_change_that_crosses_the_erasure_does_not_bring_the_account_back(owner):
    from rest_framework.test import APIClient

    on_its_way = APIClient()
    on_its_way.force_authenticate(user=owner)  # its token was good when it arrived
    User.objects.filter(pk=owner.pk).delete()
    response = on_its_way.patch("/api/v1/me/", {"reminder_time": "08:00"}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "This account no longer exists."}
    assert not User.objects.filter(email=owner.email).exists()


def test_a_record_written_as_the_account_is_erased_is_a_401_not_a_500(transactional_db, owner):
    # Transactional: the database checks a record's account when its write commits.
    from rest_framework.test import APIClient

    on_its_way = APIClient()
    on_its_way.force_authenticate(user=owner)
    User.objects.filter(pk=owner.pk).delete()
    for body in (episode_body(), episode_body(id="0d5c6a48-2f1e-4a55-9f55-2b0d0c9d2f11")):
        response = on_its_way.post("/api/v1/episodes/", body, format="json")
        assert response.status_code == 401, response.content
        assert response["WWW-Authenticate"] == "Bearer"
    assert not Episode.with_tombstones.exists()


def test_a_time_zone_change_has_the_rules_run_on_the_new_days_within_seconds(api, owner, settings):
    """Not at the old zone's next midnight: moved days may now make a pattern hold, or end one."""
    api.post("/api/v1/episodes/", episode_body(), format="json")
    TrendCheck.objects.filter(user=owner).update(due_at=timezone.now() + timedelta(hours=6))  # evaluated since
    api.patch("/api/v1/me/", {"timezone": "Pacific/Pago_Pago"}, format="json")
    due_in = TrendCheck.objects.get(user=owner).due_at - timezone.now()
    assert due_in <= timedelta(seconds=settings.TREND_DEBOUNCE_SECONDS)
