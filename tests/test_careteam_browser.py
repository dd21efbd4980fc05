"""A clinician in a real browser (headless Chromium): sign in, redeem a code, read the chart,
download the PDF, and be refused another patient's page."""

import os

import pytest
from django.contrib.auth.models import Group
from django.utils.dateparse import parse_datetime

from careteam.models import AccessLog
from tests.careteam_fixtures import data_migrations_rerun, log_days
from tests.conftest import IN_CI, PASSWORD, client_for, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def sync_playwright_or_stop():
    """Playwright's entry point; without it or Chromium, a skip on a laptop and a failure in CI."""
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the playwright package (pip install -r requirements-dev.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "The browser test needs " + " and ".join(missing)
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return sync_playwright


# Transactional, so that the live server's thread sees the data. An earlier transactional test's
# flush took away the Clinicians group, which migrations make: made again, as they made it.
@pytest.mark.django_db(transaction=True)
def test_a_clinician_reads_the_chart_downloads_the_pdf_and_is_refused_another_patient(live_server):
    sync_playwright = sync_playwright_or_stop()
    data_migrations_rerun("careteam")
    patient = make_user("patient@example.com", timezone="Europe/Paris")
    stranger = make_user("stranger@example.com")
    clinician = make_user("doctor@example.com")
    clinician.is_staff = True
    clinician.save()
    clinician.groups.add(Group.objects.get(name="Clinicians"))
    api = client_for(patient)
    logged_days = {
        patient.local_date(parse_datetime(e["started_at"])).isoformat() for e in log_days(api, 3, 5, None, 6, 4, 7)
    }
    log_days(client_for(stranger), 9, 9)
    code = api.post("/api/v1/care-team/invites/").json()["code"]

    # Django's ORM refuses to run inside Playwright's event loop: everything above and below, none inside.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(f"{live_server.url}/admin/login/?next=/admin/careteam/patient/")
            page.fill("#id_username", "doctor@example.com")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.click("text=Redeem an invite code")
            page.fill("#id_code", code)
            page.click("input[type=submit][value=Redeem]")
            page.wait_for_url(f"**/admin/careteam/patient/{patient.pk}/page/")
            assert "You can now read the journal of patient@example.com" in page.content()

            chart = page.locator("svg.severity-chart")
            assert chart.is_visible()
            assert chart.bounding_box()["width"] > 300
            points = page.locator("svg.severity-chart circle.severity-point")
            assert points.count() == len(logged_days) == 5
            assert {points.nth(n).get_attribute("data-date") for n in range(points.count())} == logged_days
            page.emulate_media(color_scheme="dark")  # the admin takes the system's theme unless told
            legend_paper = page.locator("p.legend").first.evaluate("e => getComputedStyle(e).backgroundColor")
            assert legend_paper == "rgb(255, 255, 255)"  # the chart's colours, on the chart's own white

            with page.expect_download() as download:
                page.click("text=Download the PDF summary")
            pdf = download.value.path().read_bytes()
            assert pdf.startswith(b"%PDF")

            refused = page.goto(f"{live_server.url}/admin/careteam/patient/{stranger.pk}/page/")
            assert refused.status == 404
            assert "stranger@example.com" not in page.content()
        finally:
            browser.close()

    seen = list(AccessLog.objects.filter(viewer=clinician).values_list("patient_id", "what"))
    assert seen == [(patient.pk, "PDF summary, last 30 days"), (patient.pk, "Patient page, last 30 days")]
