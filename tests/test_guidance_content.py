"""The guidance articles as data: the agreed slugs, the reference's topics, own words, the loader."""

import os
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from guidance.articles import CONTENT_DIR
from guidance.models import NOT_A_PROFESSIONAL, Article

# The medical reference lives beside the repository (../shared), like the contract and the rules.
REFERENCE = Path(
    os.environ.get("HEELJOURNAL_REFERENCE", settings.BASE_DIR.parent / "shared" / "reference" / "heel-numbness.txt")
)

SLUGS_BY_CATEGORY = {
    "home_relief": {"rest-and-activity", "supportive-footwear", "cold-packs", "calf-and-foot-stretches"},
    "red_flags": {"emergency-signs", "urgent-signs", "when-to-see-a-clinician"},
    "causes": {"tarsal-tunnel", "medial-calcaneal-nerve", "lumbar-radiculopathy", "peripheral-neuropathy"},
    "evaluation": {"what-an-evaluation-involves", "nerve-conduction-and-emg", "imaging-xray-mri", "blood-tests"},
    "treatment": {"conservative-treatment", "steroid-injections", "tarsal-tunnel-release"},
}

# Every topic of the reference, with words that must all appear in one article.
TOPICS = [
    ("rest", ["rest"]),
    ("avoiding prolonged standing", ["standing"]),
    ("avoiding high-impact exercise", ["high-impact exercise"]),
    ("footwear with arch support and cushioning", ["arch", "cushion"]),
    ("cold packs for short periods", ["cold pack", "minutes"]),
    ("calf and foot stretches", ["calf", "stretch", "foot"]),
    ("sudden severe onset with weakness", ["sudden", "severe", "weak"]),
    ("bowel or bladder change is an emergency", ["bowel", "bladder", "emergency"]),
    ("numbness that persists or worsens", ["keeps returning", "getting stronger"]),
    ("increasing pain", ["pain is growing"]),
    ("the tarsal tunnel", ["tarsal tunnel", "posterior tibial nerve", "flexor retinaculum"]),
    ("causes of tarsal tunnel compression", ["sprain", "spur", "ganglion cyst", "fallen arches"]),
    ("the medial calcaneal nerve", ["medial calcaneal nerve", "abductor hallucis"]),
    ("Baxter's nerve, mistaken for plantar fasciitis", ["baxter", "plantar fasciitis"]),
    ("lumbar radiculopathy", ["lumbar radiculopathy", "L5", "S1", "sciatica"]),
    ("herniated disc and spinal stenosis", ["herniated", "spinal stenosis"]),
    ("peripheral neuropathy from diabetes", ["peripheral neuropathy", "diabetes", "both feet"]),
    ("vitamin B12", ["vitamin B12"]),
    ("myelin damage", ["myelin"]),
    ("medicines such as chemotherapy", ["medicine", "chemotherapy"]),
    ("nerve conduction studies", ["nerve conduction"]),
    ("EMG", ["electromyography", "needle"]),
    ("X-ray", ["x-ray", "fracture"]),
    ("MRI", ["MRI", "soft tissue"]),
    ("blood tests", ["blood test", "blood sugar", "vitamin B12"]),
    ("orthotics", ["orthotics"]),
    ("physical therapy", ["physical therapy"]),
    ("NSAIDs", ["NSAIDs", "inflammation"]),
    ("steroid injections", ["steroid", "injection", "tarsal tunnel"]),
    ("tarsal tunnel release", ["tarsal tunnel release", "flexor retinaculum"]),
]


@pytest.fixture
def articles(db):
    call_command("load_guidance", stdout=StringIO())
    return list(Article.objects.all())


def text_of(article):
    """Everything a reader sees of the article, on one line (files wrap their lines)."""
    return " ".join(f"{article.title} {article.summary} {article.markdown}".split())


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def load(**options):
    out = StringIO()
    call_command("load_guidance", stdout=out, **options)
    return out.getvalue()


