"""The clinical rules as tables, at and around every threshold. No database."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tracking.trends import Day, Rules, bilateral_holds, red_flag_findings, red_flag_last_days, trend_findings

RULES = Rules.from_settings()
TODAY = date(2026, 11, 27)


def days_ago(*offsets, severity=4, pain=None, **figures):
    return [Day(date=TODAY - timedelta(days=n), episodes=1, severity=severity, pain=pain, **figures) for n in offsets]


def reasons(days, today=TODAY, rules=RULES):
    return {finding.reason for finding in trend_findings(days, today=today, rules=rules)}


def finding(days, reason):
    return next(f for f in trend_findings(days, today=TODAY, rules=RULES) if f.reason == reason)


@pytest.mark.parametrize(
    "offsets, holds",
    [
        (range(10), True),  # 10 logged days of the last 14
        (range(9), False),
        (range(4, 14), True),  # the 14th day back still counts
        (list(range(5, 14)) + [14], False),  # 15 days back does not
        (range(0, 20, 2), False),  # every other day: 7 in the window
    ],
)
def test_persistent_needs_10_logged_days_among_the_last_14(offsets, holds):
    assert ("persistent" in reasons(days_ago(*offsets))) is holds


def test_persistent_shows_its_evidence():
    evidence = finding(days_ago(*range(11)), "persistent").evidence
    assert evidence["logged_days"] == 11
    assert evidence["window_days"] == 14
    assert evidence["min_logged_days"] == 10
    assert evidence["dates"][-1] == TODAY.isoformat()
    assert evidence["window_end"] == TODAY.isoformat()  # the day the figures were taken


def halves(earlier, recent, figure="severity"):
    """Days 13..7 back (earlier half) and 6..0 back (recent half) with these daily figures."""
    days = []
    for n, value in zip(range(13, 6, -1), earlier):
        days += days_ago(n, **{figure: value} if figure == "severity" else {"pain": value})
    for n, value in zip(range(6, -1, -1), recent):
        days += days_ago(n, **{figure: value} if figure == "severity" else {"pain": value})
    return days


@pytest.mark.parametrize(
    "earlier, recent, holds",
    [
        ([3, 3, 3], [5, 5, 5], True),  # a rise of exactly 2.0
        ([3, 3, 3], [5, 5, 4], False),  # 1.67
        ([2, 3, 4], [5, 5, 5], True),  # means 3.0 and 5.0
        ([3, 3], [6, 6, 6], False),  # only 2 days in the earlier half
        ([3, 3, 3], [9, 9], False),  # only 2 days in the recent half
        ([5, 5, 5], [3, 3, 3], False),  # getting better
        ([1, 1, 2], [3, 4, 4], True),  # 1.33 to 3.67: 2.33 (unrounded floats)
        ([1, 2, 2], [3, 4, 4], True),  # exactly 2.0, though floats make it 1.9999999
    ],
)
def test_worsening_compares_the_two_halves_of_14_days(earlier, recent, holds):
    assert ("worsening" in reasons(halves(earlier, recent))) is holds


def test_worsening_evidence_names_both_means():
    evidence = finding(halves([3, 3, 3], [6, 6, 6]), "worsening").evidence
    assert (evidence["earlier_mean"], evidence["recent_mean"], evidence["rise"]) == (3, 6, 3)
    assert evidence["min_rise"] == 2.0
    assert evidence["recent_from"] == (TODAY - timedelta(days=6)).isoformat()


@pytest.mark.parametrize(
    "earlier, recent, holds",
    [([1, 1, 1], [3, 3, 3], True), ([1, 1, 1], [2, 3, 3], False), ([None, None, None], [5, 5, 5], False)],
)
def test_increasing_pain_is_the_same_rule_on_daily_pain(earlier, recent, holds):
    assert ("increasing_pain" in reasons(halves(earlier, recent, figure="pain"))) is holds


def test_days_without_pain_do_not_count_toward_pain():
    days = halves([1, 1, 1], [4, 4, 4], figure="pain") + days_ago(8, 9, pain=None)
    assert "increasing_pain" in reasons(days)


@pytest.mark.parametrize(
    "episodes_per_day, both_per_day, days, holds",
    [
        (1, 1, 5, True),  # 5 of 5
        (1, 1, 4, False),  # only 4 episodes
        (2, 1, 3, True),  # 3 of 6: exactly half
        (3, 1, 2, False),  # 2 of 6: a third
    ],
)
def test_bilateral_needs_5_episodes_in_30_days_half_of_them_on_both_sides(episodes_per_day, both_per_day, days, holds):
    series = [
        Day(date=TODAY - timedelta(days=n * 5), episodes=episodes_per_day, severity=3, both_sides=both_per_day)
        for n in range(days)
    ]
    assert ("bilateral_pattern" in reasons(series)) is holds


def test_bilateral_ignores_episodes_older_than_30_days():
    series = [Day(date=TODAY - timedelta(days=n), episodes=1, severity=3, both_sides=1) for n in (0, 1, 2, 3, 30)]
    assert "bilateral_pattern" not in reasons(series)


@pytest.mark.parametrize("radiating, holds", [(3, True), (2, False)])
def test_radiating_needs_3_episodes_in_30_days(radiating, holds):
    series = days_ago(*range(0, radiating * 9, 9), radiating=1)
    assert ("radiating_pattern" in reasons(series)) is holds


def test_levels_follow_the_rules():
    days = [
        Day(date=TODAY - timedelta(days=n), episodes=1, severity=1 if n > 6 else 5, both_sides=1, radiating=1)
        for n in range(14)
    ]
    levels = {f.reason: f.level for f in trend_findings(days, today=TODAY, rules=RULES)}
    assert levels == {
        "persistent": "see_clinician",
        "worsening": "see_clinician",
        "bilateral_pattern": "info",
        "radiating_pattern": "info",
    }


def test_days_after_today_are_not_counted():
    days = days_ago(*range(9)) + [Day(date=TODAY + timedelta(days=1), episodes=1, severity=4)]
    assert "persistent" not in reasons(days)


def test_thresholds_come_from_the_rules_given():
    strict = replace(RULES, persistent_min_logged_days=12)
    assert "persistent" not in reasons(days_ago(*range(11)), rules=strict)


def test_nothing_logged_finds_nothing():
    assert trend_findings([], today=TODAY, rules=RULES) == []


@pytest.mark.parametrize(
    "flags, severity, found",
    [
        ({"bowel_bladder_change": True}, 2, {("bowel_bladder", "emergency")}),
        ({"foot_weakness": True}, 2, {("foot_weakness", "urgent")}),
        ({"sudden_onset": True}, 7, {("sudden_severe", "urgent")}),
        ({"sudden_onset": True}, 6, set()),
        (
            {"sudden_onset": True, "foot_weakness": True, "bowel_bladder_change": True},
            9,
            {("bowel_bladder", "emergency"), ("foot_weakness", "urgent"), ("sudden_severe", "urgent")},
        ),
        ({}, 10, set()),
    ],
)
def test_red_flags_of_one_episode(flags, severity, found):
    fields = {"sudden_onset": False, "foot_weakness": False, "bowel_bladder_change": False, **flags}
    findings = red_flag_findings(**fields, severity=severity, rules=RULES)
    assert {(f.reason, f.level) for f in findings} == found


def test_the_last_day_of_each_red_flag():
    days = [
        Day(date=TODAY - timedelta(days=20), episodes=1, severity=8, red_flags=frozenset({"foot_weakness"})),
        Day(date=TODAY - timedelta(days=3), episodes=1, severity=8, red_flags=frozenset({"foot_weakness"})),
    ]
    assert red_flag_last_days(days, today=TODAY) == {"foot_weakness": TODAY - timedelta(days=3)}


def test_a_share_set_in_settings_holds_at_exactly_that_share():
    assert bilateral_holds(episodes=25, both_sides=7, rules=replace(RULES, bilateral_min_share=0.28))
    assert not bilateral_holds(episodes=25, both_sides=6, rules=replace(RULES, bilateral_min_share=0.28))


def test_a_persistent_window_the_sums_cannot_hold_stops_the_project_at_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PERSISTENT_WINDOW_DAYS = 63
    with pytest.raises(SystemCheckError, match="PERSISTENT_WINDOW_DAYS must be from 1 to 62"):
        call_command("check")
