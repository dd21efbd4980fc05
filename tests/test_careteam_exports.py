"""The visit's files: me/report.pdf and me/export.csv for the patient; the same builders for the clinician."""

import base64
import csv
import io
import re
import zlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from careteam.models import AccessLog
from careteam.reports import CSV_COLUMNS, records_csv, report_pdf, spreadsheet_safe
from guidance.models import NOT_A_PROFESSIONAL
from tests.careteam_fixtures import clinic, linked, log_days  # noqa: F401
from tests.conftest import episode_body, footwear_logged

pytestmark = pytest.mark.django_db


def rows(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def pdf_text(content):
    """The drawing operators of every page, decoded (reportlab writes ASCII85, then Flate):
    enough to find a line of the summary."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.S)
    assert streams
    text = b""
    for stream in streams:
        ascii85 = re.sub(rb"\s", b"", stream).removesuffix(b"~>")
        text += zlib.decompress(base64.a85decode(ascii85))
    return text.decode("latin-1")


def a_full_log(api, owner):
    shoe = footwear_logged(api, name='=HYPERLINK("http://evil")', kind="heel", arch_support="none")
    log_days(api, 3, 5, footwear=shoe["id"], notes="+1 after standing")
    api.post("/api/v1/episodes/", episode_body(bowel_bladder_change=True, notes="@SUM(A1)"), format="json")
    api.post(
        "/api/v1/activities/",
        {"started_at": "2026-11-24T09:00:00Z", "duration_minutes": 40, "kind": "running", "notes": "-2 miles"},
        format="json",
    )
    api.put(
        f"/api/v1/journal/{owner.today()}/",
        {"overall": 4, "notes": "=cold pack", "relief_measures": ["rest", "orthotics"]},
        format="json",
    )
    return shoe


# --- CSV ---------------------------------------------------------------------------------------


def test_the_csv_has_every_record_once_with_its_kind(api, owner):
    shoe = a_full_log(api, owner)
    deleted = api.post("/api/v1/episodes/", episode_body(), format="json").json()
    api.delete(f"/api/v1/episodes/{deleted['id']}/")
    table = rows(records_csv(user=owner))
    assert [row["kind"] for row in table] == [
        "footwear",
        "episode",
        "episode",
        "episode",
        "activity",
        "journal",
        "escalation",
    ]
    assert deleted["id"] not in {row["id"] for row in table}
    episode = next(row for row in table if row["kind"] == "episode" and row["footwear"])
    assert episode["footwear"] == '\'=HYPERLINK("http://evil")'
    assert episode["locations"] == "plantar" and episode["sudden_onset"] == "no"
    activity = next(row for row in table if row["kind"] == "activity")  # 09:00 UTC, 10:00 in Paris
    assert (activity["started_local"], activity["timezone"]) == ("2026-11-24T10:00+01:00", "Europe/Paris")
    journal = next(row for row in table if row["kind"] == "journal")
    assert journal["relief_measures"] == "rest; orthotics"
    escalation = table[-1]
    assert (escalation["level"], escalation["reason"], escalation["state"]) == ("emergency", "bowel_bladder", "open")
    assert next(row for row in table if row["kind"] == "footwear")["id"] == shoe["id"]


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-2 miles", "@SUM(A1)", "\tcold pack", "\rnew line"])
def test_a_cell_a_spreadsheet_would_run_starts_with_an_apostrophe(dangerous):
    assert spreadsheet_safe(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["walked 2 miles", "2026-11-24", "a-b", "", "é=1"])
def test_other_cells_are_left_alone(harmless):
    assert spreadsheet_safe(harmless) == harmless


def test_no_cell_of_the_csv_could_run_as_a_formula(api, owner):
    a_full_log(api, owner)
    table = rows(records_csv(user=owner))
    cells = [cell for row in table for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'+1 after standing" in cells and "'@SUM(A1)" in cells and "'-2 miles" in cells


def test_the_patient_downloads_their_csv(api, owner):
    a_full_log(api, owner)
    response = api.get("/api/v1/me/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")  # as a spreadsheet reads it: Excel needs the mark
    assert response.content.startswith("\ufeff".encode())
    assert body.splitlines()[0].split(",") == CSV_COLUMNS
    assert len(rows(body)) == 7
    assert not AccessLog.objects.exists()  # a patient reading their own journal is not someone looking


def test_a_patient_cannot_download_another_users_records(api, other_api, owner, other):
    other_api.post("/api/v1/episodes/", episode_body(notes="theirs alone"), format="json")
    api.post("/api/v1/episodes/", episode_body(notes="mine"), format="json")
    mine = api.get("/api/v1/me/export.csv").content.decode()
    assert "theirs alone" not in mine and "mine" in mine
    assert "theirs alone" not in pdf_text(api.get("/api/v1/me/report.pdf").content)
    assert "other@example.com" not in pdf_text(api.get("/api/v1/me/report.pdf").content)


@pytest.mark.parametrize("path", ["/api/v1/me/export.csv", "/api/v1/me/report.pdf"])
def test_the_files_need_a_token_and_say_so_in_json(anon, path):
    response = anon.get(path, HTTP_ACCEPT="application/pdf, text/csv")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == "Bearer"


# --- PDF ---------------------------------------------------------------------------------------


def test_the_patient_downloads_their_pdf_summary(api, owner):
    a_full_log(api, owner)
    response = api.get("/api/v1/me/report.pdf", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"


def test_the_summary_says_the_app_does_not_replace_a_professional(owner):
    text = pdf_text(report_pdf(user=owner))
    assert NOT_A_PROFESSIONAL in text


def test_the_summarys_chart_names_its_scale_and_each_escalation_colour_as_the_page_does(owner):
    from heeljournal.enums import EscalationLevel

    text = pdf_text(report_pdf(user=owner))  # no escalation: the levels named are the key's
    assert "(severity and pain, 0-10) Tj" in text
    words = " ".join(re.findall(r"\(([^)]*)\) Tj", text))  # a label may break across lines
    assert all(level.label in words for level in EscalationLevel)


def test_the_summary_says_when_it_was_made_as_the_clinicians_page_writes_a_time(owner):
    with time_machine.travel(datetime(2026, 12, 7, 10, 5, tzinfo=UTC), tick=False):
        text = pdf_text(report_pdf(user=owner))
    assert "Made 7 Dec 2026, 11:05 CET" in text  # on the patient's clock, the zone named


def test_the_summary_holds_the_chart_patterns_red_flags_and_escalations(api, owner):
    log_days(api, 2, 4, 6, pain=3, side="both")
    api.post(
        "/api/v1/episodes/", episode_body(foot_weakness=True, started_at=timezone.now().isoformat()), format="json"
    )
    text = pdf_text(report_pdf(user=owner, days=30))
    for heading in ("Severity and pain by day", "Patterns", "Red flags", "Escalations"):
        assert heading in text
    assert "Weakness in the foot" in text and "Be seen today" in text
    assert "Both 3" in text
    assert "4 of 30" in text  # days with an episode


def test_the_summary_takes_30_or_90_days(api):
    assert api.get("/api/v1/me/report.pdf", {"days": 30}).status_code == 200
    response = api.get("/api/v1/me/report.pdf", {"days": 7})
    assert response.status_code == 400
    assert "days" in response.json()


def test_what_a_user_typed_stays_text_in_the_pdf(api, owner):
    footwear_logged(api, name="<b>bold</b> & <unclosed 靴", kind="heel", arch_support="none")
    log_days(api, 4, 4, 5, 6, 5, 6)
    content = report_pdf(user=owner)
    assert content.startswith(b"%PDF")


# --- For the clinician ---------------------------------------------------------------------------


def test_the_clinician_downloads_the_same_files_and_each_is_logged(clinic, owner, linked, api):
    a_full_log(api, owner)
    pdf = clinic.get(f"/admin/careteam/patient/{owner.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    exported = clinic.get(f"/admin/careteam/patient/{owner.pk}/export.csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode() == records_csv(user=owner)
    assert list(AccessLog.objects.order_by("id").values_list("what", flat=True)) == [
        "PDF summary, last 90 days",
        "CSV of every record",
    ]


def test_the_files_are_in_the_openapi_document(anon):
    paths = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "application/pdf" in paths["/api/v1/me/report.pdf"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in paths["/api/v1/me/export.csv"]["get"]["responses"]["200"]["content"]
    for path in (
        "/api/v1/care-team/",
        "/api/v1/care-team/{id}/",
        "/api/v1/care-team/invites/",
        "/api/v1/care-team/access-log/",
    ):
        assert path in paths