def test_it_loads_exactly_the_agreed_slugs_in_their_categories(articles):
    loaded = {(article.category, article.slug) for article in articles}
    assert loaded == {(category, slug) for category, slugs in SLUGS_BY_CATEGORY.items() for slug in slugs}


@pytest.mark.parametrize("topic, keywords", TOPICS, ids=[topic for topic, _ in TOPICS])
def test_it_covers_every_topic_of_the_reference(articles, topic, keywords):
    covering = [a.slug for a in articles if all(k.lower() in text_of(a).lower() for k in keywords)]
    assert covering, f"no article covers {topic!r} (looked for {keywords})"


def test_it_copies_no_sentence_of_the_reference(articles):
    if not REFERENCE.exists():
        message = f"the reference is not at {REFERENCE} (set HEELJOURNAL_REFERENCE)"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    reference = words(REFERENCE.read_text(encoding="utf-8"))
    runs = {tuple(reference[i : i + 8]) for i in range(len(reference) - 7)}
    for article in articles:
        article_words = words(text_of(article))
        for i in range(len(article_words) - 7):
            run = tuple(article_words[i : i + 8])
            assert run not in runs, f"{article.slug} copies the reference: {' '.join(run)!r}"


def test_it_never_tells_the_reader_what_they_have(articles):
    for article in articles:
        assert not re.search(r"\byou (have|'ve got|are suffering)\b", text_of(article), re.IGNORECASE), article.slug


def test_it_ends_every_article_with_the_line_that_the_app_is_not_a_professional(articles):
    for article in articles:
        assert article.markdown.rstrip().endswith(f"*{NOT_A_PROFESSIONAL}*")
        assert NOT_A_PROFESSIONAL in article.html


def test_it_keeps_that_line_in_one_place_not_in_the_files():
    for path in CONTENT_DIR.glob("*.md"):
        assert "does not replace" not in path.read_text(encoding="utf-8"), path.name


def test_it_changes_nothing_when_the_files_are_unchanged(articles):
    before = dict(Article.objects.values_list("slug", "updated_at"))
    with time_machine.travel("2030-01-01 12:00Z"):
        output = load()
    assert dict(Article.objects.values_list("slug", "updated_at")) == before
    assert "0 created, 0 updated, 18 unchanged" in output


def test_it_updates_only_the_article_whose_file_changed(articles, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "cold-packs.md"
    path.write_text(path.read_text().replace("no more than about 15 minutes", "about 10 minutes"))
    before = dict(Article.objects.values_list("slug", "updated_at"))
    with time_machine.travel("2030-01-01 12:00Z"):
        output = load(directory=tmp_path)
    after = dict(Article.objects.values_list("slug", "updated_at"))
    assert [slug for slug in after if after[slug] != before[slug]] == ["cold-packs"]
    assert "about 10 minutes" in Article.objects.get(slug="cold-packs").body
    assert "Updated cold-packs" in output and "0 created, 1 updated, 17 unchanged" in output


def test_it_keeps_an_edit_made_in_the_admin_until_the_file_changes(articles):
    Article.objects.filter(slug="cold-packs").update(title="Edited by staff")
    load()
    assert Article.objects.get(slug="cold-packs").title == "Edited by staff"


def test_it_keeps_an_article_whose_file_is_gone_and_says_so(articles, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "cold-packs.md").unlink()
    output = load(directory=tmp_path)
    assert Article.objects.filter(slug="cold-packs").exists()
    assert "Kept cold-packs" in output


def test_it_rejects_a_bad_file_and_writes_nothing(db, tmp_path):
    shutil.copytree(CONTENT_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "zz-bad.md").write_text("---\ntitle: T\ncategory: gossip\nsummary: S\norder: 1\n---\nBody\n")
    with pytest.raises(CommandError, match="zz-bad.md: unknown category 'gossip'"):
        load(directory=tmp_path)
    assert not Article.objects.exists()


def test_it_rejects_a_file_without_front_matter(db, tmp_path):
    (tmp_path / "plain.md").write_text("Just a body\n")
    with pytest.raises(CommandError, match="plain.md: must start with front matter"):
        load(directory=tmp_path)
