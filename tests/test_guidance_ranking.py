"""guidance/ranking.py as a table, and the selector that builds its Pattern from the log."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from guidance import selectors
from guidance.articles import CONTENT_DIR
from guidance.ranking import HOME_RELIEF, Pattern, rank_articles
from tests.conftest import episode_body
from tracking import records
from tracking.models import Episode
from tracking.trends import Rules

HOME = list(HOME_RELIEF)
WHEN = "when-to-see-a-clinician"
EMERGENCY = ["emergency-signs", "urgent-signs"]
URGENT = ["urgent-signs", "emergency-signs"]
VISIT = [WHEN, "what-an-evaluation-involves"]
BOTH_FEET = ["peripheral-neuropathy", "blood-tests"]
FROM_BACK = ["lumbar-radiculopathy", "imaging-xray-mri"]
RULES = Rules.from_settings()


def logged(**fields):
    return Pattern(logged_anything=True, **fields)


def escalated(*open_escalations):
    return logged(open_escalations=set(open_escalations))


# (what the log shows, the Pattern, the articles in order)
TABLE = [
    ("nothing logged yet", Pattern(), [*HOME, WHEN]),
    ("a quiet log", logged(episodes=3, both_sides=1, radiating=1), [*HOME, WHEN]),
    ("a bowel or bladder change logged", logged(recent_red_flags={"bowel_bladder"}), [*EMERGENCY, *HOME, WHEN]),
    ("foot weakness logged", logged(recent_red_flags={"foot_weakness"}), [*URGENT, *HOME, WHEN]),
    ("a sudden severe onset logged", logged(recent_red_flags={"sudden_severe"}), [*URGENT, *HOME, WHEN]),
    (
        "a sudden severe onset and a bowel or bladder change logged",
        logged(recent_red_flags={"sudden_severe", "bowel_bladder"}),
        [*EMERGENCY, *HOME, WHEN],
    ),
    ("an open emergency escalation", escalated(("emergency", "bowel_bladder")), [*EMERGENCY, *HOME, WHEN]),
    ("an open urgent escalation", escalated(("urgent", "foot_weakness")), [*URGENT, *HOME, WHEN]),
    ("an open see_clinician escalation", escalated(("see_clinician", "persistent")), [*VISIT, *HOME]),
    ("half of 6 episodes in both feet", logged(episodes=6, both_sides=3), [*BOTH_FEET, *HOME, WHEN]),
    ("a third of 6 episodes in both feet", logged(episodes=6, both_sides=2), [*HOME, WHEN]),
    ("4 of 4 episodes in both feet: too few", logged(episodes=4, both_sides=4), [*HOME, WHEN]),
    ("an open bilateral escalation", escalated(("info", "bilateral_pattern")), [*BOTH_FEET, *HOME, WHEN]),
    ("3 episodes from the back", logged(episodes=3, radiating=3), [*FROM_BACK, *HOME, WHEN]),
    ("2 episodes from the back", logged(episodes=2, radiating=2), [*HOME, WHEN]),
    ("an open radiating escalation", escalated(("info", "radiating_pattern")), [*FROM_BACK, *HOME, WHEN]),
    (
        "everything at once, most pressing first",
        logged(
            recent_red_flags={"bowel_bladder"},
            open_escalations={("see_clinician", "worsening")},
            episodes=8,
            both_sides=5,
            radiating=4,
        ),
        [*EMERGENCY, *VISIT, *BOTH_FEET, *FROM_BACK, *HOME],
    ),
]


@pytest.mark.parametrize("pattern, expected", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_it_ranks_articles_as_the_table_says(pattern, expected):
    assert [suggestion.slug for suggestion in rank_articles(pattern, rules=RULES)] == expected


@pytest.mark.parametrize("pattern", [row[1] for row in TABLE], ids=[row[0] for row in TABLE])
def test_it_suggests_only_real_articles_each_once_each_with_a_reason(pattern):
    suggestions = rank_articles(pattern, rules=RULES)
    existing = {path.stem for path in CONTENT_DIR.glob("*.md")}
    assert {s.slug for s in suggestions} <= existing
    assert len({s.slug for s in suggestions}) == len(suggestions)
    assert all(s.why.strip() and "you have" not in s.why.lower() for s in suggestions)


def test_it_says_in_plain_words_why_an_article_is_shown():
    pattern = logged(episodes=6, both_sides=3, recent_red_flags={"foot_weakness"})
    whys = {suggestion.slug: suggestion.why for suggestion in rank_articles(pattern, rules=RULES)}
    assert whys["urgent-signs"].startswith("You recently logged weakness in your foot.")
    assert whys["peripheral-neuropathy"].startswith("3 of your 6 episodes in the last 30 days were in both feet.")
    visit = rank_articles(escalated(("see_clinician", "persistent"), ("see_clinician", "increasing_pain")), rules=RULES)
    assert visit[0].why == (
        "Your log shows increasing pain and numbness that persists: it is time to book a visit with a professional."
    )


def test_it_takes_its_thresholds_from_the_rules():
    looser = replace(RULES, radiating_min_episodes=2)
    assert [s.slug for s in rank_articles(logged(episodes=2, radiating=2), rules=looser)][:2] == FROM_BACK


# --- guidance.selectors.guidance_pattern: the Pattern from the database -----------------------

TODAY = datetime.fromisoformat("2026-11-20").date()


def log(user, days_ago, **fields):
    """An episode at noon, Paris time, `days_ago` before TODAY, written by the real writer."""
    started_at = f"{TODAY - timedelta(days=days_ago)}T12:00:00+01:00"
    data = episode_body(started_at=datetime.fromisoformat(started_at), **fields)
    return records.record_create(model=Episode, user=user, data=data)[0]


def test_it_reads_an_empty_log_as_nothing_logged_yet(owner):
    assert selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY) == Pattern()


def test_it_counts_only_the_last_30_days_for_patterns(owner):
    log(owner, 0, side="both", radiates_from_back=True)
    log(owner, 29, side="both")
    log(owner, 30, side="both", radiates_from_back=True)  # one day too old
    log(owner, -1, side="both")  # a later day than TODAY does not count either
    pattern = selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY)
    assert (pattern.episodes, pattern.both_sides, pattern.radiating, pattern.logged_anything) == (2, 2, 1, True)


def test_it_keeps_red_flags_of_the_last_14_days_only(owner):
    log(owner, 13, foot_weakness=True)
    log(owner, 14, bowel_bladder_change=True, sudden_onset=True)
    assert selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY).recent_red_flags == {"foot_weakness"}


def test_a_sudden_onset_is_a_red_flag_only_when_severe_as_the_rule_says(owner):
    log(owner, 1, sudden_onset=True, severity=RULES.sudden_severe_min_severity - 1)
    assert selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY).recent_red_flags == set()
    log(owner, 1, sudden_onset=True, severity=RULES.sudden_severe_min_severity)
    assert selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY).recent_red_flags == {"sudden_severe"}


def test_it_leaves_out_deleted_episodes_and_other_users(owner, other):
    records.record_delete(record=log(owner, 1, bowel_bladder_change=True))
    log(other, 1, foot_weakness=True, side="both")
    assert selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY) == Pattern()


def test_it_builds_the_pattern_in_one_query_plus_open_escalations(owner, django_assert_num_queries):
    for days_ago in range(10):
        log(owner, days_ago, side="both")
    with django_assert_num_queries(2):  # the episodes' aggregate, the open escalations
        selectors.guidance_pattern(user=owner, rules=RULES, today=TODAY)


def test_it_reads_open_escalations_and_not_closed_ones(owner):
    from django.utils import timezone

    from tracking.escalations import escalation_acknowledge, escalation_open
    from tracking.trends import Finding

    now = timezone.now()
    finding = Finding("persistent", "see_clinician", {"logged_days": 10, "window_days": 14, "window_end": "2026-11-27"})
    escalation_open(user=owner, finding=finding, today=TODAY, now=now)
    weakness = escalation_open(
        user=owner, finding=Finding("foot_weakness", "urgent", {"severity": 5}), today=TODAY, now=now
    )
    escalation_acknowledge(escalation=weakness, now=now)
    assert selectors.open_escalations(owner) == [("see_clinician", "persistent")]
