"""The one writer of escalations: open, refresh, re-send, acknowledge, close.

Every state change is a conditional write (an insert guarded by the one-open-per-reason
constraint, or an UPDATE ... WHERE on the state it expects), so two workers evaluating the
same user at once cannot open, re-send or close anything twice.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from guidance.models import NOT_A_PROFESSIONAL
from heeljournal.bulk import objects_insert, rows_insert
from heeljournal.dates import day_words, time_words
from heeljournal.enums import LEVEL_RANKS, EscalationLevel, EscalationReason, EscalationState
from heeljournal.serializers import utc_iso
from tracking import notifications
from tracking.models import Episode, Escalation, EscalationEvent, red_flags_in
from tracking.trends import RED_FLAG_REASONS, window_findings

WORDING_FILE = Path(__file__).parent / "content" / "escalations.yaml"


@cache
def _wording():
    return yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))


def alert_text(finding):
    """Title, message and guidance slugs of a finding, in the user's terms."""
    words = _wording()[finding.reason]
    figures = dict(finding.evidence)
    if "window_end" in figures:  # kept while nothing changes, the message says the day its figures end
        figures["window_end"] = day_words(date.fromisoformat(figures["window_end"]))
    message = words["message"].format_map(figures)
    return words["title"], f"{message}\n\n{NOT_A_PROFESSIONAL}", list(words["guidance"])


def _record(escalation, what, from_state, why, now):
    EscalationEvent.objects.create(
        escalation=escalation, at=now, what=what, from_state=from_state, to_state=escalation.state, why=why
    )


def escalation_evidence(finding):
    """A finding's figures, with the thresholds that time its escalation's life: every
    threshold is shown in the evidence (clinical-rules.md)."""
    timing = {"close_after_days": settings.ESCALATION_CLOSE_AFTER_DAYS}
    if finding.reason not in RED_FLAG_REASONS:  # a red flag alerts again whenever it is logged
        timing["rest_after_acknowledged_days"] = settings.ACKNOWLEDGED_REST_DAYS
    if finding.level == EscalationLevel.SEE_CLINICIAN:
        timing |= {"resend_every_days": settings.RESEND_EVERY_DAYS, "resend_max_times": settings.RESEND_MAX_TIMES}
    return finding.evidence | timing


def _escalation_new(*, user, finding, today, now):
    """An unsaved escalation for a finding, its first alert counted as sent (info sends none)."""
    title, message, guidance = alert_text(finding)
    alerts = finding.level != EscalationLevel.INFO or user.info_alerts  # info waits in the app's list unless asked
    return Escalation(
        user=user,
        reason=finding.reason,
        level=finding.level,
        title=title,
        message=message,
        guidance=guidance,
        evidence=escalation_evidence(finding),
        created_at=now,
        last_held_on=today,
        sends=1 if alerts else 0,
        last_sent_at=now if alerts else None,
    )


def _opened_why(escalation):
    held = escalation.last_held_on
    if escalation.reason in RED_FLAG_REASONS:  # the day it was told, which may follow the episode's
        return f"Logged in the app on {day_words(held)}, with its episode."
    return f"Its rule held on {day_words(held)}."


def _superseded_why(finding):
    return f"Its rule now calls for more: {EscalationLevel(finding.level).label}."


def escalation_open(*, user, finding, today, now):
    """Open an escalation with its first alert; None if one is already open (a race lost)."""
    escalation = _escalation_new(user=user, finding=finding, today=today, now=now)
    try:
        with transaction.atomic():
            escalation.save(force_insert=True)
            _record(escalation, "opened", "", _opened_why(escalation), now)
            if escalation.sends:
                notifications.notifications_plan(escalation=escalation, send_number=1, now=now)
    except IntegrityError:
        return None
    return escalation


# An event's columns, in the order escalations_alert writes a batch's as rows (model objects,
# one each, were a twentieth of a first sweep's time).
EVENT_FIELDS = [
    EscalationEvent._meta.get_field(name) for name in ("escalation", "at", "what", "from_state", "to_state", "why")
]

# The order trends_apply decides a user's escalations in, which the daily alert cap follows.
REASON_ORDER = {reason: n for n, reason in enumerate(EscalationReason)}


