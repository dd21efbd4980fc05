"""care-team/: invite codes, who has access, removing a clinician, the access log."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from careteam import access
from careteam.models import CareInvite
from tests.careteam_fixtures import admin_client, clinic, link, linked, make_clinician, second_clinician  # noqa: F401

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^[A-HJ-KMNP-TV-Z2-9]{4}(-[A-HJ-KMNP-TV-Z2-9]{4}){3}$")


def test_a_patient_makes_a_one_time_code_that_expires_in_a_week(api):
    response = api.post("/api/v1/care-team/invites/")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"code", "expires_at"}
    assert CODE.match(body["code"])
    expires = parse_datetime(body["expires_at"])
    assert body["expires_at"].endswith("Z")
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)


def test_a_patient_sees_the_codes_not_used_yet_and_withdraws_them(api, other_api, clinician):
    given = [api.post("/api/v1/care-team/invites/").json() for _ in range(2)]
    used = api.post("/api/v1/care-team/invites/").json()
    access.invite_redeem(code=used["code"], clinician=clinician)
    theirs = other_api.post("/api/v1/care-team/invites/").json()
    pending = api.get("/api/v1/care-team/invites/").json()["results"]
    assert [(set(invite), invite["expires_at"]) for invite in pending] == [
        ({"created_at", "expires_at"}, code["expires_at"])
        for code in reversed(given)  # newest first
    ]
    assert api.delete("/api/v1/care-team/invites/").status_code == 204  # given to the wrong person, say
    assert api.get("/api/v1/care-team/invites/").json()["results"] == []
    second = make_clinician("second@example.com")
    with pytest.raises(access.InviteNotAccepted, match="withdrew"):
        access.invite_redeem(code=given[0]["code"], clinician=second)
    assert access.invite_redeem(code=theirs["code"], clinician=second)  # another patient's code still works
    assert api.get("/api/v1/care-team/").json()["results"][0]["email"] == "clinician@example.com"  # links stay


def test_the_expiry_is_a_setting(api, settings):
    settings.CARE_INVITE_DAYS = 2
    expires = parse_datetime(api.post("/api/v1/care-team/invites/").json()["expires_at"])
    assert expires - timezone.now() <= timedelta(days=2)


def test_codes_are_random_and_stored_only_as_digests(api):
    codes = {api.post("/api/v1/care-team/invites/").json()["code"] for _ in range(20)}
    assert len(codes) == 20
    stored = set(CareInvite.objects.values_list("digest", flat=True))
    assert not any(code in digest or code.replace("-", "") in digest for code in codes for digest in stored)
    assert stored == {access.invite_code_digest(code) for code in codes}


def test_the_care_team_lists_each_clinician_with_access(api, owner, clinician, second_clinician):
    assert api.get("/api/v1/care-team/").json()["results"] == []
    first = link(owner, clinician)
    link(owner, second_clinician)
    members = api.get("/api/v1/care-team/").json()["results"]
    assert [member["email"] for member in members] == ["second-clinician@example.com", "clinician@example.com"]
    assert members[1] == {"id": str(first.id), "email": "clinician@example.com", "since": members[1]["since"]}
    assert parse_datetime(members[1]["since"]) == first.created_at


def test_a_second_code_for_the_same_clinician_lists_them_once(api, owner, clinician):
    link(owner, clinician)
    link(owner, clinician)
    assert len(api.get("/api/v1/care-team/").json()["results"]) == 1


def test_removing_a_clinician_ends_their_access_at_once(api, owner, linked, clinic):
    page = f"/admin/careteam/patient/{owner.pk}/page/"
    assert clinic.get(page).status_code == 200
    assert api.delete(f"/api/v1/care-team/{linked.id}/").status_code == 204
    assert clinic.get(page).status_code == 404
    assert clinic.get(f"/admin/careteam/patient/{owner.pk}/report.pdf").status_code == 404
    assert api.get("/api/v1/care-team/").json()["results"] == []
    assert api.delete(f"/api/v1/care-team/{linked.id}/").status_code == 404


def test_a_removed_clinician_can_be_invited_again(api, owner, clinician, linked, clinic):
    api.delete(f"/api/v1/care-team/{linked.id}/")
    again = link(owner, clinician)
    assert again.id != linked.id
    assert clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").status_code == 200


def test_the_access_log_says_who_looked_at_what_when_and_from_where(api, owner, linked, clinic):
    clinic.get(f"/admin/careteam/patient/{owner.pk}/page/?days=90")
    entries = api.get("/api/v1/care-team/access-log/").json()["results"]
    assert len(entries) == 1
    assert entries[0]["who"] == "clinician@example.com"
    assert entries[0]["what"] == "Patient page, last 90 days"
    assert entries[0]["address"] == "203.0.113.7"
    assert abs(parse_datetime(entries[0]["at"]) - timezone.now()) < timedelta(minutes=1)


def test_the_access_log_is_newest_first_in_pages(api, owner, linked, clinic):
    start = timezone.now()
    for minutes, days in enumerate([30, 90, 30]):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            clinic.get(f"/admin/careteam/patient/{owner.pk}/page/?days={days}")
    first = api.get("/api/v1/care-team/access-log/", {"page_size": 2}).json()
    assert [entry["what"][-7:] for entry in first["results"]] == ["30 days", "90 days"]
    rest = api.get(first["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    assert rest["results"][0]["at"] < first["results"][-1]["at"]


def test_the_access_log_outlives_the_clinicians_account(api, owner, clinician, linked, clinic):
    clinic.get(f"/admin/careteam/patient/{owner.pk}/page/")
    clinician.delete()
    assert api.get("/api/v1/care-team/access-log/").json()["results"][0]["who"] == "clinician@example.com"


def test_a_patient_cannot_see_or_remove_another_users_care_team(api, other_api, other, clinician):
    theirs = link(other, clinician)
    admin_client(clinician).get(f"/admin/careteam/patient/{other.pk}/page/")
    assert api.delete(f"/api/v1/care-team/{theirs.id}/").status_code == 404
    assert api.get("/api/v1/care-team/").json()["results"] == []
    assert api.get("/api/v1/care-team/access-log/").json()["results"] == []
    assert len(other_api.get("/api/v1/care-team/").json()["results"]) == 1
    assert len(other_api.get("/api/v1/care-team/access-log/").json()["results"]) == 1


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/v1/care-team/invites/"),
        ("get", "/api/v1/care-team/invites/"),
        ("delete", "/api/v1/care-team/invites/"),
        ("get", "/api/v1/care-team/"),
        ("get", "/api/v1/care-team/access-log/"),
        ("delete", "/api/v1/care-team/00000000-0000-0000-0000-000000000000/"),
    ],
)
def test_the_care_team_needs_a_token(anon, method, url):
    assert getattr(anon, method)(url).status_code == 401


def test_listing_the_care_team_costs_two_queries_however_many_clinicians(api, owner, django_assert_num_queries):
    for n in range(4):
        link(owner, make_clinician(f"doctor{n}@example.com"))
    with django_assert_num_queries(2):  # the token with its user, then one page of links with their clinicians
        assert len(api.get("/api/v1/care-team/").json()["results"]) == 4


def test_listing_the_access_log_costs_two_queries_however_long_it_is(
    api, owner, linked, clinic, django_assert_num_queries
):
    for days in (30, 90, 30, 90, 30):
        clinic.get(f"/admin/careteam/patient/{owner.pk}/page/?days={days}")
    with django_assert_num_queries(2):  # the token with its user, then one page of the log
        assert len(api.get("/api/v1/care-team/access-log/").json()["results"]) == 5
