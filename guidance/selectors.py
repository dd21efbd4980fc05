"""Reads for guidance: the articles, and what a user's log shows (the input of ranking)."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q

from guidance import ranking
from guidance.models import Article
from heeljournal.enums import Side
from tracking.models import Episode, Escalation
from tracking.selectors import RED_FLAG_COUNTS
from tracking.trends import Rules

LIST_FIELDS = ("slug", "title", "category", "summary", "updated_at")


def article_list(*, category: str | None = None):
    articles = Article.objects.only(*LIST_FIELDS)
    return articles.filter(category=category) if category else articles


def open_escalations(user) -> list[tuple[str, str]]:
    """The user's open escalations as (level, reason) pairs."""
    return list(Escalation.objects.filter(user=user, closed_at__isnull=True).values_list("level", "reason"))


def guidance_pattern(*, user, rules, today: date | None = None) -> ranking.Pattern:
    """What the user's live episodes show, in one aggregate query (plus open escalations)."""
    today = today or user.today()
    in_window = Q(local_date__gt=today - timedelta(days=rules.pattern_window_days), local_date__lte=today)
    recent = Q(local_date__gt=today - timedelta(days=settings.GUIDANCE_RECENT_RED_FLAG_DAYS), local_date__lte=today)
    counts = Episode.objects.filter(user=user).aggregate(
        total=Count("id"),
        episodes=Count("id", filter=in_window),
        both_sides=Count("id", filter=in_window & Q(side=Side.BOTH)),
        radiating=Count("id", filter=in_window & Q(radiates_from_back=True)),
        **{f"flag_{reason}": Count("id", filter=recent & raised(rules)) for reason, raised in RED_FLAG_COUNTS.items()},
    )
    return ranking.Pattern(
        open_escalations=frozenset(open_escalations(user)),
        recent_red_flags=frozenset(reason for reason in RED_FLAG_COUNTS if counts[f"flag_{reason}"]),
        episodes=counts["episodes"],
        both_sides=counts["both_sides"],
        radiating=counts["radiating"],
        logged_anything=counts["total"] > 0,
    )


def articles_for_user(*, user, today: date | None = None) -> list[Article]:
    """The articles that fit this user, most pressing first, each with `why` set."""
    rules = Rules.from_settings()
    suggestions = ranking.rank_articles(guidance_pattern(user=user, rules=rules, today=today), rules=rules)
    articles = article_list().in_bulk([suggestion.slug for suggestion in suggestions], field_name="slug")
    picked = []
    for suggestion in suggestions:
        article = articles.get(suggestion.slug)
        if article is not None:  # an article not loaded yet is skipped, not an error
            article.why = suggestion.why
            picked.append(article)
    return picked
