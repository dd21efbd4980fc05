"""Reads for the care team: who may see whom, and a patient's log as a clinician reads it."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Prefetch

from accounts.models import User
from careteam.models import AccessLog, CareInvite, CareLink
from careteam.wording import evidence_described, labels_of, patient_time
from heeljournal.enums import LEVEL_RANKS, ActivityKind, EscalationReason, HeelLocation, ReliefMeasure, Sensation, Side
from tracking import selectors as tracking_selectors
from tracking.models import Episode, Escalation, EscalationEvent, JournalEntry
from tracking.trends import Rules


def live_links():
    return CareLink.objects.filter(revoked_at__isnull=True)


def patient_ids_of(*, clinician):
    """The ids of the patients whose live code this clinician redeemed, as a subquery."""
    return live_links().filter(clinician=clinician).values("patient_id")


def care_team_of(*, patient):
    """The patient's live links, with the clinicians behind them."""
    return live_links().filter(patient=patient).select_related("clinician")


def invites_pending_of(*, patient, now):
    """The patient's codes that a clinician could still redeem."""
    return CareInvite.objects.filter(patient=patient, redeemed_at=None, withdrawn_at=None, expires_at__gt=now)


def care_history_of(*, patient):
    """Every link the patient made, ended ones too, and every code they made: for their export."""
    links = CareLink.objects.filter(patient=patient).select_related("clinician").order_by("created_at", "id")
    invites = CareInvite.objects.filter(patient=patient).select_related("redeemed_by").order_by("created_at", "id")
    return links, invites


def access_log_of(*, patient):
    return AccessLog.objects.filter(patient=patient)


@dataclass(frozen=True)
class Marker:
    """Something a clinician should see on the chart's time line."""

    day: date
    label: str
    kind: str  # "red_flag" or an escalation level


@dataclass(frozen=True)
class PatientSummary:
    patient: User
    first: date
    last: date
    figures: list  # tracking.selectors.daily_figures, one dict per day
    markers: list  # Marker
    episode_count: int
    red_flag_episodes: list
    sides: list  # (label, count), most first
    locations: list
    sensations: list
    footwear: list  # tracking.selectors.worse_day_context
    activities: list
    journal: list  # JournalEntry, newest first
    episode_notes: list  # Episode with notes, newest first
    open_escalations: list  # Escalation with `events` and `evidence_lines`, most pressing first
    past_escalations: list

    @property
    def days(self):
        return (self.last - self.first).days + 1

    @property
    def logged_days(self):
        return [day for day in self.figures if day["episodes"]]

    @property
    def mean_daily_severity(self):
        logged = self.logged_days
        return round(sum(day["max_severity"] for day in logged) / len(logged), 1) if logged else None

    @property
    def highest_severity(self):
        return max((day["max_severity"] for day in self.logged_days), default=None)


def patient_summary(*, patient, days, today=None):
    """What a clinician reads in a minute: the last `days` local dates of the patient's log."""
    last = today or patient.today()
    first = last - timedelta(days=days - 1)
    window = Episode.objects.filter(user=patient, local_date__range=(first, last))
    episodes = list(window.values("side", "locations", "sensations"))
    raised = tracking_selectors.raising_a_red_flag(Rules.from_settings())
    red_flag_episodes = list(window.filter(raised).order_by("-started_at"))
    footwear, activities = tracking_selectors.worse_day_context(
        user=patient, first=first, last=last, min_days=settings.INSIGHT_MIN_DAYS
    )
    escalations = list(
        Escalation.objects.filter(user=patient).prefetch_related(
            Prefetch("events", queryset=EscalationEvent.objects.order_by("at", "id"))
        )
    )
    for escalation in escalations:
        escalation.evidence_lines = evidence_described(
            escalation.reason, escalation.evidence, patient, until=escalation.last_held_on
        )
        escalation.local_day = patient.local_date(escalation.created_at)
        escalation.closed_day = escalation.closed_at and patient.local_date(escalation.closed_at)
        for event in escalation.events.all():
            event.local_time = patient_time(event.at, patient)
    for episode in red_flag_episodes:
        episode.red_flag_labels = [EscalationReason(reason).label for reason in episode.red_flags]
    journal = list(JournalEntry.objects.filter(user=patient, date__range=(first, last)).order_by("-date"))
    for entry in journal:
        entry.relief_labels = labels_of(entry.relief_measures, ReliefMeasure)
    markers = [Marker(e.local_date, ", ".join(e.red_flag_labels), "red_flag") for e in red_flag_episodes]
    markers += [
        Marker(e.local_day, e.get_reason_display(), e.level) for e in escalations if first <= e.local_day <= last
    ]
    return PatientSummary(
        patient=patient,
        first=first,
        last=last,
        figures=tracking_selectors.daily_figures(user=patient, first=first, last=last),
        markers=markers,
        episode_count=len(episodes),
        red_flag_episodes=red_flag_episodes,
        sides=_counted(Counter(e["side"] for e in episodes), Side),
        locations=_counted(Counter(place for e in episodes for place in e["locations"]), HeelLocation),
        sensations=_counted(Counter(feeling for e in episodes for feeling in e["sensations"]), Sensation),
        footwear=footwear,
        activities=[{**item, "label": ActivityKind(item["kind"]).label} for item in activities],
        journal=journal,
        episode_notes=list(window.exclude(notes="").order_by("-started_at")),
        # The most pressing first, then the newest (the query's order).
        open_escalations=sorted((e for e in escalations if e.is_open), key=lambda e: -LEVEL_RANKS[e.level]),
        past_escalations=[e for e in escalations if not e.is_open],
    )


def _counted(counter, choices):
    return [(choices(value).label, count) for value, count in counter.most_common()]
