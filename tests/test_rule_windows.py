"""The evaluations read each user's rule windows summed by the database (selectors.rule_windows);
trends.window_of states the same sums over a daily series in Python. Both must find the same."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from accounts.users import user_register
from tests.conftest import PASSWORD
from tracking.models import Episode
from tracking.selectors import rule_windows
from tracking.trends import Day, Rules, Window, window_findings, window_of

RULES = Rules.from_settings()
TODAY = datetime(2026, 11, 27).date()


def random_log(user, seed):
    """Episodes on random days from 40 days back to 2 days ahead (a phone's clock may run
    ahead), some deleted, with every figure the rules read varied."""
    rng = random.Random(seed)
    episodes = []
    for _ in range(rng.randint(0, 60)):
        day = TODAY - timedelta(days=rng.randint(-2, 40))
        episodes.append(
            Episode(
                user=user,
                started_at=datetime.combine(day, time(rng.randint(0, 23)), tzinfo=UTC),
                local_date=day,
                side=rng.choice(["left", "right", "both"]),
                locations=["plantar"],
                sensations=["numbness"],
                severity=rng.randint(0, 10),
                pain=rng.choice([None, *range(11)]),
                radiates_from_back=rng.random() < 0.3,
                sudden_onset=rng.random() < 0.1,
                foot_weakness=rng.random() < 0.05,
                bowel_bladder_change=rng.random() < 0.03,
                deleted_at=datetime(2026, 11, 1, tzinfo=UTC) if rng.random() < 0.1 else None,
            )
        )
    Episode.with_tombstones.bulk_create(episodes)
    return [episode for episode in episodes if episode.deleted_at is None]


def daily_series(episodes):
    """The Day of each local date, summed in Python."""
    by_date = {}
    for episode in episodes:
        by_date.setdefault(episode.local_date, []).append(episode)
    days = []
    for day, logged in sorted(by_date.items()):
        pains = [episode.pain for episode in logged if episode.pain is not None]
        days.append(
            Day(
                date=day,
                episodes=len(logged),
                severity=max(episode.severity for episode in logged),
                pain=max(pains) if pains else None,
                both_sides=sum(episode.side == "both" for episode in logged),
                radiating=sum(episode.radiates_from_back for episode in logged),
                red_flags=frozenset(reason for episode in logged for reason in episode.red_flags),
            )
        )
    return days


@pytest.mark.django_db
def test_the_database_sums_each_window_as_the_rules_do():
    users = [user_register(email=f"log{n}@example.com", password=PASSWORD) for n in range(40)]
    logs = {user.pk: random_log(user, seed) for seed, user in enumerate(users)}
    windows = rule_windows(user_ids=list(logs), today=TODAY, rules=RULES)
    found = set()
    for user_id, episodes in logs.items():
        expected = window_of(daily_series(episodes), today=TODAY, rules=RULES)
        assert windows.get(user_id, Window()) == expected
        # left out only when nothing is logged from the rules' first day on
        assert (user_id in windows) == any(episode.local_date >= TODAY - timedelta(days=29) for episode in episodes)
        found |= {finding.reason for finding in window_findings(expected, today=TODAY, rules=RULES)}
    # the logs are varied enough that every trend rule holds for someone
    assert found == {"persistent", "worsening", "increasing_pain", "bilateral_pattern", "radiating_pattern"}
