"""The outbox: which alerts an escalation sends, when, and their delivery at most once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Device
from heeljournal.enums import Channel, EscalationLevel
from tracking.models import Notification
from tracking.schedule import quiet_hours_end
from tracking.transports import TRANSPORTS, TransportError

log = logging.getLogger(__name__)
Status = Notification.Status
AT_ONCE = (EscalationLevel.URGENT, EscalationLevel.EMERGENCY)


def notifications_plan(*, escalation, send_number, now):
    """Write the outbox rows of one send, on the channels the user keeps open.

    Urgent and emergency alerts go out at once, quiet hours ignored, delivered right after
    the caller's transaction commits (inside the request that logged a red flag). The rest
    wait for the end of quiet hours and go through the queue.
    """
    user = escalation.user
    at_once = escalation.level in AT_ONCE
    if not at_once and _other_visit_alerts_today(escalation, now) >= settings.MAX_VISIT_ALERTS_PER_DAY:
        log.warning("daily alert cap reached for user %s: escalation %s not sent", user.pk, escalation.pk)
        return []
    not_before = (
        now if at_once else quiet_hours_end(now, zone=user.zone, start=user.quiet_hours_start, end=user.quiet_hours_end)
    )
    rows = []
    if user.email_alerts and user.email_deliverable:
        rows.append(Notification(channel=Channel.EMAIL))
    if user.push_alerts:
        rows += [
            Notification(channel=Channel.PUSH, device=device)
            for device in Device.objects.filter(user=user, active=True)
        ]
    for row in rows:
        row.escalation, row.send_number, row.not_before, row.created_at = escalation, send_number, not_before, now
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # a retried plan adds nothing
    ids = list(
        Notification.objects.filter(escalation=escalation, send_number=send_number, status=Status.PENDING).values_list(
            "id", flat=True
        )
    )
    if at_once:
        transaction.on_commit(lambda: [notification_deliver(pk) for pk in ids], robust=True)
    elif not_before <= now:
        from tracking.tasks import deliver_notifications

        enqueue_on_commit(deliver_notifications, ids)
    return ids


def _other_visit_alerts_today(escalation, now):
    """The user's other "book a visit" alerts sent in the last day, from the escalations' own
    record of their last send (a user's few escalations, by the escalation_list index)."""
    from tracking.models import Escalation

    recent = Escalation.objects.filter(
        user_id=escalation.user_id, level=EscalationLevel.SEE_CLINICIAN, last_sent_at__gt=now - timedelta(days=1)
    )
    return recent.exclude(pk=escalation.pk).count()


def notifications_cancel(*, escalation, why):
    Notification.objects.filter(escalation=escalation, status=Status.PENDING, claimed_at__isnull=True).update(
        status=Status.CANCELLED, last_error=why
    )


def enqueue_on_commit(task, *args, countdown=None):
    """Queue a task once the transaction commits; a broker outage is logged, never raised.

    Whatever was not queued is found by the periodic sweeps, from the database.
    """
    transaction.on_commit(lambda: task.apply_async(args, countdown=countdown), robust=True)


def _retry_delay(attempts):
    return timedelta(seconds=min(settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 3600))


def notification_deliver(notification_id):
    """Claim one due alert and send it. Only the worker whose claim changed the row sends.

    A claimed row is never claimed again: if a worker dies mid-send the alert is not repeated
    (the sweep marks it uncertain). Transient errors release the claim with backoff.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.PENDING, claimed_at__isnull=True, not_before__lte=now
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "not due or taken"
    notification = Notification.objects.select_related("escalation__user", "device").get(pk=notification_id)
    transport = TRANSPORTS[notification.channel]
    try:
        transport.send(notification)
    except TransportError as error:
        return _failed(notification, transport, error, now)
    Notification.objects.filter(pk=notification.pk).update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _failed(notification, transport, error, now):
    log.warning("alert %s via %s failed: %s", notification.pk, notification.channel, error)
    if error.permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, last_error=str(error))
        if error.permanent:
            transport.disable(notification)
        return "failed"
    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=None, last_error=str(error), not_before=now + _retry_delay(notification.attempts)
    )
    return "retry"


def due_notification_ids(now, limit=500):
    return list(
        Notification.objects.filter(status=Status.PENDING, claimed_at__isnull=True, not_before__lte=now)
        .order_by("not_before")
        .values_list("id", flat=True)[:limit]
    )


def abandoned_claims_close(now):
    """Claims older than any send can take: the sender died mid-send, so whether the alert
    left is unknown. Not re-sent (at most once); marked for operators to see."""
    cutoff = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT_SECONDS)
    return Notification.objects.filter(status=Status.PENDING, claimed_at__lt=cutoff).update(
        status=Status.FAILED, last_error="The sender stopped mid-send; not repeated, delivery unknown."
    )