def escalations_alert(*, opening, resending, now):
    """Open a batch's new escalations and re-send its due ones, with their alerts, in one
    transaction and a few statements.

    `opening` are unsaved escalations (from trends_apply); one whose user and reason already
    has an open escalation (another worker's: the one-open-per-reason index) is skipped, as
    escalation_open skips it. A re-send another worker made first is skipped too. The alerts
    are planned together, each user's in the order the rules come, as the daily cap counts.
    Returns (opened, resent).
    """
    if not opening and not resending:
        return [], []
    with transaction.atomic():
        objects_insert(opening, ignore_conflicts=True)
        inserted = set(Escalation.objects.filter(pk__any=[e.pk for e in opening]).values_list("pk", flat=True))
        opened = [escalation for escalation in opening if escalation.pk in inserted]
        rows_insert(EVENT_FIELDS, [(e.pk, now, "opened", "", e.state, _opened_why(e)) for e in opened])
        resent = [escalation for escalation in resending if escalation_resend(escalation=escalation, now=now)]
        sends = sorted([e for e in opened if e.sends] + resent, key=lambda e: (e.user_id, REASON_ORDER[e.reason]))
        notifications.notifications_plan_many([(escalation, escalation.sends) for escalation in sends], now=now)
    return opened, resent


def escalation_refresh(escalation, finding, today):
    """The rule still holds: newer figures and the day it held."""
    title, message, _guidance = alert_text(finding)
    escalation.evidence, escalation.title, escalation.message = escalation_evidence(finding), title, message
    escalation.last_held_on = max(escalation.last_held_on, today)


@transaction.atomic
def escalation_close(*, escalation, why, now, what="closed"):
    closed = Escalation.objects.filter(pk=escalation.pk, closed_at__isnull=True).update(closed_at=now)
    if closed:
        escalation.closed_at = now
        _record(escalation, what, EscalationState.OPEN, why, now)
        notifications.notifications_cancel(escalation=escalation, why=why)
        _episodes_resync(escalation, now)
    return bool(closed)


def _episodes_resync(escalation, now):
    """Episodes show their escalation: a phone syncing episodes must learn that it changed."""
    Episode.with_tombstones.filter(escalation=escalation).update(updated_at=now)


def escalation_acknowledge(*, escalation, now):
    """The user has read it: it closes, and alerts not yet sent are dropped. A retry, or a
    second phone, finds it acknowledged already and answers it as stored."""
    with transaction.atomic():
        acknowledged = Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, closed_at=Coalesce("closed_at", Value(now))
        )
        from_state = escalation.state
        escalation.refresh_from_db()
        if acknowledged:
            _record(escalation, "acknowledged", from_state, "The patient acknowledged it in the app.", now)
            notifications.notifications_cancel(escalation=escalation, why="acknowledged before it was sent")
            _episodes_resync(escalation, now)
    return escalation


def resend_is_due(escalation, today):
    """An unacknowledged "book a visit" is re-sent every RESEND_EVERY_DAYS, RESEND_MAX_TIMES at most.

    Counted in the user's local days: by hours, a sweep a few minutes earlier than last
    week's, or a clock change, put the re-send off a whole day."""
    return (
        escalation.level == EscalationLevel.SEE_CLINICIAN
        and escalation.acknowledged_at is None
        and 1 <= escalation.sends <= settings.RESEND_MAX_TIMES
        and escalation.last_sent_at is not None
        and (today - escalation.user.local_date(escalation.last_sent_at)).days >= settings.RESEND_EVERY_DAYS
    )


@transaction.atomic
def escalation_resend(*, escalation, now):
    """Count a re-send; the caller plans its alerts (escalations_alert, with the batch's)."""
    resent = Escalation.objects.filter(pk=escalation.pk, sends=escalation.sends, acknowledged_at__isnull=True).update(
        sends=F("sends") + 1, last_sent_at=now
    )
    if resent:
        escalation.sends += 1
        escalation.last_sent_at = now
        why = f"Still holds, unacknowledged: re-send {escalation.sends - 1}."
        _record(escalation, "resent", EscalationState.OPEN, why, now)
    return bool(resent)


@dataclass
class Applied:
    """What trends_apply did and decided for one user; the caller writes the rest in bulk."""

    changes: list = field(default_factory=list)  # what happened, in words
    refreshed: list = field(default_factory=list)  # open escalations with newer figures
    held: list = field(default_factory=list)  # open escalations whose rule held on a later day, figures kept
    opening: list = field(default_factory=list)  # new escalations, unsaved (escalations_alert)
    resending: list = field(default_factory=list)  # open escalations whose re-send is due


def rest_began(now):
    """An alert acknowledged after this may not return yet (ACKNOWLEDGED_REST_DAYS)."""
    return now - timedelta(days=settings.ACKNOWLEDGED_REST_DAYS)


