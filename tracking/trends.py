"""The escalation rules of ../shared/clinical-rules.md as plain functions.

Input is a user's daily series (one `Day` per local date with an episode) and the user's
own `today`; output is a `Finding` per rule that holds, with the evidence behind it.
No database, no clock: the caller passes both in.
"""

from bisect import bisect_left
from dataclasses import dataclass, fields
from datetime import date, timedelta
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
    """The figures of one local date on which the user logged at least one episode.

    A tuple, not a dataclass: a sweep builds one for each of 170,000 rows, and a tuple is
    made in a third of the time.
    """

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


_date = attrgetter("date")


def _window(days, today, length):
    """The days among the last `length` local dates, today included.

    `days` are in date order and none is after today (trend_findings sees to it).
    """
    return days[bisect_left(days, today - timedelta(days=length - 1), key=_date) :]


def persistent(days, today, rules):
    window = _window(days, today, rules.persistent_window_days)
    if len(window) < rules.persistent_min_logged_days:
        return None
    return Finding(
        Reason.PERSISTENT,
        Level.SEE_CLINICIAN,
        {
            "window_days": rules.persistent_window_days,
            "logged_days": len(window),
            "min_logged_days": rules.persistent_min_logged_days,
            "dates": [day.date.isoformat() for day in window],
        },
    )


def _mean(values):
    return sum(values) / len(values)  # statistics.mean is exact but slow, and these are small ints


def _rise(days, today, rules, figure):
    """Compare the mean daily `figure` of the recent half of the window with the earlier half."""
    half = rules.worsening_window_days // 2
    recent_start = today - timedelta(days=half - 1)
    window = _window(days, today, rules.worsening_window_days)
    split = bisect_left(window, recent_start, key=_date)
    earlier = [value for day in window[:split] if (value := figure(day)) is not None]
    recent = [value for day in window[split:] if (value := figure(day)) is not None]
    need = rules.worsening_min_logged_days_per_half
    if len(earlier) < need or len(recent) < need:
        return None
    rise = round(_mean(recent) - _mean(earlier), 6)  # 2.0 must count as 2.0, not 1.9999999
    if rise < rules.worsening_min_rise:
        return None
    return {
        "window_days": rules.worsening_window_days,
        "earlier_days": len(earlier),
        "recent_days": len(recent),
        "min_logged_days_per_half": need,
        "earlier_mean": round(_mean(earlier), 2),
        "recent_mean": round(_mean(recent), 2),
        "rise": round(rise, 2),
        "min_rise": rules.worsening_min_rise,
        "recent_from": recent_start.isoformat(),
    }


def worsening(days, today, rules):
    evidence = _rise(days, today, rules, attrgetter("severity"))
    return evidence and Finding(Reason.WORSENING, Level.SEE_CLINICIAN, {"figure": "daily severity", **evidence})


def increasing_pain(days, today, rules):
    evidence = _rise(days, today, rules, attrgetter("pain"))
    return evidence and Finding(Reason.INCREASING_PAIN, Level.SEE_CLINICIAN, {"figure": "daily pain", **evidence})


def bilateral_holds(*, episodes, both_sides, rules):
    """The bilateral rule on a window's counts (guidance ranks its articles by it too)."""
    # Rounded as a share written in settings means it: 0.28 of 25 is 7, not 7.000000000000001.
    return episodes >= rules.bilateral_min_episodes and both_sides >= round(rules.bilateral_min_share * episodes, 6)


def radiating_holds(*, radiating, rules):
    """The radiating rule on a window's count (guidance ranks its articles by it too)."""
    return radiating >= rules.radiating_min_episodes


def bilateral_pattern(days, today, rules):
    window = _window(days, today, rules.pattern_window_days)
    episodes = sum(day.episodes for day in window)
    both = sum(day.both_sides for day in window)
    if not bilateral_holds(episodes=episodes, both_sides=both, rules=rules):
        return None
    return Finding(
        Reason.BILATERAL_PATTERN,
        Level.INFO,
        {
            "window_days": rules.pattern_window_days,
            "episodes": episodes,
            "both_sides": both,
            "share": round(both / episodes, 2),
            "min_episodes": rules.bilateral_min_episodes,
            "min_share": rules.bilateral_min_share,
        },
    )


def radiating_pattern(days, today, rules):
    window = _window(days, today, rules.pattern_window_days)
    radiating = sum(day.radiating for day in window)
    if not radiating_holds(radiating=radiating, rules=rules):
        return None
    return Finding(
        Reason.RADIATING_PATTERN,
        Level.INFO,
        {
            "window_days": rules.pattern_window_days,
            "radiating_episodes": radiating,
            "min_episodes": rules.radiating_min_episodes,
        },
    )


TREND_RULES = (persistent, worsening, increasing_pain, bilateral_pattern, radiating_pattern)


def trend_findings(days, *, today, rules):
    """Every trend rule that holds today."""
    days = sorted((day for day in days if day.date <= today), key=_date)
    return [finding for rule in TREND_RULES if (finding := rule(days, today, rules))]


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
