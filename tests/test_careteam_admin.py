"""The clinician's admin: redeeming a code, their own patients only, read only, every look logged."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from careteam.chart import COLOURS
from careteam.models import AccessLog, CareInvite, CareLink
from heeljournal.enums import EscalationLevel
from tests.careteam_fixtures import (  # noqa: F401
    admin_client,
    clinic,
    link,
    linked,
    log_days,
    make_clinician,
    superuser,
)
from tests.conftest import client_for, episode_body, footwear_logged, make_user
from tracking.models import Episode, JournalEntry

pytestmark = pytest.mark.django_db

RECORD_ADMINS = ["footwear", "episode", "activity", "journalentry", "escalation"]


def records_of(user):
    """One record of each kind, made in the app; the episode's red flag opens an escalation."""
    api = client_for(user)
    shoe = footwear_logged(api, name=f"Boots of {user.email}")
    episode = api.post("/api/v1/episodes/", episode_body(foot_weakness=True, footwear=shoe["id"]), format="json").json()
    activity = api.post(
        "/api/v1/activities/",
        {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 30, "kind": "walking"},
        format="json",
    ).json()
    entry = api.put(f"/api/v1/journal/{user.today() - timedelta(days=1)}/", {"overall": 5}, format="json").json()
    return {
        "footwear": shoe["id"],
        "episode": episode["id"],
        "activity": activity["id"],
        "journalentry": entry["id"],
        "escalation": episode["escalation"]["id"],
    }


@pytest.fixture
def mine(owner, linked):
    return records_of(owner)


@pytest.fixture
def theirs(other):
    return records_of(other)


def url(model, record_id="", page=""):
    base = f"/admin/{'careteam' if model == 'patient' else 'tracking'}/{model}/"
    return f"{base}{record_id}/{page}/" if record_id else base


def shown(response):
    return response.context_data["cl"].result_count


# --- The group and the code ------------------------------------------------------------------


def test_the_clinicians_group_may_only_view_and_redeem():
    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Clinicians").permissions.select_related("content_type")
    }
    assert granted == {
        "careteam.view_patient",
        "careteam.redeem_invite",
        "tracking.view_footwear",
        "tracking.view_episode",
        "tracking.view_activity",
        "tracking.view_journalentry",
        "tracking.view_escalation",
        "tracking.view_escalationevent",
        "tracking.view_episoderevision",
    }


