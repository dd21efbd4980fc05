"""What a clinician reads: a patient's times on their own clock, an escalation's evidence in words."""

import json
from datetime import date

from django.utils.dateparse import parse_datetime

from heeljournal.dates import day_words, time_words
from heeljournal.enums import EscalationReason as Reason
from tracking.trends import RED_FLAG_LEVELS


def patient_time(moment, patient, *, zone_named=True):
    """A time as the patient lived it, its zone named: in the server's UTC an evening episode
    read as the next morning, beside its local date. The abbreviation tells apart the two
    1:30s of the night the clocks go back; a list's cells leave out the zone's name, to keep
    their columns in view."""
    if moment is None:
        return "-"
    shown = time_words(moment.astimezone(patient.zone))
    return f"{shown} ({patient.timezone})" if zone_named else shown


# How the worse-days table counts (tracking.selectors.worse_day_context), under it on the page and the PDF.
WORSE_DAYS_COUNTED = (
    "Counted over the days with any entry (an episode, an activity or a journal entry); "
    "a day with no episode counts as severity 0."
)


def labels_of(values, choices):
    """Stored codes as their labels (`choices`: an enum of heeljournal.enums); a code since
    removed reads as itself."""
    labels = dict(choices.choices)
    return [labels.get(value, value) for value in values]


def evidence_described(reason, evidence, patient, until):
    """An escalation's evidence (tracking.trends) as sentences: the figures, then the rule they
    met, in windows that end on the day the figures were taken (`window_end`): an escalation
    read months later did not hold "in the last 30 days". Evidence taken before it said that
    day ends its windows on `until`, the last day the rule held. Evidence of another shape
    (older, or partial) reads as its figures."""
    try:
        until = date.fromisoformat(evidence["window_end"]) if "window_end" in evidence else until
        return EVIDENCE_WORDS[reason](evidence, patient, day_words(until)) + _timing(reason, evidence)
    except (KeyError, TypeError, ValueError):
        return _figures(evidence)


def _timing(reason, e):
    """The thresholds that time the alert's life (tracking.escalations.escalation_evidence)."""
    if "close_after_days" not in e:  # an escalation opened before its evidence held them
        return []
    if reason in RED_FLAG_LEVELS:  # a sign logged, not a rule over days
        return [f"It closes once no episode with this sign has been logged for {e['close_after_days']} days."]
    line = f"It closes once the rule has not held for {e['close_after_days']} days"
    if "resend_every_days" in e:
        every, most = e["resend_every_days"], e["resend_max_times"]
        line += f"; unacknowledged, it is sent again every {every} days, {most} times at most"
    if "rest_after_acknowledged_days" in e:
        line += f"; acknowledged, it does not return for {e['rest_after_acknowledged_days']} days"
    return [f"{line}."]


def _days(texts):
    """Dates by month: "30 Oct 2026, 2, 3 Nov 2026"."""
    by_month = {}
    for day in map(date.fromisoformat, texts):
        by_month.setdefault(f"{day:%b %Y}", []).append(str(day.day))
    return ", ".join(f"{', '.join(numbers)} {month}" for month, numbers in by_month.items())


def _persistent(e, patient, until):
    return [
        f"An episode on {e['logged_days']} of the {e['window_days']} days to {until}: {_days(e['dates'])}.",
        f"The rule: {e['min_logged_days']} days or more.",
    ]


def _rise(e, patient, until):
    since = day_words(date.fromisoformat(e["recent_from"]))
    return [
        f"Mean {e['figure']} {e['earlier_mean']:g} on {e['earlier_days']} logged days before {since}, "
        f"{e['recent_mean']:g} on {e['recent_days']} logged days from {since}: up {e['rise']:g}.",
        f"The rule: up {e['min_rise']:g} or more, with {e['min_logged_days_per_half']} logged days or more "
        f"in each half of the {e['window_days']} days to {until}.",
    ]


def _bilateral(e, patient, until):
    return [
        f"{e['both_sides']} of {e['episodes']} episodes in the {e['window_days']} days to {until} were in both "
        f"feet ({e['share']:.0%}).",
        f"The rule: {e['min_episodes']} episodes or more, {e['min_share']:.0%} or more of them in both feet.",
    ]


def _radiating(e, patient, until):
    return [
        f"{e['radiating_episodes']} episodes in the {e['window_days']} days to {until} ran down from the lower "
        "back or leg.",
        f"The rule: {e['min_episodes']} or more.",
    ]


def _red_flag(e, patient, until):
    started = patient_time(parse_datetime(e["started_at"]), patient)
    lines = [f"Logged with the episode that started {started}, severity {e['severity']}."]
    if "min_severity" in e:
        lines.append(f"The rule: a sudden onset at severity {e['min_severity']} or more.")
    return lines


EVIDENCE_WORDS = {
    Reason.PERSISTENT: _persistent,
    Reason.WORSENING: _rise,
    Reason.INCREASING_PAIN: _rise,
    Reason.BILATERAL_PATTERN: _bilateral,
    Reason.RADIATING_PATTERN: _radiating,
    Reason.BOWEL_BLADDER: _red_flag,
    Reason.FOOT_WEAKNESS: _red_flag,
    Reason.SUDDEN_SEVERE: _red_flag,
}


def _figures(evidence):
    def value(figure):
        if isinstance(figure, list):
            return ", ".join(map(str, figure))
        return figure if isinstance(figure, (str, int, float)) else json.dumps(figure)

    return [f"{name.replace('_', ' ').capitalize()}: {value(figure)}." for name, figure in evidence.items()]
