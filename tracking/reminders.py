"""Daily logging reminders: at the user's reminder time, when nothing was logged that day."""

from django.db import IntegrityError, transaction

from accounts.models import Device, User
from tracking.models import Activity, Episode, JournalEntry, ReminderSent
from tracking.schedule import reminder_is_due
from tracking.transports import TransportError, device_disable, push_send


def reminders_send(*, now):
    """Send today's reminders that are due; returns how many users were reminded."""
    due = {}
    for user in User.objects.filter(is_active=True, push_alerts=True, reminder_time__isnull=False):
        if reminder_is_due(now, zone=user.zone, reminder_time=user.reminder_time):
            due[user.pk] = user.local_date(now)
    for user_id in _logged_today(due):
        del due[user_id]
    reminded = 0
    for user_id, today in due.items():
        try:
            with transaction.atomic():
                ReminderSent.objects.create(user_id=user_id, date=today)  # the claim: once a day
        except IntegrityError:
            continue
        reminded += 1
        for device in Device.objects.filter(user_id=user_id, active=True):
            try:
                push_send(
                    device,
                    title="How are your heels today?",
                    body="Take a moment to log today.",
                    data={"kind": "reminder"},
                )
            except TransportError as error:
                if error.permanent:
                    device_disable(device.pk)
    return reminded


def _logged_today(todays):
    """Users among {user_id: local date} who logged anything on that date."""
    logged, dates = set(), set(todays.values())
    for model, date_field in ((Episode, "local_date"), (Activity, "local_date"), (JournalEntry, "date")):
        rows = model.objects.filter(user_id__in=todays, **{f"{date_field}__in": dates}).values_list(
            "user_id", date_field
        )
        logged |= {user_id for user_id, day in rows if todays[user_id] == day}
    return logged
