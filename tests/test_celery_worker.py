"""The escalation engine with a real Celery worker process on the real broker (CI: Redis, PostgreSQL)."""

import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.users import device_register
from heeljournal.celery import app
from tests.conftest import episode_body, wait_for
from tracking.models import Episode, Escalation, Notification

pytestmark = pytest.mark.real_stack


@pytest.fixture(autouse=True)
def short_debounce(settings):
    settings.TREND_DEBOUNCE_SECONDS = 3  # longer than the claim's slack, as the real 5 s is


def post_fortnight(api):
    """Fourteen days of numbness, worse in the second week, logged through the API."""
    now = timezone.now()
    for back, severity in enumerate([7, 6, 7, 6, 6, 7, 6, 3, 2, 3, 2, 3, 2, 3]):
        started = (now - timedelta(days=back, minutes=30)).isoformat()
        assert (
            api.post(
                "/api/v1/episodes/", episode_body(started_at=started, severity=severity), format="json"
            ).status_code
            == 201
        )


def test_a_worsening_fortnight_raises_one_persistent_and_one_worsening_alert_each_sent_once(
    api, owner, worker, fcm, smtp
):
    device_register(user=owner, platform="android", token="owner-phone-token")
    post_fortnight(api)
    posted = time.monotonic()

    def both_alerts_sent():
        """two escalations, each sent by email and push"""
        return Notification.objects.filter(status="sent").count() == 4

    wait_for(both_alerts_sent)  # by the debounced evaluation: no sweep has run
    assert time.monotonic() - posted < 10
    reasons = sorted(Escalation.objects.values_list("reason", flat=True))
    assert reasons == ["persistent", "worsening"]
    assert len(smtp.messages) == 2
    assert sorted(fcm.tokens()) == ["owner-phone-token"] * 2
    # Later changes and sweeps change nothing: one alert, not a stream.
    api.post("/api/v1/episodes/", episode_body(started_at=timezone.now().isoformat(), severity=7), format="json")
    app.send_task("tracking.tasks.sweep_trends")
    app.send_task("tracking.tasks.sweep_outbox")
    wait_for(lambda: Escalation.objects.get(reason="persistent").evidence["logged_days"] == 14)
    assert Escalation.objects.count() == 2
    assert len(smtp.messages) == 2 and len(fcm.messages) == 2


def test_a_worker_killed_between_claim_and_send_does_not_send_twice(api, owner, worker, worker_env, fcm, smtp):
    from tests.conftest import WorkerProcess

    device_register(user=owner, platform="android", token="slow-phone")  # FCM hangs on this one
    post_fortnight(api)
    wait_for(lambda: "slow-phone" in fcm.received)  # claimed, and mid-send
    worker.kill()
    replacement = WorkerProcess(worker_env)
    try:
        app.send_task("tracking.tasks.sweep_outbox")
        for notification in Notification.objects.filter(channel="push"):
            app.send_task("tracking.tasks.deliver_notification", args=[notification.pk])
        wait_for(lambda: Notification.objects.filter(channel="push", status="sent").count() >= 1, timeout=40)
    finally:
        replacement.stop()
    # Of the two pushes to the phone, the one in flight when the worker died is not repeated.
    received = fcm.received.count("slow-phone")
    assert received == Notification.objects.filter(channel="push").exclude(claimed_at=None).count()
    stuck = Notification.objects.get(channel="push", status="pending")
    assert stuck.claimed_at is not None and stuck.attempts == 1


def test_a_record_dated_in_the_old_zone_as_the_zone_changed_is_filed_again(api, owner, worker, settings):
    """Another phone logged as this one set the new zone: its record, dated in the old zone,
    committed after the change had filed the log anew."""
    settings.LOCAL_DATES_REFILE_SECONDS = 5  # time enough for the record below to come first
    evening = "2026-11-24T20:00:00+00:00"  # the 24th in Paris, the 25th in Tokyo
    logged = api.post("/api/v1/episodes/", episode_body(started_at=evening), format="json").json()["id"]
    assert api.patch("/api/v1/me/", {"timezone": "Asia/Tokyo"}, format="json").status_code == 200
    Episode.objects.filter(pk=logged).update(local_date=date(2026, 11, 24))  # as that record committed

    def filed_in_tokyo():
        """the record is filed under its date in Tokyo"""
        return Episode.objects.get(pk=logged).local_date == date(2026, 11, 25)

    wait_for(filed_in_tokyo)