def trends_apply(*, user, window, today, now, escalations, rules, log_changed=True):
    """Bring one user's escalations in line with what their log shows on `today` (`window`).

    `escalations` are the user's open ones and those still resting after an acknowledgement.
    An open escalation's figures are those of the last decision about it: they are brought
    up to date when the user's log changed since their last evaluation (`log_changed`) and
    when it is re-sent, not each night the windows merely move on (the day its rule held is).
    Closes are written here (a few a night); new escalations, re-sends, refreshed figures and
    later days held are returned for the caller to write with the batch's.
    """
    findings = {finding.reason: finding for finding in window_findings(window, today=today, rules=rules)}
    red_flag_days = dict(window.red_flag_days)
    open_now = {e.reason: e for e in escalations if e.closed_at is None}
    resting = {e.reason for e in escalations if e.acknowledged_at and e.acknowledged_at > rest_began(now)}
    applied = Applied()
    for reason in REASON_ORDER:
        current, finding = open_now.get(reason), findings.get(reason)
        if reason in RED_FLAG_REASONS:  # opened by the request that logged them; only kept or closed here
            told_on = red_flag_days.get(reason)
            if current and told_on and told_on > current.last_held_on:
                current.last_held_on = told_on
                applied.held.append(current)
        elif finding:
            if current and LEVEL_RANKS[finding.level] > LEVEL_RANKS[current.level]:
                escalation_close(escalation=current, what="superseded", why=_superseded_why(finding), now=now)
                current = None
            if current is None:
                if reason not in resting:
                    applied.opening.append(_escalation_new(user=user, finding=finding, today=today, now=now))
                continue
            resend = resend_is_due(current, today)
            if log_changed or resend:
                escalation_refresh(current, finding, today)
                applied.refreshed.append(current)
            elif today > current.last_held_on:
                current.last_held_on = today
                applied.held.append(current)
            if resend:
                applied.resending.append(current)
            continue
        if current and (today - current.last_held_on).days >= settings.ESCALATION_CLOSE_AFTER_DAYS:
            why = f"The rule has not held since {day_words(current.last_held_on)}."
            if escalation_close(escalation=current, why=why, now=now):
                applied.changes.append(f"closed {reason}")
    return applied


def red_flag_reasons(figures):
    """The red-flag reasons that `figures` (RED_FLAG_INPUTS) raise."""
    return {finding.reason for finding in red_flags_in(figures)}


def _red_flag_join(escalation, *, episode, told_on, now):
    """Another episode with the red flag of an open escalation: no second alert, and the
    evidence stays that of the episode that opened it (each episode showing the alert would
    change with it, and phones sync it again); the history names this one for the clinician,
    and the alert holds at least until the day it is told."""
    escalation.last_held_on = max(escalation.last_held_on, told_on)
    escalation.save(update_fields=["last_held_on", "updated_at"])
    started = time_words(episode.started_at.astimezone(episode.user.zone))
    why = (
        f"Logged again in the app on {day_words(told_on)}, "
        f"with the episode that started {started}, severity {episode.severity}."
    )
    _record(escalation, "told again", EscalationState.OPEN, why, now)


# Each attempt loses only to another request opening or closing this alert at that moment:
# a third loss in a row is no race but a fault, answered as one to retry (503).
RED_FLAG_ATTEMPTS = 3


def _red_flag_escalation(*, user, finding, episode, told_on, now):
    """A new escalation of this red flag, with its alert, or the open one, which the episode
    joins. The open one is locked before it is joined: read unlocked, it could be acknowledged
    (closed) meanwhile, and the red flag would join a closed alert and never be told. Found
    closed, a new one opens."""
    for _attempt in range(RED_FLAG_ATTEMPTS):
        opened = escalation_open(user=user, finding=finding, today=told_on, now=now)
        if opened is not None:
            return opened
        open_now = Escalation.objects.select_for_update(no_key=True).filter(
            user=user, reason=finding.reason, closed_at=None
        )
        if current := open_now.first():
            _red_flag_join(current, episode=episode, told_on=told_on, now=now)
            return current
    raise OperationalError(f"no open {finding.reason} escalation to join, and none could be opened")


def red_flags_raise(*, episode, now, held_before=frozenset()):
    """Escalate an episode's red flags at once, in the caller's transaction; an edit passes
    the reasons its episode raised before, which it does not raise again.

    Returns the most pressing escalation it opened or joined, or None.
    """
    findings = [finding for finding in episode.red_flag_findings() if finding.reason not in held_before]
    user, raised = episode.user, []
    # A red flag holds from the day it is told, whenever it began: one logged weeks late would
    # otherwise be closed by the next evaluation, a few seconds after its alert.
    reported_on = max(episode.local_date, user.local_date(now))
    for finding in findings:
        evidence = {**finding.evidence, "episode": str(episode.id), "started_at": utc_iso(episode.started_at)}
        finding = type(finding)(finding.reason, finding.level, evidence)
        raised.append(_red_flag_escalation(user=user, finding=finding, episode=episode, told_on=reported_on, now=now))
    if not raised:
        return None
    top = max(raised, key=lambda escalation: LEVEL_RANKS[escalation.level])
    Episode.with_tombstones.filter(pk=episode.pk).update(escalation=top)
    episode.escalation = top
    return top
