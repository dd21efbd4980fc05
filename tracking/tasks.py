"""Thin Celery tasks: they take ids, and call the modules that hold the logic.

Every task is idempotent: acks_late re-delivers a task whose worker died, and the sweeps
run again whatever a lost task left undone.
"""

from celery import shared_task
from django.utils import timezone

from accounts.tokens import tokens_purge_expired
from tracking import evaluation, notifications, reminders
from tracking.records import local_dates_refile, tombstones_purge


@shared_task
def evaluate_user_trends(user_id):
    """The debounced evaluation after a user's episodes changed; skipped if not due any more."""
    now = timezone.now()
    if evaluation.user_claim(user_id=user_id, now=now):
        evaluation.users_evaluate(user_ids=[user_id], now=now)


@shared_task
def refile_local_dates(user_id):
    """A while after a time-zone change: a record logged at that moment may carry the old zone's date."""
    local_dates_refile(user_id=user_id)


@shared_task
def sweep_trends():
    """Fan the due users out in batches, so that several workers share the sweep."""
    now = timezone.now()
    for ids in evaluation.due_batches(now=now):
        evaluate_trend_batch.delay(ids)


@shared_task
def evaluate_trend_batch(user_ids):
    evaluation.users_evaluate(user_ids=user_ids)


@shared_task
def deliver_notification(notification_id):
    """Send one alert; a transient failure leaves it in the outbox with a backoff."""
    return notifications.notification_deliver(notification_id)


@shared_task
def deliver_notifications(notification_ids):
    """Send the alerts of one send (its channels and devices), each claimed on its own."""
    return [notifications.notification_deliver(pk) for pk in notification_ids]


@shared_task
def sweep_outbox():
    """Queue what is due: after quiet hours, after a backoff, or after a broker outage."""
    now = timezone.now()
    notifications.abandoned_claims_close(now)
    for notification_id in notifications.due_notification_ids(now):
        deliver_notification.delay(notification_id)


@shared_task
def send_daily_reminders():
    reminders.reminders_send(now=timezone.now())


@shared_task
def purge_old_records():
    tombstones_purge(now=timezone.now())
    tokens_purge_expired()
