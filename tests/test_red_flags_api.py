"""Red flags are escalated inside the request that logs them, and the alerts leave at once."""

import pytest
from django.core import mail

from tests.conftest import episode_body
from tracking.models import Escalation, EscalationEvent, Notification

# Real commits: the alerts leave when the episode is committed, before the answer.
pytestmark = pytest.mark.django_db(transaction=True)


def log(api, **fields):
    return api.post("/api/v1/episodes/", episode_body(**fields), format="json")


def test_bowel_or_bladder_change_is_an_emergency_in_the_answer(api, fcm, phone):
    response = log(api, bowel_bladder_change=True)
    assert response.status_code == 201
    escalation = response.json()["escalation"]
    assert (escalation["level"], escalation["reason"]) == ("emergency", "bowel_bladder")
    assert "emergency" in escalation["message"].lower()
    assert "emergency-signs" in escalation["guidance"]
    assert "does not replace" in escalation["message"]
    assert escalation["evidence"]["bowel_bladder_change"] is True


def test_the_alerts_left_before_the_answer_did(api, fcm, phone):
    log(api, foot_weakness=True)
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "Please be seen today" in mail.outbox[0].subject
    assert fcm.tokens() == ["owner-phone-token"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_quiet_hours_do_not_hold_back_an_urgent_alert(api, owner, fcm, phone):
    api.patch("/api/v1/me/", {"quiet_hours_start": "00:00", "quiet_hours_end": "23:59"}, format="json")
    log(api, sudden_onset=True, severity=8)
    assert len(mail.outbox) == 1
    assert len(fcm.messages) == 1


def test_sudden_onset_below_severity_7_is_not_a_red_flag(api, fcm, phone):
    assert log(api, sudden_onset=True, severity=6).json()["escalation"] is None
    assert mail.outbox == []


def test_the_most_pressing_of_several_flags_is_the_answer(api, fcm, phone):
    escalation = log(api, sudden_onset=True, severity=9, foot_weakness=True, bowel_bladder_change=True).json()[
        "escalation"
    ]
    assert escalation["level"] == "emergency"
    assert Escalation.objects.count() == 3
    assert len(mail.outbox) == 3


def test_a_second_red_flag_joins_the_open_escalation_without_a_second_alert(api, fcm, phone):
    first = log(api, foot_weakness=True).json()["escalation"]
    second = log(api, foot_weakness=True, started_at="2026-11-25T07:30:00+01:00").json()["escalation"]
    assert first["id"] == second["id"]
    assert len(mail.outbox) == 1
    assert len(fcm.messages) == 1


def test_a_red_flag_told_again_while_its_alert_is_open_is_in_its_history_not_a_new_alert(api, fcm, phone):
    first = log(api, sudden_onset=True, severity=8, started_at="2026-11-20T07:30:00+01:00").json()
    for started_at in ("2026-11-24T07:30:00+01:00", "2026-11-22T07:30:00+01:00"):
        again = log(api, sudden_onset=True, severity=9, started_at=started_at).json()["escalation"]
        assert again["id"] == first["escalation"]["id"]
        assert again == first["escalation"]  # what the phone shows with each episode is unchanged
    events = list(EscalationEvent.objects.values_list("what", "why"))
    assert [what for what, _why in events] == ["opened", "told again", "told again"]
    assert "with the episode that started 22 Nov 2026, 07:30 CET, severity 9." in events[2][1]  # which, for a clinician
    assert len(mail.outbox) == 1


def test_a_red_flag_added_by_a_patch_is_escalated(api, fcm, phone):
    episode = log(api).json()
    response = api.patch(f"/api/v1/episodes/{episode['id']}/", {"foot_weakness": True}, format="json")
    assert response.json()["escalation"]["reason"] == "foot_weakness"
    assert len(mail.outbox) == 1


def test_editing_an_acknowledged_red_flags_episode_does_not_alert_again(api, fcm, phone):
    episode = log(api, bowel_bladder_change=True, started_at="2026-10-01T08:00:00+00:00").json()
    api.post(f"/api/v1/escalations/{episode['escalation']['id']}/acknowledge/")
    url = f"/api/v1/episodes/{episode['id']}/"
    for edit in ({"notes": "a typo mended"}, {"severity": 6}, {"bowel_bladder_change": True}):
        assert api.patch(url, edit, format="json").status_code == 200
    assert len(mail.outbox) == 1  # the first alert only
    assert Escalation.objects.count() == 1  # no second emergency
    assert api.patch(url, {"foot_weakness": True}, format="json").json()["escalation"]["reason"] == "foot_weakness"
    assert len(mail.outbox) == 2  # a flag the edit adds is told at once


def test_a_retried_red_flag_post_alerts_once(api, fcm, phone):
    body = episode_body(foot_weakness=True, id="6f1c9a57-3e4b-4f34-9d3c-1c2a9a1d0e11")
    first = api.post("/api/v1/episodes/", body, format="json")
    retry = api.post("/api/v1/episodes/", body, format="json")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["escalation"]["id"] == first.json()["escalation"]["id"]
    assert len(mail.outbox) == 1


def test_alert_preferences_are_obeyed_but_the_escalation_is_kept(api, fcm, phone):
    api.patch("/api/v1/me/", {"email_alerts": False, "push_alerts": False}, format="json")
    assert log(api, bowel_bladder_change=True).json()["escalation"]["level"] == "emergency"
    assert mail.outbox == [] and fcm.messages == []
    assert len(api.get("/api/v1/escalations/").json()["results"]) == 1


def test_an_unreachable_push_service_does_not_fail_the_request(api, owner, settings, phone):
    settings.FCM_CREDENTIALS_FILE = "/nonexistent/service-account.json"
    response = log(api, foot_weakness=True)
    assert response.status_code == 201
    push = Notification.objects.get(channel="push")
    assert (push.status, push.claimed_at) == ("pending", None)  # back in the outbox, with a backoff
    assert push.last_error
