"""The escalation rules of ../shared/clinical-rules.md as plain functions.

Input is what the rules read of a user's log (a `Window`: each rule's window summed, read so
from the database, or summed from a daily series of one `Day` per local date with an episode)
and the user's own `today`; output is a `Finding` per rule that holds, with the evidence
behind it. No database, no clock: the caller passes both in.
"""

from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from heeljournal.enums import EscalationLevel, EscalationReason

Level, Reason = EscalationLevel, EscalationReason

# The red flags, each with its level: decided when an episode is written, not by a trend.
RED_FLAG_LEVELS = {
    Reason.BOWEL_BLADDER: Level.EMERGENCY,
    Reason.FOOT_WEAKNESS: Level.URGENT,
    Reason.SUDDEN_SEVERE: Level.URGENT,
}
RED_FLAG_REASONS = tuple(RED_FLAG_LEVELS)


class Day(NamedTuple):
    """The figures of one local date on which the user logged at least one episode: the
    form the rules are stated and tested in (window_of sums a list of them)."""

    date: date
    episodes: int
    severity: int  # daily severity: the highest logged that day
    pain: int | None = None  # daily pain: the highest logged that day, if any was
    both_sides: int = 0  # episodes felt in both feet
    radiating: int = 0  # episodes felt running down from the back
    red_flags: frozenset = frozenset()  # red-flag reasons raised that day


@dataclass(frozen=True)
class Rules:
    """The thresholds, read from settings (each under its name in upper case), where they live."""

    persistent_window_days: int
    persistent_min_logged_days: int
    worsening_window_days: int
    worsening_min_logged_days_per_half: int
    worsening_min_rise: float
    sudden_severe_min_severity: int
    pattern_window_days: int
    bilateral_min_episodes: int
    bilateral_min_share: float
    radiating_min_episodes: int

    def __post_init__(self):
        if not 1 <= self.persistent_window_days <= 62:  # its logged dates are read as the bits of one number
            raise ValueError("PERSISTENT_WINDOW_DAYS must be from 1 to 62")

    @classmethod
    def from_settings(cls):
        from django.conf import settings

        return cls(**{f.name: getattr(settings, f.name.upper()) for f in fields(cls)})


@dataclass(frozen=True)
class Finding:
    """A rule that holds: what to escalate, at which level, and why."""

    reason: str
    level: str
    evidence: dict


class Bounds(NamedTuple):
    """The first local date of each rule's window ending `today` (the worsening window's
    recent half starts at `recent_from`): one place for them, in Python and in SQL."""

    today: date
    persistent_from: date
    worsening_from: date
    recent_from: date
    pattern_from: date
    horizon: date  # the first date any rule reads


