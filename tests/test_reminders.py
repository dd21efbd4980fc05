from datetime import datetime, timezone

import pytest
import time_machine

from tests.conftest import episode_body
from tracking.reminders import reminders_send

pytestmark = pytest.mark.django_db

EVENING = datetime(2026, 11, 27, 19, 30, tzinfo=timezone.utc)  # 20:30 in Paris


@pytest.fixture
def reminded_owner(api, owner, phone, fcm):
    api.patch("/api/v1/me/", {"reminder_time": "20:00"}, format="json")
    return owner


def test_a_reminder_goes_when_nothing_was_logged_today(reminded_owner, fcm):
    with time_machine.travel(EVENING, tick=False):
        assert reminders_send(now=EVENING) == 1
    assert fcm.tokens() == ["owner-phone-token"]


def test_never_twice_a_day(reminded_owner, fcm):
    with time_machine.travel(EVENING, tick=False):
        reminders_send(now=EVENING)
        assert reminders_send(now=EVENING) == 0
    assert len(fcm.messages) == 1


def test_not_before_the_reminder_time(reminded_owner, fcm):
    early = EVENING.replace(hour=18)  # 19:00 in Paris
    with time_machine.travel(early, tick=False):
        assert reminders_send(now=early) == 0


def test_not_when_something_was_logged_today(reminded_owner, api, fcm):
    with time_machine.travel(EVENING, tick=False):
        api.post("/api/v1/episodes/", episode_body(started_at=EVENING.isoformat()), format="json")
        assert reminders_send(now=EVENING) == 0
    assert fcm.messages == []


def test_not_when_push_alerts_are_off(reminded_owner, api, fcm):
    api.patch("/api/v1/me/", {"push_alerts": False}, format="json")
    with time_machine.travel(EVENING, tick=False):
        assert reminders_send(now=EVENING) == 0
