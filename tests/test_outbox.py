"""Alerts leave through the outbox at most once, retry transient errors, and stop using dead addresses."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Device
from accounts.users import device_register
from tracking import notifications
from tracking.escalations import escalation_acknowledge, escalation_open
from tracking.models import Notification
from tracking.trends import Finding

pytestmark = pytest.mark.django_db


def visit_alert(owner):
    """A see_clinician escalation with its outbox rows, as the trend job opens it."""
    finding = Finding("persistent", "see_clinician", {"logged_days": 10, "window_days": 14, "window_end": "2026-11-27"})
    return escalation_open(user=owner, finding=finding, today=timezone.now().date(), now=timezone.now())


def deliver_all():
    return [notifications.notification_deliver(pk) for pk in notifications.due_notification_ids(timezone.now())]


def test_each_alert_is_sent_once_however_often_it_is_delivered(owner, fcm, phone):
    visit_alert(owner)
    ids = list(Notification.objects.values_list("id", flat=True))
    for _ in range(3):
        for pk in ids:
            notifications.notification_deliver(pk)
    assert len(mail.outbox) == 1
    assert fcm.tokens() == ["owner-phone-token"]
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_transient_push_error_is_retried_with_backoff_and_its_error_kept(owner, fcm):
    device_register(user=owner, platform="ios", token="busy-phone")
    visit_alert(owner)
    assert sorted(deliver_all()) == ["retry", "sent"]
    push = Notification.objects.get(channel="push")
    assert (push.status, push.attempts, push.claimed_at) == ("pending", 1, None)
    assert "503" in push.last_error
    assert push.not_before > timezone.now() + timedelta(seconds=20)
    assert deliver_all() == []  # not due yet


def test_a_push_gives_up_after_the_last_attempt(owner, fcm, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    device_register(user=owner, platform="ios", token="busy-phone")
    visit_alert(owner)
    for hour in range(4):
        with time_machine.travel(timezone.now() + timedelta(hours=hour)):
            deliver_all()
    push = Notification.objects.get(channel="push")
    assert (push.status, push.attempts) == ("failed", 3)


def test_an_unregistered_phone_is_disabled(owner, fcm):
    device, _ = device_register(user=owner, platform="android", token="gone-phone")
    visit_alert(owner)
    deliver_all()
    assert Notification.objects.get(channel="push").status == "failed"
    device.refresh_from_db()
    assert device.active is False
    visit_alert_again = Finding(
        "worsening",
        "see_clinician",
        {"window_days": 14, "window_end": "2026-11-27", "earlier_mean": 2, "recent_mean": 5},
    )
    escalation_open(user=owner, finding=visit_alert_again, today=timezone.now().date(), now=timezone.now())
    assert not Notification.objects.filter(channel="push", escalation__reason="worsening").exists()


def test_a_refused_address_stops_email_alerts(owner, smtp, settings):
    owner.email = "bounce@example.com"
    owner.save()
    visit_alert(owner)
    deliver_all()
    owner.refresh_from_db()
    assert owner.email_deliverable is False
    assert Notification.objects.get(channel="email").status == "failed"
    assert "refused" in Notification.objects.get(channel="email").last_error


def test_email_goes_through_a_real_mail_server(owner, smtp):
    visit_alert(owner)
    deliver_all()
    assert len(smtp.messages) == 1
    assert "Time to book a visit" in smtp.messages[0]
    assert "does not replace" in smtp.messages[0]


def test_a_sender_that_died_mid_send_is_not_repeated(owner, fcm, phone):
    visit_alert(owner)
    claimed = Notification.objects.filter(channel="push")
    claimed.update(claimed_at=timezone.now(), attempts=1)  # claimed, then the worker was killed
    deliver_all()
    assert fcm.messages == []
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        notifications.abandoned_claims_close(timezone.now())
        deliver_all()
    push = Notification.objects.get(channel="push")
    assert (push.status, fcm.messages) == ("failed", [])
    assert "not repeated" in push.last_error


def test_acknowledging_before_the_send_cancels_it(owner, fcm, phone):
    escalation = visit_alert(owner)
    escalation_acknowledge(escalation=escalation, now=timezone.now())
    assert deliver_all() == []
    assert set(Notification.objects.values_list("status", flat=True)) == {"cancelled"}
    assert list(escalation.events.values_list("what", flat=True)) == ["opened", "acknowledged"]


def test_only_active_devices_of_the_user_get_a_row(owner, other):
    device_register(user=owner, platform="ios", token="a")
    device_register(user=other, platform="ios", token="b")
    Device.objects.filter(token="a").update(active=False)
    device_register(user=owner, platform="android", token="c")
    visit_alert(owner)
    assert list(Notification.objects.filter(channel="push").values_list("device__token", flat=True)) == ["c"]


def test_visit_alerts_are_capped_per_day_but_urgent_ones_never(owner, phone, settings):
    settings.MAX_VISIT_ALERTS_PER_DAY = 2
    now, today = timezone.now(), timezone.now().date()
    for reason in ("persistent", "worsening", "increasing_pain"):
        finding = Finding(
            reason,
            "see_clinician",
            {"logged_days": 10, "window_days": 14, "window_end": "2026-11-27", "earlier_mean": 1, "recent_mean": 4},
        )
        escalation_open(user=owner, finding=finding, today=today, now=now)
    escalation_open(user=owner, finding=Finding("foot_weakness", "urgent", {"severity": 5}), today=today, now=now)
    sent_for = set(Notification.objects.filter(channel="email").values_list("escalation__reason", flat=True))
    assert sent_for == {"persistent", "worsening", "foot_weakness"}


PARIS = ZoneInfo("Europe/Paris")


def quiet_nights(owner):
    owner.quiet_hours_start, owner.quiet_hours_end = time(22, 0), time(7, 0)
    owner.save()


def test_a_visit_alert_retried_into_quiet_hours_waits_for_their_end(owner, fcm):
    quiet_nights(owner)
    device_register(user=owner, platform="ios", token="busy-phone")
    with time_machine.travel(datetime(2026, 11, 27, 21, 59, 50, tzinfo=PARIS), tick=False):
        visit_alert(owner)
        assert sorted(deliver_all()) == ["retry", "sent"]
    push = Notification.objects.get(channel="push")
    assert push.not_before == datetime(2026, 11, 28, 7, 0, tzinfo=PARIS)


def test_a_visit_alert_picked_up_in_quiet_hours_is_held_not_sent(owner, fcm, phone):
    quiet_nights(owner)
    with time_machine.travel(datetime(2026, 11, 27, 21, 59, tzinfo=PARIS), tick=False):
        visit_alert(owner)  # due now: queued for a worker
    with time_machine.travel(datetime(2026, 11, 27, 22, 1, tzinfo=PARIS), tick=False):
        held = [notifications.notification_deliver(pk) for pk in Notification.objects.values_list("id", flat=True)]
    assert held == ["held for quiet hours"] * 2
    assert (len(mail.outbox), fcm.tokens()) == (0, [])
    morning = datetime(2026, 11, 28, 7, 0, tzinfo=PARIS)
    assert set(Notification.objects.values_list("status", "attempts", "not_before")) == {("pending", 0, morning)}
    with time_machine.travel(morning, tick=False):
        assert sorted(deliver_all()) == ["sent", "sent"]


def test_an_alert_sent_after_a_failure_keeps_the_error(owner, fcm):
    device, _ = device_register(user=owner, platform="ios", token="busy-phone")
    visit_alert(owner)
    deliver_all()
    Device.objects.filter(pk=device.pk).update(token="mended-phone")
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert deliver_all() == ["sent"]
    push = Notification.objects.get(channel="push")
    assert push.status == "sent" and "503" in push.last_error
