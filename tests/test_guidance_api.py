"""GET guidance/, guidance/{slug}/ (public, cached) and guidance/for-me/ (signed in)."""

import shutil
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from guidance.articles import CONTENT_DIR
from guidance.models import NOT_A_PROFESSIONAL
from guidance.ranking import HOME_RELIEF
from tests.conftest import episode_body

LIST = "/api/v1/guidance/"
FOR_ME = "/api/v1/guidance/for-me/"
LIST_FIELDS = {"slug", "title", "category", "summary", "updated_at"}


def detail(slug):
    return f"/api/v1/guidance/{slug}/"


@pytest.fixture
def articles(db):
    call_command("load_guidance", stdout=StringIO())


def log_episode(client, **fields):
    """Log an episode through the API, as the phone does, starting now (inside every window)."""
    body = episode_body(started_at=timezone.now().isoformat(), **fields)
    response = client.post("/api/v1/episodes/", body, format="json")
    assert response.status_code == 201, response.json()


def slugs(response):
    return [item["slug"] for item in response.json()]


# --- guidance/ and guidance/{slug}/ ---------------------------------------------------------


def test_it_lists_every_article_without_login(anon, articles):
    response = anon.get(LIST)
    assert response.status_code == 200
    assert len(response.json()) == 18
    assert all(set(item) == LIST_FIELDS for item in response.json())
    assert slugs(response)[:3] == ["emergency-signs", "urgent-signs", "when-to-see-a-clinician"]


def test_it_ignores_a_dead_token_on_public_pages(anon, articles):
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-live-token")
    assert anon.get(LIST).status_code == 200
    assert anon.get(detail("cold-packs")).status_code == 200


def test_it_filters_the_list_by_category(anon, articles):
    response = anon.get(LIST, {"category": "causes"})
    assert response.status_code == 200
    causes = {"tarsal-tunnel", "medial-calcaneal-nerve", "lumbar-radiculopathy", "peripheral-neuropathy"}
    assert set(slugs(response)) == causes


def test_it_answers_400_naming_the_field_for_an_unknown_category(anon, articles):
    response = anon.get(LIST, {"category": "gossip"})
    assert response.status_code == 400
    assert list(response.json()) == ["category"]


def test_it_reads_an_empty_category_as_no_filter(anon, articles):
    assert len(anon.get(LIST, {"category": ""}).json()) == 18


