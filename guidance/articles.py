"""The one writer of guidance articles from their content files.

A file is `<slug>.md`: YAML front matter (title, category, summary, order), then the body in
Markdown. Loading is idempotent: an article whose file has not changed since the last load is
left alone (its `updated_at` too, and any edit made to it in the admin); a changed file wins.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from guidance.models import Article
from heeljournal.enums import GuidanceCategory

CONTENT_DIR = Path(__file__).resolve().parent / "content"
FRONT_MATTER_FIELDS = {"title", "category", "summary", "order"}


class ArticleFileError(Exception):
    """A content file that cannot be loaded; the message names the file."""


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    without_file: list = field(default_factory=list)  # in the database, no file: kept, since slugs are linked


def article_file_read(path):
    """The Article fields of one content file, or ArticleFileError."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise ArticleFileError(f"{path.name}: must start with front matter between '---' lines.")
    front, body = text[4:].split("\n---\n", 1)
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as error:
        raise ArticleFileError(f"{path.name}: front matter is not valid YAML ({error}).") from None
    if not isinstance(meta, dict) or set(meta) != FRONT_MATTER_FIELDS:
        raise ArticleFileError(f"{path.name}: front matter must have exactly {sorted(FRONT_MATTER_FIELDS)}.")
    if meta["category"] not in GuidanceCategory.values:
        raise ArticleFileError(f"{path.name}: unknown category {meta['category']!r}.")
    if not isinstance(meta["order"], int) or meta["order"] < 0:
        raise ArticleFileError(f"{path.name}: order must be a whole number, 0 or more.")
    if not body.strip():
        raise ArticleFileError(f"{path.name}: the body is empty.")
    return {
        "slug": path.stem,
        "title": str(meta["title"]).strip(),
        "category": meta["category"],
        "summary": " ".join(str(meta["summary"]).split()),
        "order": meta["order"],
        "body": body.strip() + "\n",
        "source_digest": hashlib.sha256(text.encode()).hexdigest(),
    }


def articles_load(*, directory=CONTENT_DIR):
    """Create or update an article per file, all or nothing: one bad file changes nothing."""
    files = [article_file_read(path) for path in sorted(Path(directory).glob("*.md"))]
    report = LoadReport()
    with transaction.atomic():
        existing = Article.objects.in_bulk([data["slug"] for data in files], field_name="slug")
        for data in files:
            article = existing.get(data["slug"]) or Article()
            if article.source_digest == data["source_digest"]:
                report.unchanged.append(data["slug"])
                continue
            (report.updated if article.pk else report.created).append(data["slug"])
            for name, value in data.items():
                setattr(article, name, value)
            try:
                article.full_clean(validate_unique=False)  # slugs are file names: unique already
            except ValidationError as error:
                raise ArticleFileError(f"{data['slug']}.md: {'; '.join(error.messages)}") from None
            article.save()
        loaded = {data["slug"] for data in files}
        report.without_file = sorted(set(Article.objects.values_list("slug", flat=True)) - loaded)
    return report
