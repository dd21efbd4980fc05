"""The outbox: which alerts an escalation sends, when, and their delivery at most once."""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Device
from heeljournal.bulk import objects_insert
from heeljournal.enums import Channel, EscalationLevel
from tracking.models import Notification
from tracking.schedule import quiet_hours_end
from tracking.transports import TRANSPORTS, TransportError

log = logging.getLogger(__name__)
Status = Notification.Status
AT_ONCE = (EscalationLevel.URGENT, EscalationLevel.EMERGENCY)


def notifications_plan(*, escalation, send_number, now):
    """Write the outbox rows of one send, on the channels the user keeps open."""
    return notifications_plan_many([(escalation, send_number)], now=now)


def notifications_plan_many(sends, *, now):
    """Write the outbox rows of many sends, [(escalation, send number)], with a few queries.

    Urgent and emergency alerts go out at once, quiet hours ignored, delivered right after
    the caller's transaction commits (inside the request that logged a red flag). The rest
    wait for the end of quiet hours and go through the queue, in one task for the lot.
    Sends are capped in the order given, as if planned one after another.
    """
    sent_today = _visit_alerts_today([escalation for escalation, _ in sends if escalation.level not in AT_ONCE], now)
    planned, rows = [], []
    devices = _push_devices({escalation.user for escalation, _ in sends if escalation.user.push_alerts})
    for escalation, send_number in sends:
        user = escalation.user
        at_once = escalation.level in AT_ONCE
        if not at_once:
            capped = sent_today[user.pk] >= settings.MAX_VISIT_ALERTS_PER_DAY
            if escalation.level == EscalationLevel.SEE_CLINICIAN:  # sent now, capped or not: later ones count it
                sent_today[user.pk] += 1
            if capped:
                log.warning("daily alert cap reached for user %s: escalation %s not sent", user.pk, escalation.pk)
                continue
        not_before = deliverable_from(escalation, now)
        channels = [Notification(channel=Channel.EMAIL)] if user.email_alerts and user.email_deliverable else []
        if user.push_alerts:
            channels += [Notification(channel=Channel.PUSH, device=device) for device in devices.get(user.pk, [])]
        for row in channels:
            row.escalation, row.send_number, row.not_before, row.created_at = escalation, send_number, not_before, now
        rows += channels
        planned.append((escalation, send_number, at_once, not_before <= now))
    if not planned:
        return []
    objects_insert(rows, ignore_conflicts=True)  # a retried plan adds nothing
    ids = {}
    for pk, escalation_id, send_number in Notification.objects.filter(
        escalation_id__any={escalation.pk for escalation, *_ in planned}, status=Status.PENDING
    ).values_list("id", "escalation_id", "send_number"):
        ids.setdefault((escalation_id, send_number), []).append(pk)
    at_once_ids, due_ids = [], []
    for escalation, send_number, at_once, due in planned:
        send_ids = ids.get((escalation.pk, send_number), [])
        if at_once:
            at_once_ids += send_ids
        elif due:
            due_ids += send_ids
    if at_once_ids:
        transaction.on_commit(lambda: [notification_deliver(pk) for pk in at_once_ids], robust=True)
    if due_ids:
        from tracking.tasks import deliver_notifications

        enqueue_on_commit(deliver_notifications, due_ids)
    return [pk for escalation, send_number, *_ in planned for pk in ids.get((escalation.pk, send_number), [])]


def deliverable_from(escalation, moment):
    """When an alert of this escalation may leave, from `moment` on: urgent and emergency at
    once, the rest after the user's quiet hours."""
    if escalation.level in AT_ONCE:
        return moment
    user = escalation.user
    return quiet_hours_end(moment, zone=user.zone, start=user.quiet_hours_start, end=user.quiet_hours_end)


def _visit_alerts_today(escalations, now):
    """For each of these escalations' users, their "book a visit" alerts sent in the last day,
    from the escalations' own record of their last send, these escalations left out (a user's
    few escalations, by the escalation_list index)."""
    from tracking.models import Escalation

    counts = Counter()
    if escalations:
        recent = Escalation.objects.filter(
            user_id__any={escalation.user_id for escalation in escalations},
            level=EscalationLevel.SEE_CLINICIAN,
            last_sent_at__gt=now - timedelta(days=1),
        ).exclude(pk__any=[escalation.pk for escalation in escalations])
        counts.update(dict(recent.values("user_id").annotate(sent=Count("id")).values_list("user_id", "sent")))
    return counts


def _push_devices(users):
    devices = {}
    if users:
        for device in Device.objects.filter(user_id__any={user.pk for user in users}, active=True):
            devices.setdefault(device.user_id, []).append(device)
    return devices


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
    held_until = deliverable_from(notification.escalation, now)
    if held_until > now:  # queued before quiet hours began, picked up after: not an attempt
        Notification.objects.filter(pk=notification.pk).update(
            claimed_at=None, attempts=F("attempts") - 1, not_before=held_until
        )
        return "held for quiet hours"
    transport = TRANSPORTS[notification.channel]
    try:
        transport.send(notification)
    except TransportError as error:
        return _failed(notification, transport, error, now)
    # An earlier attempt's error stays: it tells why the alert left late.
    Notification.objects.filter(pk=notification.pk).update(status=Status.SENT, sent_at=timezone.now())
    return "sent"


def _failed(notification, transport, error, now):
    log.warning("alert %s via %s failed: %s", notification.pk, notification.channel, error)
    if error.permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, last_error=str(error))
        if error.permanent:
            transport.disable(notification)
        return "failed"
    retry_at = deliverable_from(notification.escalation, now + _retry_delay(notification.attempts))
    Notification.objects.filter(pk=notification.pk).update(claimed_at=None, last_error=str(error), not_before=retry_at)
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