def test_it_shows_an_article_with_its_body_as_markdown_and_html(anon, articles):
    response = anon.get(detail("cold-packs"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == LIST_FIELDS | {"body", "body_html"}
    assert body["body"].startswith("Swelling around the ankle") and "## How to do it" in body["body"]
    assert body["body"].rstrip().endswith(f"*{NOT_A_PROFESSIONAL}*")
    assert "<h2>How to do it</h2>" in body["body_html"] and NOT_A_PROFESSIONAL in body["body_html"]


def test_it_answers_404_for_an_unknown_slug(anon, articles):
    assert anon.get(detail("no-such-article")).status_code == 404


@pytest.mark.parametrize("path", [LIST, detail("cold-packs")])
def test_it_sends_an_etag_and_public_caching(anon, articles, path):
    response = anon.get(path)
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Cache-Control"].startswith("public, max-age=")
    assert anon.get(path)["ETag"] == response["ETag"]  # the same content, the same tag


@pytest.mark.parametrize("path", [LIST, detail("cold-packs")])
def test_it_answers_304_to_a_current_etag(anon, articles, path):
    etag = anon.get(path)["ETag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}'):
        response = anon.get(path, HTTP_IF_NONE_MATCH=if_none_match)
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag and response["Cache-Control"].startswith("public")


def test_it_answers_200_with_a_new_etag_once_the_article_changed(anon, articles, tmp_path):
    etag = anon.get(detail("cold-packs"))["ETag"]
    shutil.copytree(CONTENT_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "cold-packs.md"
    path.write_text(path.read_text().replace("frozen peas", "frozen beans"))
    call_command("load_guidance", directory=tmp_path, stdout=StringIO())
    response = anon.get(detail("cold-packs"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag and "frozen beans" in response.json()["body"]


def test_it_renders_markdown_without_raw_html_or_javascript_links(anon, db, tmp_path):
    (tmp_path / "unsafe.md").write_text(
        "---\ntitle: Unsafe\ncategory: causes\nsummary: S\norder: 1\n---\n"
        "Hello <script>alert('x')</script> **there**.\n\n"
        '[click](javascript:alert(1)) <a href="JavaScript:alert(2)" onclick="alert(3)">raw</a> '
        "<img src=x onerror=alert(4)> [fine](https://example.org)\n"
    )
    call_command("load_guidance", directory=tmp_path, stdout=StringIO())
    body = anon.get(detail("unsafe")).json()
    html = body["body_html"].lower()
    for unsafe in ("<script", "alert", "javascript:", "onclick", "onerror", "<img"):
        assert unsafe not in html
    assert "<strong>there</strong>" in html and 'href="https://example.org"' in html
    assert "<script>" in body["body"]  # `body` stays the Markdown as written


def test_it_lists_in_one_query_however_many_articles(anon, articles, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert anon.get(LIST).status_code == 200
    with django_assert_num_queries(1):
        assert anon.get(LIST, {"category": "red_flags"}).status_code == 200


def test_it_shows_an_article_in_one_query(anon, articles, django_assert_num_queries):
    etag = anon.get(detail("cold-packs"))["ETag"]
    with django_assert_num_queries(1):
        assert anon.get(detail("cold-packs")).status_code == 200
    with django_assert_num_queries(1):
        assert anon.get(detail("cold-packs"), HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- guidance/for-me/ --------------------------------------------------------------------------


def test_it_needs_a_login_for_guidance_for_me(anon, articles):
    assert anon.get(FOR_ME).status_code == 401


def test_it_offers_home_relief_first_when_nothing_is_logged(api, articles):
    response = api.get(FOR_ME)
    assert response.status_code == 200
    assert slugs(response) == [*HOME_RELIEF, "when-to-see-a-clinician"]
    assert all(set(item) == LIST_FIELDS | {"why"} and item["why"] for item in response.json())
    assert response.json()[0]["why"].startswith("Nothing logged yet")


def test_it_puts_emergency_advice_first_after_a_logged_bowel_or_bladder_change(api, articles):
    log_episode(api, bowel_bladder_change=True, severity=6)
    response = api.get(FOR_ME)
    assert slugs(response)[:2] == ["emergency-signs", "urgent-signs"]
    assert "bowel or bladder" in response.json()[0]["why"]
    assert set(HOME_RELIEF) <= set(slugs(response))


def test_a_mild_sudden_onset_does_not_call_for_a_same_day_visit(api, articles, settings):
    # The rule escalates a sudden onset from SUDDEN_SEVERE_MIN_SEVERITY; guidance follows it.
    log_episode(api, sudden_onset=True, severity=settings.SUDDEN_SEVERE_MIN_SEVERITY - 1)
    assert "urgent-signs" not in slugs(api.get(FOR_ME))
    log_episode(api, sudden_onset=True, severity=settings.SUDDEN_SEVERE_MIN_SEVERITY)
    response = api.get(FOR_ME)
    assert slugs(response)[:2] == ["urgent-signs", "emergency-signs"]
    assert response.json()[0]["why"].startswith("You recently logged severe numbness that came on suddenly.")


def test_it_points_to_nerve_causes_and_blood_tests_when_numbness_is_in_both_feet(api, articles):
    for side in ["both", "both", "both", "left", "both"]:
        log_episode(api, side=side)
    response = api.get(FOR_ME)
    assert slugs(response)[:2] == ["peripheral-neuropathy", "blood-tests"]
    assert response.json()[0]["why"].startswith("4 of your 5 episodes in the last 30 days were in both feet.")


def test_it_points_to_the_back_and_imaging_when_numbness_runs_down_from_it(api, articles):
    for _ in range(3):
        log_episode(api, radiates_from_back=True)
    assert slugs(api.get(FOR_ME))[:2] == ["lumbar-radiculopathy", "imaging-xray-mri"]


def test_it_puts_booking_a_visit_first_for_an_open_see_clinician_escalation(api, owner, articles):
    from django.utils import timezone

    from tracking.escalations import escalation_open
    from tracking.trends import Finding

    finding = Finding("persistent", "see_clinician", {"logged_days": 10, "window_days": 14, "window_end": "2026-11-27"})
    escalation_open(user=owner, finding=finding, today=owner.today(), now=timezone.now())
    response = api.get(FOR_ME)
    assert slugs(response)[:2] == ["when-to-see-a-clinician", "what-an-evaluation-involves"]
    assert "numbness that persists" in response.json()[0]["why"]


def test_it_ignores_what_another_user_logged(api, other_api, articles):
    log_episode(other_api, bowel_bladder_change=True)
    for _ in range(5):
        log_episode(other_api, side="both", radiates_from_back=True)
    assert slugs(api.get(FOR_ME)) == [*HOME_RELIEF, "when-to-see-a-clinician"]


def test_it_ignores_deleted_episodes(api, articles):
    log_episode(api, foot_weakness=True)
    episode = api.get("/api/v1/episodes/").json()["results"][0]
    assert api.delete(f"/api/v1/episodes/{episode['id']}/").status_code == 204
    # The escalation the red flag raised stays open (by design) until acknowledged...
    assert "urgent-signs" in slugs(api.get(FOR_ME))
    api.post(f"/api/v1/escalations/{episode['escalation']['id']}/acknowledge/")
    # ...and the deleted episode no longer counts as a recent red flag.
    assert "urgent-signs" not in slugs(api.get(FOR_ME))


def test_it_ranks_for_me_in_a_constant_number_of_queries(api, articles, django_assert_num_queries):
    for _ in range(6):
        log_episode(api, side="both", radiates_from_back=True, sudden_onset=True)
    # The token, the episode counts, the open escalations, the articles.
    with django_assert_num_queries(4):
        assert api.get(FOR_ME).status_code == 200
