"""Local time for deliveries: quiet hours, midnights across daylight-saving changes, reminders."""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from tracking.schedule import in_quiet_hours, next_local_midnight, quiet_hours_end, reminder_is_due

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


@pytest.mark.parametrize(
    "now, start, end, quiet",
    [
        (time(23, 0), time(22, 0), time(7, 0), True),
        (time(6, 59), time(22, 0), time(7, 0), True),
        (time(7, 0), time(22, 0), time(7, 0), False),
        (time(12, 0), time(22, 0), time(7, 0), False),
        (time(13, 0), time(12, 0), time(14, 0), True),
        (time(12, 0), None, None, False),
        (time(12, 0), time(9, 0), time(9, 0), False),
    ],
)
def test_quiet_hours_may_span_midnight(now, start, end, quiet):
    assert in_quiet_hours(now, start, end) is quiet


def test_an_alert_in_quiet_hours_waits_for_their_end_in_the_users_zone():
    moment = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    ends = quiet_hours_end(moment, zone=PARIS, start=time(22, 0), end=time(7, 0))
    assert ends == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 07:00 in Paris


def test_an_alert_after_midnight_in_quiet_hours_waits_until_that_morning():
    moment = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 02:00 in Paris
    assert quiet_hours_end(moment, zone=PARIS, start=time(22, 0), end=time(7, 0)) == datetime(
        2026, 11, 27, 6, 0, tzinfo=UTC
    )


def test_an_alert_outside_quiet_hours_goes_now():
    moment = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert quiet_hours_end(moment, zone=PARIS, start=time(22, 0), end=time(7, 0)) == moment


def test_quiet_hours_end_follows_a_daylight_saving_change():
    # New York falls back on 2026-11-01: 07:00 that morning is 12:00 UTC, not 11:00.
    moment = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT, in quiet hours
    assert quiet_hours_end(moment, zone=NEW_YORK, start=time(22, 0), end=time(7, 0)) == datetime(
        2026, 11, 1, 12, 0, tzinfo=UTC
    )


def test_quiet_hours_that_end_in_the_hour_a_clock_repeats_end_the_second_time_round():
    # New York falls back at 02:00 EDT on 2026-11-01: 01:00-02:00 comes twice. At 01:00 EST,
    # after the first 01:30 has passed, the quiet hours end at the second, 06:30 UTC.
    moment = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert quiet_hours_end(moment, zone=NEW_YORK, start=time(22, 0), end=time(1, 30)) == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 8, 6, 20, tzinfo=UTC),  # 01:20 EST, in quiet hours
        datetime(2026, 3, 8, 4, 0, tzinfo=UTC),  # 23:00 EST the evening before: they end tomorrow
    ],
)
def test_quiet_hours_that_end_in_the_hour_a_clock_skips_end_as_it_jumps(moment):
    # New York springs forward at 02:00 EST on 2026-03-08 to 03:00 EDT: 02:30 never comes.
    ends = quiet_hours_end(moment, zone=NEW_YORK, start=time(22, 0), end=time(2, 30))
    assert ends == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT: the jump, neither before it nor after


def test_quiet_hours_whose_only_break_a_spring_night_skips_end_the_next_day():
    # Quiet from 03:00 to 02:30: on 2026-03-08 New York's clock jumps from 02:00 to 03:00, so
    # the half hour out of them never comes that night; they end at 02:30 EDT on the 9th.
    moment = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    ends = quiet_hours_end(moment, zone=NEW_YORK, start=time(3, 0), end=time(2, 30))
    assert ends == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment, midnight",
    [
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), datetime(2026, 11, 27, 23, 0, tzinfo=UTC)),  # Paris, winter
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 1, 22, 0, tzinfo=UTC)),  # Paris, summer
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),  # the spring-forward day
    ],
)
def test_the_next_local_midnight(moment, midnight):
    assert next_local_midnight(moment, zone=PARIS) == midnight


def test_a_reminder_is_due_once_its_local_time_has_passed():
    moment = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 20:30 in Paris
    assert reminder_is_due(moment, zone=PARIS, reminder_time=time(20, 0))
    assert not reminder_is_due(moment, zone=PARIS, reminder_time=time(21, 0))
    assert not reminder_is_due(moment, zone=PARIS, reminder_time=None)