@lru_cache(maxsize=64)  # a sweep asks for each of a few dates thousands of times
def bounds_of(today, rules):
    def back(days):
        return today - timedelta(days=days - 1)

    windows = rules.persistent_window_days, rules.worsening_window_days, rules.pattern_window_days
    persistent, worsening, pattern = map(back, windows)
    return Bounds(today, persistent, worsening, back(rules.worsening_window_days // 2), pattern, back(max(windows)))


class Halves(NamedTuple):
    """A daily figure over the worsening window's two halves: the days that have it, and its sum."""

    earlier_days: int = 0
    earlier_total: int = 0
    recent_days: int = 0
    recent_total: int = 0


class Window(NamedTuple):
    """What the trend rules read of a user's log on a day: each rule's window, summed.

    The evaluations read one from the database for each user (selectors.rule_windows, one row
    a user); window_of makes one from a daily series of `Day`s in Python, the plain statement
    of the same sums that the database's are tested against.
    """

    logged_dates: tuple = ()  # the logged days of the persistent window, oldest first
    severity: Halves = Halves()  # daily severity
    pain: Halves = Halves()  # daily pain, on the days it was logged
    episodes: int = 0  # in the pattern window
    both_sides: int = 0
    radiating: int = 0
    red_flag_days: tuple = ()  # (reason, the last date up to today it was logged), in RED_FLAG_REASONS' order


def window_of(days, *, today, rules):
    """A daily series' Window on `today` (days after it are not read)."""
    bounds = bounds_of(today, rules)
    days = [day for day in days if bounds.horizon <= day.date <= today]
    pattern = [day for day in days if day.date >= bounds.pattern_from]
    told = red_flag_last_days(days, today=today)
    return Window(
        logged_dates=tuple(sorted(day.date for day in days if day.date >= bounds.persistent_from)),
        severity=_halves(days, bounds, attrgetter("severity")),
        pain=_halves(days, bounds, attrgetter("pain")),
        episodes=sum(day.episodes for day in pattern),
        both_sides=sum(day.both_sides for day in pattern),
        radiating=sum(day.radiating for day in pattern),
        red_flag_days=tuple((reason, last) for reason in RED_FLAG_REASONS if (last := told.get(reason))),
    )


def _halves(days, bounds, figure):
    earlier, recent = [], []
    for day in days:
        if day.date >= bounds.worsening_from and (value := figure(day)) is not None:
            (recent if day.date >= bounds.recent_from else earlier).append(value)
    return Halves(len(earlier), sum(earlier), len(recent), sum(recent))


def persistent(window, bounds, rules):
    if len(window.logged_dates) < rules.persistent_min_logged_days:
        return None
    return Finding(
        Reason.PERSISTENT,
        Level.SEE_CLINICIAN,
        {
            "window_days": rules.persistent_window_days,
            "window_end": bounds.today.isoformat(),
            "logged_days": len(window.logged_dates),
            "min_logged_days": rules.persistent_min_logged_days,
            "dates": [day.isoformat() for day in window.logged_dates],
        },
    )


def _rise(halves, bounds, rules):
    """Compare the mean daily figure of the recent half of the window with the earlier half."""
    need = rules.worsening_min_logged_days_per_half
    if halves.earlier_days < need or halves.recent_days < need:
        return None
    earlier_mean, recent_mean = halves.earlier_total / halves.earlier_days, halves.recent_total / halves.recent_days
    rise = round(recent_mean - earlier_mean, 6)  # 2.0 must count as 2.0, not 1.9999999
    if rise < rules.worsening_min_rise:
        return None
    return {
        "window_days": rules.worsening_window_days,
        "window_end": bounds.today.isoformat(),
        "earlier_days": halves.earlier_days,
        "recent_days": halves.recent_days,
        "min_logged_days_per_half": need,
        "earlier_mean": round(earlier_mean, 2),
        "recent_mean": round(recent_mean, 2),
        "rise": round(rise, 2),
        "min_rise": rules.worsening_min_rise,
        "recent_from": bounds.recent_from.isoformat(),
    }


def worsening(window, bounds, rules):
    evidence = _rise(window.severity, bounds, rules)
    return evidence and Finding(Reason.WORSENING, Level.SEE_CLINICIAN, {"figure": "daily severity", **evidence})


def increasing_pain(window, bounds, rules):
    evidence = _rise(window.pain, bounds, rules)
    return evidence and Finding(Reason.INCREASING_PAIN, Level.SEE_CLINICIAN, {"figure": "daily pain", **evidence})


def bilateral_holds(*, episodes, both_sides, rules):
    """The bilateral rule on a window's counts (guidance ranks its articles by it too)."""
    # Rounded as a share written in settings means it: 0.28 of 25 is 7, not 7.000000000000001.
    return episodes >= rules.bilateral_min_episodes and both_sides >= round(rules.bilateral_min_share * episodes, 6)


def radiating_holds(*, radiating, rules):
    """The radiating rule on a window's count (guidance ranks its articles by it too)."""
    return radiating >= rules.radiating_min_episodes


def bilateral_pattern(window, bounds, rules):
    episodes, both = window.episodes, window.both_sides
    if not bilateral_holds(episodes=episodes, both_sides=both, rules=rules):
        return None
    return Finding(
        Reason.BILATERAL_PATTERN,
        Level.INFO,
        {
            "window_days": rules.pattern_window_days,
            "window_end": bounds.today.isoformat(),
            "episodes": episodes,
            "both_sides": both,
            "share": round(both / episodes, 2),
            "min_episodes": rules.bilateral_min_episodes,
            "min_share": rules.bilateral_min_share,
        },
    )


def radiating_pattern(window, bounds, rules):
    if not radiating_holds(radiating=window.radiating, rules=rules):
        return None
    return Finding(
        Reason.RADIATING_PATTERN,
        Level.INFO,
        {
            "window_days": rules.pattern_window_days,
            "window_end": bounds.today.isoformat(),
            "radiating_episodes": window.radiating,
            "min_episodes": rules.radiating_min_episodes,
        },
    )


TREND_RULES = (persistent, worsening, increasing_pain, bilateral_pattern, radiating_pattern)


def window_findings(window, *, today, rules):
    """Every trend rule that holds on `today`, for the user's Window of that day."""
    bounds = bounds_of(today, rules)
    return [finding for rule in TREND_RULES if (finding := rule(window, bounds, rules))]


def trend_findings(days, *, today, rules):
    """Every trend rule that holds today, for a daily series."""
    return window_findings(window_of(days, today=today, rules=rules), today=today, rules=rules)


def red_flag_findings(*, sudden_onset, foot_weakness, bowel_bladder_change, severity, rules):
    """The red flags of one episode, decided when it is written."""
    figures = {"severity": severity}
    raised = {}
    if bowel_bladder_change:
        raised[Reason.BOWEL_BLADDER] = {"bowel_bladder_change": True, **figures}
    if foot_weakness:
        raised[Reason.FOOT_WEAKNESS] = {"foot_weakness": True, **figures}
    if sudden_onset and severity >= rules.sudden_severe_min_severity:
        raised[Reason.SUDDEN_SEVERE] = {
            "sudden_onset": True,
            **figures,
            "min_severity": rules.sudden_severe_min_severity,
        }
    return [Finding(reason, RED_FLAG_LEVELS[reason], evidence) for reason, evidence in raised.items()]


def red_flag_last_days(days, *, today):
    """For each red-flag reason, the last local date up to today on which it was logged."""
    last = {}
    for day in days:
        if day.date <= today:
            for reason in day.red_flags:
                last[reason] = max(last.get(reason, day.date), day.date)
    return last
