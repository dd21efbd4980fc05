"""Which guidance a user sees first: a pure function of what their log shows.

No ORM, no clock and no settings here. `guidance.selectors.guidance_pattern` builds the
Pattern from the database; tests write Patterns by hand. The thresholds are the clinical
rules' own (`tracking.trends.Rules`), so an article appears for the same pattern that raises
the matching escalation, and a red flag ranks at the level it is escalated at.
"""

from dataclasses import dataclass

from heeljournal.enums import EscalationLevel, EscalationReason
from tracking.trends import RED_FLAG_LEVELS, bilateral_holds, radiating_holds

WHEN = "when-to-see-a-clinician"
HOME_RELIEF = ("rest-and-activity", "supportive-footwear", "cold-packs", "calf-and-foot-stretches")

# Why an article is shown: plain words, never a diagnosis (clinical-rules.md, "Wording").
WORTH_KNOWING_EARLY = "Worth knowing early: which changes mean it is time to see a professional."
BOTH_FEET_CAUSES = "Numbness in both feet can come from causes that affect nerves throughout the body."
BLOOD_TESTS = "A blood test can check for common causes of numbness in both feet, such as diabetes or low vitamin B12."
FROM_THE_BACK = "Numbness that starts in the lower back can reach the heel."
SPINE_SCAN = "A scan of the spine is one way a clinician can look into numbness that starts in the back."

# The red flags, worded as what the user logged.
RED_FLAG_WORDS = {
    EscalationReason.BOWEL_BLADDER: "a bowel or bladder change with numbness",
    EscalationReason.FOOT_WEAKNESS: "weakness in your foot",
    EscalationReason.SUDDEN_SEVERE: "severe numbness that came on suddenly",
}


@dataclass(frozen=True)
class Pattern:
    """What a user's log shows, as plain data."""

    open_escalations: frozenset[tuple[str, str]] = frozenset()  # (level, reason) of each open escalation
    # The red-flag reasons logged lately (GUIDANCE_RECENT_RED_FLAG_DAYS).
    recent_red_flags: frozenset[str] = frozenset()
    episodes: int = 0  # in the rules' pattern window, as are the two counts below
    both_sides: int = 0  # episodes felt in both feet
    radiating: int = 0  # episodes running down from the back
    logged_anything: bool = False  # any episode at all, ever

    @property
    def open_levels(self):
        return {level for level, _reason in self.open_escalations}

    @property
    def open_reasons(self):
        return {reason for _level, reason in self.open_escalations}


@dataclass(frozen=True)
class Suggestion:
    slug: str
    why: str  # shown to the user: plain words, never a diagnosis


def rank_articles(pattern: Pattern, *, rules) -> list[Suggestion]:
    """Guidance for this pattern, most pressing first, each slug once with the first reason found."""
    candidates = [
        *_red_flags(pattern),
        *_see_clinician(pattern),
        *_both_feet(pattern, rules),
        *_from_the_back(pattern, rules),
        *_home_relief(pattern),
        Suggestion(WHEN, WORTH_KNOWING_EARLY),
    ]
    ranked, seen = [], set()
    for suggestion in candidates:
        if suggestion.slug not in seen:
            seen.add(suggestion.slug)
            ranked.append(suggestion)
    return ranked


def _join(phrases):
    return phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _red_flags(pattern):
    flags = pattern.recent_red_flags
    levels = pattern.open_levels | {RED_FLAG_LEVELS[reason] for reason in flags}
    emergency, urgent = EscalationLevel.EMERGENCY in levels, EscalationLevel.URGENT in levels
    if not (emergency or urgent):
        return []
    logged = [words for reason, words in RED_FLAG_WORDS.items() if reason in flags]
    cause = f"You recently logged {_join(logged)}." if logged else "An alert that needs prompt care is still open."
    if emergency:
        return [
            Suggestion("emergency-signs", f"{cause} If nobody has checked it yet, get emergency care now."),
            Suggestion("urgent-signs", "Other warning signs that need a professional the same day."),
        ]
    return [
        Suggestion("urgent-signs", f"{cause} If nobody has checked it yet, a professional should see you today."),
        Suggestion("emergency-signs", "Know which signs need emergency care, in case things change."),
    ]


def _see_clinician(pattern):
    reasons = sorted(reason for level, reason in pattern.open_escalations if level == EscalationLevel.SEE_CLINICIAN)
    if not reasons:
        return []
    shown = _join([EscalationReason(reason).label.lower() for reason in reasons])
    return [
        Suggestion(WHEN, f"Your log shows {shown}: it is time to book a visit with a professional."),
        Suggestion("what-an-evaluation-involves", "What to expect at that visit, and what to bring."),
    ]


def _both_feet(pattern, rules):
    by_count = bilateral_holds(episodes=pattern.episodes, both_sides=pattern.both_sides, rules=rules)
    if not (by_count or EscalationReason.BILATERAL_PATTERN in pattern.open_reasons):
        return []
    if by_count:
        seen = (
            f"{pattern.both_sides} of your {pattern.episodes} episodes in the last "
            f"{rules.pattern_window_days} days were in both feet."
        )
    else:
        seen = "Your log has shown numbness in both feet over several weeks."
    return [
        Suggestion("peripheral-neuropathy", f"{seen} {BOTH_FEET_CAUSES}"),
        Suggestion("blood-tests", BLOOD_TESTS),
    ]


def _from_the_back(pattern, rules):
    by_count = radiating_holds(radiating=pattern.radiating, rules=rules)
    if not (by_count or EscalationReason.RADIATING_PATTERN in pattern.open_reasons):
        return []
    if by_count:
        days = rules.pattern_window_days
        seen = f"{pattern.radiating} of your episodes in the last {days} days ran down from your back."
    else:
        seen = "Your log has shown numbness running down from your back."
    return [
        Suggestion("lumbar-radiculopathy", f"{seen} {FROM_THE_BACK}"),
        Suggestion("imaging-xray-mri", SPINE_SCAN),
    ]


def _home_relief(pattern):
    if pattern.logged_anything:
        why = "Simple steps that can ease numbness at home; log them to see what helps you."
    else:
        why = "Nothing logged yet: simple first steps you can try at home while you start your log."
    return [Suggestion(slug, why) for slug in HOME_RELIEF]