def test_a_clinician_redeems_a_code_and_lands_on_the_patient_page(owner, clinician, clinic):
    code = client_for(owner).post("/api/v1/care-team/invites/").json()["code"]
    assert "Redeem an invite code" in clinic.get("/admin/careteam/patient/").content.decode()
    assert clinic.get("/admin/careteam/patient/redeem/").status_code == 200
    response = clinic.post("/admin/careteam/patient/redeem/", {"code": code.lower().replace("-", " ")}, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/careteam/patient/{owner.pk}/page/"
    assert "You can now read the journal of owner@example.com" in response.content.decode()
    assert CareLink.objects.filter(patient=owner, clinician=clinician, revoked_at=None).exists()


def _used_code(owner, clinician):
    code = client_for(owner).post("/api/v1/care-team/invites/").json()["code"]
    admin_client(make_clinician("first@example.com")).post("/admin/careteam/patient/redeem/", {"code": code})
    return code


@pytest.mark.parametrize(
    "make_code, message",
    [
        (lambda owner, clinician: "ABCD-EFGH-JKMN-PQRS", "No invite has this code"),
        (lambda owner, clinician: "", "This field is required"),
        (_used_code, "This code was already used"),
        (
            lambda owner, clinician: client_for(clinician).post("/api/v1/care-team/invites/").json()["code"],
            "your own invite code",
        ),
    ],
    ids=["unknown", "empty", "used", "own"],
)
def test_a_code_that_opens_nothing_says_why(owner, clinician, clinic, make_code, message):
    response = clinic.post("/admin/careteam/patient/redeem/", {"code": make_code(owner, clinician)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CareLink.objects.filter(clinician=clinician).exists()


def test_a_code_works_for_a_week_and_then_says_it_expired(owner, clinician):
    code = client_for(owner).post("/api/v1/care-team/invites/").json()["code"]
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        response = admin_client(clinician).post("/admin/careteam/patient/redeem/", {"code": code})  # signed in then
    expired = CareInvite.objects.get().expires_at
    assert f"This code expired on {expired.day} {expired:%b %Y}." in response.content.decode()
    assert not CareLink.objects.exists()


def test_staff_outside_the_clinicians_group_cannot_redeem(owner):
    staff = make_user("staff@example.com")
    staff.is_staff = True
    staff.save()
    code = client_for(owner).post("/api/v1/care-team/invites/").json()["code"]
    assert admin_client(staff).post("/admin/careteam/patient/redeem/", {"code": code}).status_code == 403
    assert not CareLink.objects.exists()


# --- Only their patients ---------------------------------------------------------------------


def test_the_patient_list_holds_only_the_clinicians_patients(clinic, owner, other, linked):
    response = clinic.get("/admin/careteam/patient/")
    assert shown(response) == 1
    assert f"/admin/careteam/patient/{owner.pk}/page/" in response.content.decode()
    assert "other@example.com" not in response.content.decode()
    assert shown(clinic.get("/admin/careteam/patient/", {"q": "other@example.com"})) == 0


def test_a_clinician_with_no_patient_yet_is_told_how_to_get_one(clinic, owner, clinician):
    first_steps = "No patient has shared their log with you yet"
    assert first_steps in clinic.get("/admin/careteam/patient/").content.decode()
    link(owner, clinician)
    assert first_steps not in clinic.get("/admin/careteam/patient/").content.decode()


@pytest.mark.parametrize("model", RECORD_ADMINS)
def test_record_lists_hold_only_their_patients_records(clinic, mine, theirs, model):
    response = clinic.get(url(model))
    assert response.status_code == 200
    assert shown(response) == 1
    assert theirs[model] not in response.content.decode()


@pytest.mark.parametrize("model", RECORD_ADMINS)
@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_patients_record_is_not_found_on_any_page(clinic, mine, theirs, model, page):
    assert clinic.get(url(model, theirs[model], page)).status_code == 404


@pytest.mark.parametrize("model", RECORD_ADMINS)
def test_their_patients_records_are_read_only(clinic, mine, model):
    detail = clinic.get(url(model, mine[model], "change"))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert clinic.post(url(model, mine[model], "change"), {"notes": "changed"}).status_code == 403
    assert clinic.get(url(model, mine[model], "delete")).status_code == 403
    assert clinic.post(url(model, mine[model], "delete"), {"post": "yes"}).status_code == 403
    assert clinic.get(f"{url(model)}add/").status_code == 403


def test_search_and_url_filters_find_nothing_of_another_patient(clinic, mine, theirs, other):
    assert shown(clinic.get(url("episode"), {"q": "other@example.com"})) == 0
    for lookup in ({"user__id__exact": other.pk}, {"user": other.pk}, {"user__email": "other@example.com"}):
        response = clinic.get(url("episode"), lookup)
        assert response.status_code in (200, 400)  # a lookup the admin does not offer is refused outright
        assert theirs["episode"] not in response.content.decode()
    assert shown(clinic.get(url("episode"), {"local_date__year": "2026"})) == 1  # the date drill-down too


def test_related_filters_list_only_their_patients_rows(clinic, mine, theirs, superuser):
    from tracking.admin import EpisodeAdmin

    EpisodeAdmin.list_filter = (*EpisodeAdmin.list_filter, "footwear")  # as a later change might add
    try:
        page = clinic.get(url("episode")).content.decode()
        assert "Boots of owner@example.com" in page
        assert "Boots of other@example.com" not in page
        assert "Boots of other@example.com" in admin_client(superuser).get(url("episode")).content.decode()
    finally:
        EpisodeAdmin.list_filter = EpisodeAdmin.list_filter[:-1]


def test_autocomplete_raw_id_popups_and_accounts_are_closed(clinic, owner, other, linked):
    autocomplete = {"app_label": "tracking", "model_name": "episode", "field_name": "user", "term": "other"}
    assert clinic.get("/admin/autocomplete/", autocomplete).status_code == 403
    assert clinic.get("/admin/accounts/user/", {"_to_field": "id", "_popup": "1"}).status_code == 403
    assert clinic.get(f"/admin/accounts/user/{other.pk}/change/").status_code == 404
    assert clinic.get(f"/admin/accounts/user/{owner.pk}/change/").status_code == 403
    assert clinic.get(f"/admin/accounts/user/{owner.pk}/password/").status_code == 403
    assert clinic.get("/admin/accounts/device/").status_code == 403
    popup = clinic.get("/admin/careteam/patient/", {"_to_field": "id", "_popup": "1"})
    assert "other@example.com" not in popup.content.decode()


def test_an_autocomplete_answer_is_a_logged_look(clinic, owner, other, mine, theirs):
    # No clinician's page has the widget, but its URL answers any staff user.
    shoes = {"app_label": "tracking", "model_name": "episode", "field_name": "footwear", "term": "boots"}
    answer = clinic.get("/admin/autocomplete/", shoes).json()
    assert [shoe["id"] for shoe in answer["results"]] == [mine["footwear"]]
    entry = AccessLog.objects.get()
    assert (entry.patient, entry.what) == (owner, "Footwear search")  # not the words: another's name, say


@pytest.mark.parametrize("page", ["page/", "report.pdf", "export.csv", "change/", "history/"])
def test_another_patients_page_and_files_are_not_found(clinic, owner, other, linked, page):
    assert clinic.get(f"/admin/careteam/patient/{other.pk}/{page}").status_code == 404
    assert clinic.get(f"/admin/careteam/patient/999999/{page}").status_code == 404
    assert not AccessLog.objects.filter(patient=other).exists()


def test_what_a_patient_deleted_is_gone_for_their_clinician(clinic, owner, mine, superuser):
    client_for(owner).delete(f"/api/v1/episodes/{mine['episode']}/")
    assert clinic.get(url("episode", mine["episode"], "change")).status_code == 404
    assert shown(clinic.get(url("episode"))) == 0
    root = admin_client(superuser).get(url("episode"))
    assert shown(root) == 1 and "Deleted (patient&#x27;s time)" in root.content.decode()  # the tombstone, marked
    page = admin_client(superuser).get(url("episode", mine["episode"], "change")).content.decode()
    assert page.count("Deleted (patient&#x27;s time)") == 1  # on its own page too


def test_superusers_read_every_patient_and_write_none_of_their_log(superuser, clinician, owner, other, mine, theirs):
    root = admin_client(superuser)
    assert shown(root.get(url("episode"))) == 2
    assert root.get(f"/admin/accounts/user/{other.pk}/change/").status_code == 200  # accounts stay theirs to run
    assert root.get(f"/admin/careteam/patient/{other.pk}/page/").status_code == 200
    # Only the app writes a patient's log: an edit here would raise no alert and record no edit.
    assert 'name="_save"' not in root.get(url("footwear", theirs["footwear"], "change")).content.decode()
    for model in ("episode", "activity", "footwear", "journalentry", "escalation"):
        assert root.get(f"/admin/tracking/{model}/add/").status_code == 403
    changed = episode_body(severity=10, foot_weakness=True)
    assert root.post(url("episode", theirs["episode"], "change"), changed).status_code == 403
    assert root.post(url("episode", theirs["episode"], "delete"), {"post": "yes"}).status_code == 403
    assert Episode.objects.get(pk=theirs["episode"]).severity != 10  # unchanged
    patients = root.get("/admin/careteam/patient/").content.decode()
    assert shown(root.get("/admin/careteam/patient/")) == 2  # the owner and the other; no staff
    assert "Add patient" not in patients and "delete_selected" not in patients
    # The app makes these (a sign-in, the patient's code, its redeeming, a phone's registration).
    for model in ("accounts/accesstoken", "accounts/device", "careteam/careinvite", "careteam/carelink"):
        assert root.get(f"/admin/{model}/add/").status_code == 403
        assert root.post(f"/admin/{model}/add/", {}).status_code == 403
    token = owner.access_tokens.first()  # a sign-in: a superuser may still revoke it here
    assert root.post(f"/admin/accounts/accesstoken/{token.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not owner.access_tokens.filter(pk=token.pk).exists()


# --- Every look is logged --------------------------------------------------------------------


def test_every_look_at_a_patients_records_is_logged(clinic, owner, mine):
    clinic.get(url("episode"))
    clinic.get(url("footwear", mine["footwear"], "change"))
    clinic.get(url("escalation", mine["escalation"], "history"))
    clinic.get(f"/admin/careteam/patient/{owner.pk}/page/")
    clinic.get(f"/admin/careteam/patient/{owner.pk}/report.pdf", {"days": 30})
    clinic.get(f"/admin/careteam/patient/{owner.pk}/export.csv", HTTP_X_FORWARDED_FOR="198.51.100.1")
    log = list(AccessLog.objects.filter(patient=owner).order_by("id"))
    assert [entry.what for entry in log] == [
        "Episodes list",
        "Footwear: Boots of owner@example.com",
        log[2].what,
        "Patient page, last 30 days",
        "PDF summary, last 30 days",
        "CSV of every record",
    ]
    assert log[2].what.startswith("History of escalation")
    # Without a trusted proxy (NUM_PROXIES=0) a forwarded-for header is the client's own claim.
    assert {(entry.viewer_email, entry.address) for entry in log} == {("clinician@example.com", "203.0.113.7")}


def test_the_patient_list_itself_is_not_a_look_at_the_journal(clinic, owner, linked):
    clinic.get("/admin/careteam/patient/")
    assert not AccessLog.objects.exists()


def test_a_list_across_patients_logs_one_line_for_each(clinician, clinic, owner, other, mine, theirs):
    link(other, clinician)
    clinic.get(url("episode"))
    assert sorted(AccessLog.objects.values_list("patient__email", flat=True)) == [
        "other@example.com",
        "owner@example.com",
    ]


def test_a_list_shows_no_counts_of_rows_it_does_not_show(clinic, mine):
    """A filter's counts (`_facets`) are figures of the patient's log that no access line records."""
    response = clinic.get(url("escalation"), {"_facets": "True", "level__exact": "info"})
    assert shown(response) == 0 and not AccessLog.objects.exists()
    assert "Be seen today" in response.text and not re.search(r"Be seen today\s*\(1\)", response.text)


def test_an_empty_list_of_one_patients_rows_is_a_look_at_their_journal(clinic, owner, other, mine, theirs):
    """It shows they have no alert of that level: as much a look as a list that shows one."""
    assert shown(clinic.get(url("escalation"), {"user__id__exact": owner.pk, "level__exact": "info"})) == 0
    assert list(AccessLog.objects.values_list("patient__email", "what")) == [("owner@example.com", "Escalations list")]
    for patient in (other.pk, 10**30):  # not theirs to read; no one at all
        assert clinic.get(url("escalation"), {"user__id__exact": patient}).status_code == 200
    assert AccessLog.objects.count() == 1


def test_the_admin_answers_odd_addresses_without_an_error(clinic, mine):
    assert clinic.get(url("episode"), {"side__exact": "\x00"}).status_code == 400  # PostgreSQL refuses a NUL
    assert clinic.get(url("episode"), QUERY_STRING="side__exact=\x00").status_code == 400  # sent as it is
    episodes = ContentType.objects.get_for_model(Episode).pk
    assert clinic.get(f"/admin/r/{episodes}/{mine['episode']}/").status_code == 404  # no page outside the admin
    assert clinic.get(f"/admin/r/{episodes}/not-a-uuid/").status_code == 404  # was a 500


def test_the_access_log_is_append_only(clinic, owner, mine, superuser):
    clinic.get(url("episode"))
    entry = AccessLog.objects.get()
    assert clinic.get("/admin/careteam/accesslog/").status_code == 403
    auditor = make_clinician("auditor@example.com")  # a clinician someone also gave every access-log permission
    auditor.user_permissions.set(
        Permission.objects.filter(content_type__app_label="careteam", codename__endswith="accesslog")
    )
    audit = admin_client(auditor)
    assert audit.get(f"/admin/careteam/accesslog/{entry.pk}/change/").status_code == 404  # not their patient
    link(owner, auditor)
    assert audit.get(f"/admin/careteam/accesslog/{entry.pk}/change/").status_code == 200
    assert audit.post(f"/admin/careteam/accesslog/{entry.pk}/change/", {"what": "nothing"}).status_code == 403
    assert audit.post(f"/admin/careteam/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert audit.get("/admin/careteam/accesslog/add/").status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk, what="Episodes list").exists()
    root = admin_client(superuser)
    assert root.get("/admin/careteam/accesslog/add/").status_code == 403  # no forged lines
    assert root.post(f"/admin/careteam/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=entry.pk).exists()  # nor erased ones


# --- The patient page ------------------------------------------------------------------------


def test_the_patient_page_draws_each_logged_day_on_the_chart(clinic, owner, linked):
    api = client_for(owner)
    log_days(api, 3, 4, None, 6, 7, pain=2)
    log_days(api, 2, days_ago_first=60)
    log_days(api, 8, days_ago_first=9, sudden_onset=True)  # a red flag: an urgent escalation at once
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    assert len(re.findall(r'<circle class="severity-point"', page)) == 5
    assert len(re.findall(r'<rect class="pain-point"', page)) == 4
    assert page.count('class="red-flag"') == 1
    assert page.count('<line class="escalation"') == 1
    chart = page.split('class="severity-chart"', 1)[1].split("</svg>")[0]  # the admin draws icons as SVG too
    assert "<script" not in chart
    # Drawn on a paper of its own, for the admin's dark theme too; its scale named; the
    # escalation line's colour is its level's, and the legend says which level each colour is.
    assert chart.split("<rect", 1)[1].startswith(' class="paper"') and "severity and pain, 0-10" in chart
    urgent = COLOURS[EscalationLevel.URGENT]
    assert '<line class="escalation" x1=' in chart and f'stroke="{urgent}" stroke-width="2"' in chart
    legend = page.split("Escalations, dotted upright lines", 1)[1].split("</p>", 1)[0]
    assert f'<b style="color:{urgent}">&#8942;</b> Be seen today' in legend
    assert all(level.label in legend for level in EscalationLevel)
    wide = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/", {"days": 90}).content.decode()
    assert len(re.findall(r'<circle class="severity-point"', wide)) == 6


@time_machine.travel("2026-11-20T12:00:00Z", tick=False)  # 13:00 in Paris, in winter time
def test_the_clinicians_pages_write_every_day_and_time_alike(clinic, owner, linked):
    api = client_for(owner)
    api.post("/api/v1/episodes/", episode_body(foot_weakness=True, started_at="2026-11-20T12:00:00Z"), format="json")
    api.put(f"/api/v1/journal/{owner.today()}/", {"overall": 4}, format="json")
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))  # what the clinician reads, not the chart's data-date
    assert "Showing 22 Oct 2026 to 20 Nov 2026" in text
    assert "Logged with the episode that started 20 Nov 2026, 13:00 CET (Europe/Paris)" in text  # its evidence
    assert " 20 Nov 2026, 13:00 CET (Europe/Paris) opened " in text  # the row of its history
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    listed = clinic.get(url("episode"), {"local_date__year": 2026, "local_date__month": 11}).content.decode()
    assert ">20 Nov<" in listed and "November 20" not in listed  # the list's days of the month


def test_the_patient_page_shows_escalations_with_evidence_and_state_changes(clinic, owner, linked):
    api = client_for(owner)
    episode = api.post(
        "/api/v1/episodes/", episode_body(foot_weakness=True, started_at=timezone.now().isoformat()), format="json"
    )
    escalation = episode.json()["escalation"]
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    assert "Open escalations" in page and "Be seen today: Weakness in the foot" in page
    assert "opened" in page
    api.post(f"/api/v1/escalations/{escalation['id']}/acknowledge/")
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    past = page.split("Past escalations", 1)[1]
    assert "Weakness in the foot" in past and "acknowledged" in past
    assert "The patient acknowledged it in the app." in past


def test_the_patient_page_leads_to_each_record_and_to_lists_of_this_patient_alone(
    clinician, clinic, owner, linked, other, superuser
):
    link(other, clinician)
    client_for(other).post("/api/v1/episodes/", episode_body(severity=2), format="json")
    flagged = (
        client_for(owner)
        .post(
            "/api/v1/episodes/", episode_body(foot_weakness=True, started_at=timezone.now().isoformat()), format="json"
        )
        .json()
    )
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    assert f".level-urgent {{ border-left-color: {COLOURS['urgent']}" in page  # the chart's colour for its level
    assert url("episode", flagged["id"], "change") in page  # the red flag's row
    assert url("escalation", flagged["escalation"]["id"], "change") in page  # the alert's box
    records = page.split('<p class="records">', 1)[1].split("</p>", 1)[0]
    listed = re.search(r'href="([^"]+)">Episodes</a>', records).group(1)
    episodes = clinic.get(listed)
    assert [e.user_id for e in episodes.context_data["cl"].result_list] == [owner.pk]
    assert "By patient" in episodes.content.decode()  # the side bar's filter, offering the two patients
    as_superuser = admin_client(superuser).get(listed)  # no such side bar: it would list every account
    assert [e.user_id for e in as_superuser.context_data["cl"].result_list] == [owner.pk]
    AccessLog.objects.all().delete()
    clinic.get(listed)
    assert list(AccessLog.objects.values_list("patient__email", flat=True)) == ["owner@example.com"]
    CareLink.objects.filter(patient=owner).update(revoked_at=timezone.now())  # one patient left: one choice
    assert list(clinic.get(listed).context_data["cl"].result_list) == []  # not the other patient's rows


def test_a_page_out_of_reach_says_why_in_the_admins_own_look(clinic, owner, linked, other):
    from careteam.models import CareLink

    CareLink.objects.filter(patient=owner).update(revoked_at=timezone.now())  # the patient ended it
    gone = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/")
    assert gone.status_code == 404
    assert "they can end that in the app at any time" in gone.content.decode()
    assert "Your patients" in gone.content.decode() and owner.email not in gone.content.decode()
    refused = clinic.get("/admin/tracking/episode/add/")
    assert refused.status_code == 403 and "Patients' journals in particular are read only" in refused.content.decode()
    assert 'accounts in the group "Clinicians"' in " ".join(refused.content.decode().split())  # what opens the rest
    for page in (gone, refused):  # the admin's own header and links, not Django's
        text = page.content.decode()
        assert "Django administration" not in text and ">HeelJournal<" in text and "Log out" in text
    elsewhere = Client().get("/no-such-page/")  # anyone else is told nothing of patients
    assert elsewhere.status_code == 404 and "patient" not in elsewhere.content.decode().lower()


def test_the_worse_days_table_says_which_days_it_counts(clinic, owner, linked, settings):
    from careteam.reports import report_pdf
    from careteam.wording import WORSE_DAYS_COUNTED
    from tests.test_careteam_exports import pdf_text

    settings.INSIGHT_MIN_DAYS = 2
    api = client_for(owner)
    shoe = footwear_logged(api)["id"]
    log_days(api, 7, 8, footwear=shoe)
    log_days(api, 2, 3, None, days_ago_first=6)
    walk = {"started_at": timezone.now().isoformat(), "duration_minutes": 30, "kind": "walking"}
    api.post("/api/v1/activities/", walk, format="json")  # a day with no episode: severity 0
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    table = page.split("Footwear and activities on worse days", 1)[1].split("</section>", 1)[0]
    assert "2 / 3" in table  # the days with the shoes, and without: two with episodes, one with a walk
    assert "<td>7.5</td><td>1.7</td>" in table and "<td>5.8</td>" in table  # means to one decimal, as they're read
    assert WORSE_DAYS_COUNTED in table
    pdf = pdf_text(report_pdf(user=owner, days=30))
    assert WORSE_DAYS_COUNTED[:36] in pdf  # its first line
    assert "mean severity 7.5 on 2 days with it, 1.7 on 3 days" in pdf


def test_the_worse_days_means_are_rounded_alike_on_the_page_and_in_the_pdf(clinic, owner, linked, settings):
    from careteam.reports import report_pdf
    from tests.test_careteam_exports import pdf_text

    settings.INSIGHT_MIN_DAYS = 2
    api = client_for(owner)
    log_days(api, 4, 4, 4, 5, footwear=footwear_logged(api)["id"])  # a mean of 4.25
    log_days(api, 1, 2, days_ago_first=8)
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    assert "<td>4.3</td><td>1.5</td>" in page
    assert "mean severity 4.3 on 4 days with it" in pdf_text(report_pdf(user=owner, days=30))


def test_the_patient_page_and_the_episode_list_name_red_flags_alike_and_as_the_rules_do(clinic, owner, linked):
    api = client_for(owner)
    now = timezone.now().isoformat()
    severe = episode_body(foot_weakness=True, sudden_onset=True, severity=8, started_at=now)
    api.post("/api/v1/episodes/", severe, format="json")
    mild = episode_body(sudden_onset=True, severity=2, started_at=now)
    mild = api.post("/api/v1/episodes/", mild, format="json").json()
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    listed = clinic.get("/admin/tracking/episode/").content.decode()
    for shown in (page, listed):
        assert "Weakness in the foot, Sudden, severe onset" in shown  # as the alerts name them
    red_flags = page.split("<h2>Red flags</h2>", 1)[1].split("</section>", 1)[0]
    assert red_flags.count("<tr>") == 2  # the header and the one episode: a mild sudden onset is no red flag
    mild_page = clinic.get(url("episode", mild["id"], "change")).content.decode()
    assert "Yes: a red flag" not in mild_page and ">Yes<" in mild_page


@time_machine.travel("2026-11-28T03:50:00Z", tick=False)  # 22:50 the evening before, in New York
def test_open_escalations_read_most_pressing_first_in_words_on_the_patients_clock(clinician, clinic):
    from careteam.reports import report_pdf
    from tests.test_careteam_exports import pdf_text
    from tracking.escalations import escalation_open
    from tracking.trends import Finding

    patient = make_user("new-york@example.com", timezone="America/New_York")
    link(patient, clinician)
    both_feet = {
        "window_days": 30,
        "window_end": "2026-11-27",
        "episodes": 6,
        "both_sides": 6,
        "share": 1.0,
        "min_episodes": 5,
        "min_share": 0.5,
    }
    finding = Finding("bilateral_pattern", "info", both_feet)
    escalation_open(user=patient, finding=finding, today=patient.today(), now=timezone.now())
    red_flag = episode_body(started_at="2026-11-28T03:45:00Z", bowel_bladder_change=True, severity=7)
    client_for(patient).post("/api/v1/episodes/", red_flag, format="json")

    page = clinic.get(f"/admin/careteam/patient/{patient.pk}/page/").content.decode()
    shown = re.sub(r"\s+", " ", page.split("<h2>Open escalations</h2>")[1].split("</section>")[0])
    assert shown.index("Get emergency care now") < shown.index("Worth reading about")
    assert "Logged with the episode that started 27 Nov 2026, 22:45 EST (America/New_York), severity 7." in shown
    assert "6 of 6 episodes in the 30 days to 27 Nov 2026 were in both feet (100%)." in shown
    assert "27 Nov 2026, 22:50 EST (America/New_York)" in shown  # when each opened, on the patient's clock
    assert "{" not in shown and "+00:00" not in shown and "Episode:" not in shown  # no raw evidence
    pdf = pdf_text(report_pdf(user=patient))
    assert "Logged with the episode that started 27 Nov 2026, 22:45 EST" in pdf
    escalations = pdf.split("(Escalations) Tj", 1)[1]  # after the chart's key, which names every level
    assert escalations.index("Get emergency care now") < escalations.index("Worth reading about")


def test_the_patient_page_shows_patterns_context_and_notes_as_text(clinic, owner, linked):
    api = client_for(owner)
    log_days(api, 4, 5, side="both", locations=["medial", "plantar"], notes="<script>alert(1)</script> after a run")
    api.put(
        f"/api/v1/journal/{owner.today()}/",
        {"overall": 6, "relief_measures": ["cold_pack"], "notes": "iced it"},
        format="json",
    )
    page = clinic.get(f"/admin/careteam/patient/{owner.pk}/page/").content.decode()
    assert "Both 2" in page and "Inner side 2" in page and "Underside 2" in page
    assert "Cold pack" in page and "iced it" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; after a run" in page
    assert "<script>alert(1)" not in page


def test_behind_a_trusted_proxy_the_log_keeps_the_address_the_proxy_saw(clinic, owner, linked, settings):
    settings.NUM_PROXIES = 1
    forwarded = "10.9.9.9, 198.51.100.9"  # the client wrote the first; our proxy appended the second
    clinic.get(f"/admin/careteam/patient/{owner.pk}/page/", HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessLog.objects.get().address == "198.51.100.9"


def test_the_admin_shows_its_messages_from_the_session(client, django_user_model):
    """Admin messages live in the session (settings.MESSAGE_STORAGE), not in a signed cookie."""
    admin = django_user_model.objects.create_superuser(email="admin@example.com", password="a-long-admin-password")
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "new@example.com", "password1": "a-new-long-password", "password2": "a-new-long-password"},
        follow=True,
    )
    assert "was added successfully" in response.content.decode()
    assert "messages" not in response.cookies


def test_an_episode_never_edited_says_so_rather_than_show_an_empty_table(clinic, owner, linked):
    episode = client_for(owner).post("/api/v1/episodes/", episode_body(), format="json").json()
    page = clinic.get(url("episode", episode["id"], "change")).content.decode()
    assert "The patient has not edited this episode since logging it." in page
    assert "What changed" not in page


def test_a_clinician_reads_what_each_edit_of_an_episode_changed_in_words(clinic, owner, linked):
    api = client_for(owner)
    episode = api.post("/api/v1/episodes/", episode_body(severity=5, locations=["plantar"]), format="json").json()
    shoe = footwear_logged(api, name="Trail runners")
    edits = [
        {"severity": 7, "locations": ["plantar", "posterior"]},
        {"started_at": "2026-11-24T05:00:00Z", "footwear": shoe["id"]},
    ]
    for edit in edits:
        assert api.patch(f"/api/v1/episodes/{episode['id']}/", edit, format="json").status_code == 200

    expected = [
        "Locations: Underside → Back, Underside; Severity (0-10): 5 → 7",
        "Started at: 24 Nov 2026, 07:30 CET (Europe/Paris) → 24 Nov 2026, 06:00 CET (Europe/Paris); "
        "Footwear: - → Trail runners",
    ]
    for page in ("change", "history"):
        text = re.sub(r"\s+", " ", clinic.get(url("episode", episode["id"], page)).content.decode())
        assert all(line in text for line in expected), page
        assert "change history" not in text  # Django's "this object doesn't have a change history"
    page = clinic.get(url("episode", episode["id"], "change")).content.decode()
    assert "Back, Underside" in page and "posterior" not in page  # labels, not the codes stored
    listed = clinic.get(url("episode")).content.decode()
    assert re.search(r'class="field-edit_count">2<', listed)
    assert [entry.what.split(":")[0] for entry in AccessLog.objects.filter(patient=owner).order_by("id")] == [
        "Episode",
        "History of episode",
        "Episode",
        "Episodes list",
    ]


def test_record_lists_show_the_newest_first(clinic, owner, linked):
    logged = log_days(client_for(owner), 3, 4, 5)
    listed = clinic.get(url("episode")).content.decode()
    positions = [listed.index(f"/admin/tracking/episode/{episode['id']}/") for episode in logged]
    assert positions == sorted(positions, reverse=True)


@time_machine.travel("2026-11-20T12:00:00Z", tick=False)  # the page's own times stay clear of 4 a.m.
def test_an_evening_episode_reads_on_the_patients_own_clock(clinician, clinic):
    patient = make_user("new-york@example.com", timezone="America/New_York")
    link(patient, clinician)
    api = client_for(patient)
    episode = api.post("/api/v1/episodes/", episode_body(started_at="2026-11-20T04:30:00Z"), format="json").json()
    activity = {"started_at": "2026-11-20T04:00:00Z", "duration_minutes": 30, "kind": "walking"}
    activity = api.post("/api/v1/activities/", activity, format="json").json()
    for model, record, shown in [
        ("episode", episode, "19 Nov 2026, 23:30 EST"),
        ("activity", activity, "19 Nov 2026, 23:00 EST"),
    ]:
        listed = clinic.get(url(model)).content.decode()  # its zone's name left out, to keep the columns in view
        assert f"{shown}<" in listed and "4:30 a.m." not in listed and "4 a.m." not in listed
        page = clinic.get(url(model, record["id"], "change")).content.decode()
        assert f"{shown} (America/New_York)" in page
        assert '<div class="readonly">19 Nov 2026</div>' in page  # its local date, written alike
        assert "4:30 a.m." not in page and "4 a.m." not in page
        # Logged at noon UTC, read on the patient's clock; the bookkeeping times are left out.
        page = clinic.get(url(model, record["id"], "change")).content.decode()
        assert "20 Nov 2026, 07:00 EST (America/New_York)" in page and "Updated at" not in page


def test_a_clinician_finds_episodes_by_their_notes_and_reads_fields_by_their_meaning(clinic, owner, linked):
    api = client_for(owner)
    api.post("/api/v1/episodes/", episode_body(notes="After the long run"), format="json")
    api.post("/api/v1/episodes/", episode_body(notes="At the desk", bowel_bladder_change=True), format="json")
    found = clinic.get(url("episode"), {"q": "run"})
    assert [episode.notes for episode in found.context_data["cl"].result_list] == ["After the long run"]
    listed = clinic.get(url("episode")).content.decode()
    assert "Bowel or bladder change" in listed and "Bowel bladder change" not in listed
    page = clinic.get(url("episode", Episode.objects.filter(notes="At the desk").get().pk, "change")).content.decode()
    assert all(label in page for label in ("Severity (0-10)", "Pain (0-10)", "Duration (minutes)"))
    assert ">Patient<" in listed and ">User<" not in listed  # the column, as its filter, names the patient
    # The date of linking, on the patient's clock as every other time here (the owner is in Paris).
    linked = CareLink.objects.get(patient=owner).created_at.astimezone(owner.zone)
    assert f"{linked.day} {linked:%b %Y, %H:%M} CET" in clinic.get("/admin/careteam/patient/").content.decode()


def test_every_record_page_reads_in_words_and_leads_to_the_patient_page(clinic, owner, mine):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_guidance", stdout=StringIO())
    client_for(owner).put(
        f"/api/v1/journal/{owner.today()}/", {"relief_measures": ["orthotics", "nsaid"]}, format="json"
    )
    patient_page = f"/admin/careteam/patient/{owner.pk}/page/"
    for model, record_id in mine.items():
        page = clinic.get(url(model, record_id, "change")).content.decode()
        assert f'<a href="{patient_page}">owner@example.com</a>' in page, model  # not the account: a 403
        assert "Updated at" not in page and "Deleted" not in page, model
        content = page.partition('id="content"')[2]
        assert not re.search(r"\d{4}-\d{2}-\d{2}", content), model  # its name too: "5 Dec 2026"
    assert clinic.get(patient_page).status_code == 200
    entry = JournalEntry.objects.get(user=owner, date=owner.today())
    page = clinic.get(url("journalentry", entry.pk, "change")).content.decode()
    assert "Orthotics, Anti-inflammatory medicine" in page and "nsaid" not in page
    escalation = clinic.get(url("escalation", mine["escalation"], "change")).content.decode()
    assert "Logged with the episode that started" in escalation and "(Europe/Paris)" in escalation
    assert "urgent-signs" not in escalation and "a weakening foot" in escalation  # by title
    listed = clinic.get(url("escalation")).content.decode()
    assert 'class="field-state_label">Open<' in listed


def test_alerts_read_most_pressing_first_with_their_history_in_words(clinic, owner, linked):
    api = client_for(owner)
    api.post("/api/v1/episodes/", episode_body(sudden_onset=True, severity=8), format="json")
    flagged = api.post("/api/v1/episodes/", episode_body(bowel_bladder_change=True), format="json").json()
    acknowledged = api.post("/api/v1/episodes/", episode_body(foot_weakness=True), format="json").json()
    api.post(f"/api/v1/escalations/{acknowledged['escalation']['id']}/acknowledge/")
    levels = [e.level for e in clinic.get(url("escalation")).context_data["cl"].result_list]
    assert levels == ["emergency", "urgent", "urgent"]  # open ones by level, then the acknowledged
    by_level = clinic.get(url("escalation"), {"o": "1"}).context_data["cl"].result_list  # the Level header
    assert [e.level for e in by_level] == ["urgent", "urgent", "emergency"]  # by rank, not by letters
    history = clinic.get(url("escalation", flagged["escalation"]["id"], "history")).content.decode()
    assert "What happened to this alert" in history
    assert "Opened: - → open. Logged in the app on" in history  # a red flag: the day it was told
    assert "change history" not in history
    for model, record in (("footwear", footwear_logged(api)), ("journalentry", None)):
        if record is None:
            api.put(f"/api/v1/journal/{owner.today()}/", {"overall": 3}, format="json")
            record = {"id": JournalEntry.objects.get().pk}
        kept = clinic.get(url(model, record["id"], "history")).content.decode()
        assert "The app keeps no history of changes to this record" in kept and "change history" not in kept
    unedited = clinic.get(url("episode", flagged["id"], "history")).content.decode()
    assert "The patient has not edited this episode since logging it." in unedited
    page = clinic.get(url("escalation", acknowledged["escalation"]["id"], "change")).content.decode()
    assert not re.search(r"at \d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)  # no UTC time as a row's caption
    episode = clinic.get(url("episode", flagged["id"], "change")).content.decode()
    assert "Yes: a red flag" in episode
    assert f"/admin/tracking/escalation/{flagged['escalation']['id']}/change/" in episode  # the alert it raised
    assert clinic.get(f"/admin/careteam/patient/{owner.pk}/history/").url.endswith(f"/patient/{owner.pk}/page/")


def test_the_admin_names_heeljournal_and_links_to_no_missing_site(clinic):
    page = clinic.get("/admin/").content.decode()
    assert "<title>Site administration | HeelJournal</title>" in page
    assert "Django administration" not in page and "View site" not in page


def test_an_episodes_page_costs_the_same_queries_for_1_or_5_edits(clinic, owner, linked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(owner)
    first = api.post("/api/v1/episodes/", episode_body(), format="json").json()
    clinic.get(url("episode", first["id"], "change"))  # what a process reads once (content types) is read before
    counts = []
    for edits in (1, 5):
        episode = api.post("/api/v1/episodes/", episode_body(severity=1), format="json").json()
        for severity in range(2, 2 + edits):
            api.patch(f"/api/v1/episodes/{episode['id']}/", {"severity": severity}, format="json")
        with CaptureQueriesContext(connection) as queries:
            assert clinic.get(url("episode", episode["id"], "change")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_clinicians_downloads_are_named_by_patient_and_day(clinic, owner, linked):
    with time_machine.travel("2026-11-30T23:30:00Z"):  # already December 1st in Paris
        pdf = clinic.get(f"/admin/careteam/patient/{owner.pk}/report.pdf")
        csv = clinic.get(f"/admin/careteam/patient/{owner.pk}/export.csv")
    assert pdf["Content-Disposition"] == 'attachment; filename="heeljournal owner@example.com 2026-12-01 summary.pdf"'
    assert csv["Content-Disposition"] == 'attachment; filename="heeljournal owner@example.com 2026-12-01 records.csv"'
