"""One alert, not a stream: escalations open once, update, re-send, and close (clinical-rules.md)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from heeljournal.enums import EscalationLevel
from tests.conftest import episode_body
from tracking.escalations import escalation_acknowledge, escalation_open
from tracking.evaluation import users_evaluate
from tracking.models import Escalation, Notification
from tracking.notifications import notification_deliver
from tracking.trends import Finding

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)  # 13:00 in Paris, the owner's zone


def log_days(api, severities, *, now=NOW, **fields):
    """One episode a day, the last on `now`'s date: severities oldest first."""
    with time_machine.travel(now, tick=False):
        for back, severity in enumerate(reversed(severities)):
            started = now - timedelta(days=back)
            body = episode_body(started_at=started.isoformat(), severity=severity, **fields)
            assert api.post("/api/v1/episodes/", body, format="json").status_code == 201


def evaluate(owner, now=NOW):
    with time_machine.travel(now, tick=False):
        return users_evaluate(user_ids=[owner.pk], now=now)


def open_reasons(owner):
    return sorted(Escalation.objects.filter(user=owner, closed_at__isnull=True).values_list("reason", flat=True))


def test_ten_days_of_fourteen_open_one_persistent_escalation_with_one_alert_per_channel(api, owner, phone):
    log_days(api, [4] * 10)
    assert evaluate(owner) == {"owner@example.com": ["opened persistent (see_clinician)"]}
    assert open_reasons(owner) == ["persistent"]
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "push"]
    # Every threshold is in the evidence, those that time its life too (clinical-rules.md).
    (shown,) = api.get("/api/v1/escalations/").json()["results"]
    timing = {"close_after_days": 14, "rest_after_acknowledged_days": 14, "resend_every_days": 7, "resend_max_times": 3}
    assert timing.items() <= shown["evidence"].items()


def test_an_open_escalation_is_updated_not_duplicated(api, owner):
    log_days(api, [4] * 10)
    evaluate(owner)
    log_days(api, [4], now=NOW + timedelta(days=1))
    assert evaluate(owner, NOW + timedelta(days=1)) == {}
    escalation = Escalation.objects.get()
    assert escalation.evidence["logged_days"] == 11
    assert "11 of the 14 days up to 28 Nov 2026" in escalation.message
    assert escalation.last_held_on == (NOW + timedelta(days=1)).date()
    assert Notification.objects.count() == 1


def test_a_night_that_only_moves_the_windows_keeps_the_figures_and_records_the_day_it_held(api, owner):
    log_days(api, [4] * 12)
    evaluate(owner)
    # Three nights on, nothing logged: 10 of those days are still in the window, and the
    # alert still says what made the decision (12), with the day its rule last held.
    assert evaluate(owner, NOW + timedelta(days=3)) == {}
    escalation = Escalation.objects.get()
    assert escalation.evidence["logged_days"] == 12 and "12 of the 14 days up to 27 Nov 2026" in escalation.message
    assert escalation.last_held_on == (NOW + timedelta(days=3)).date()
    # A day logged brings them up to date.
    log_days(api, [4], now=NOW + timedelta(days=4))
    evaluate(owner, NOW + timedelta(days=4))
    escalation.refresh_from_db()
    assert escalation.evidence["logged_days"] == 11 and escalation.last_held_on == (NOW + timedelta(days=4)).date()


def test_a_time_zone_change_moves_the_figures_to_the_new_days(api, owner):
    log_days(api, [4] * 12)
    evaluate(owner)
    with time_machine.travel(NOW, tick=False):  # 02:00 the next day there: each episode a day later
        assert api.patch("/api/v1/me/", {"timezone": "Pacific/Kiritimati"}, format="json").status_code == 200
    evaluate(owner, NOW + timedelta(minutes=1))
    evidence = Escalation.objects.get().evidence
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    assert evidence["dates"][-1] == tomorrow and evidence["window_end"] == tomorrow


def test_open_alerts_from_before_window_end_get_the_day_they_last_held(api, owner):
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = import_module("tracking.migrations.0012_evidence_window_end")
    log_days(api, [4] * 10, radiates_from_back=True)
    evaluate(owner)
    held_on = (NOW - timedelta(days=2)).date()
    for escalation in Escalation.objects.all():  # as the code before wrote them
        escalation.evidence.pop("window_end")
        escalation.last_held_on = held_on
        escalation.save()
    Escalation.objects.filter(reason="radiating_pattern").update(closed_at=NOW)
    state = MigrationExecutor(connection).loader.project_state(("tracking", "0012_evidence_window_end"))
    migration.date_the_figures(state.apps, None)
    assert Escalation.objects.get(reason="persistent").evidence["window_end"] == held_on.isoformat()
    assert "window_end" not in Escalation.objects.get(reason="radiating_pattern").evidence  # closed: as it was


def test_a_re_send_carries_the_figures_of_its_day(api, owner, settings):
    settings.RESEND_EVERY_DAYS = 2
    log_days(api, [4] * 14)
    evaluate(owner)
    evaluate(owner, NOW + timedelta(days=1))
    assert Escalation.objects.get().evidence["logged_days"] == 14  # nothing logged, nothing sent: kept
    evaluate(owner, NOW + timedelta(days=2))
    escalation = Escalation.objects.get()
    assert escalation.sends == 2
    assert escalation.evidence["logged_days"] == 12  # the window on the day of the re-send
    assert "12 of the 14 days up to 29 Nov 2026" in escalation.message


def test_a_worsening_fortnight_opens_persistent_and_worsening(api, owner):
    log_days(api, [2, 2, 3, 2, 3, 2, 2, 5, 6, 5, 6, 6, 7, 6])
    evaluate(owner)
    assert open_reasons(owner) == ["persistent", "worsening"]
    worsening = Escalation.objects.get(reason="worsening")
    assert worsening.evidence["recent_mean"] - worsening.evidence["earlier_mean"] >= 2
    assert "from an average of 2.3 to 5.9 out of 10" in worsening.message  # 16/7 and 41/7, on the scale the user logs
    assert worsening.guidance[0] == "when-to-see-a-clinician"


def test_it_closes_when_the_rule_has_not_held_for_14_days(api, owner):
    log_days(api, [4] * 10)
    # Evaluated daily, as the sweep does: the rule holds until day 4 (10 of 14), then not.
    for day in range(18):
        evaluate(owner, NOW + timedelta(days=day))
    assert open_reasons(owner) == ["persistent"]
    assert Escalation.objects.get().last_held_on == (NOW + timedelta(days=4)).date()
    assert evaluate(owner, NOW + timedelta(days=18)) == {"owner@example.com": ["closed persistent"]}
    closed = Escalation.objects.get()
    assert closed.closed_at is not None and closed.acknowledged_at is None
    assert list(closed.events.values_list("what", flat=True)) == ["opened", "closed"]
    held = closed.last_held_on  # its history writes dates as the patient page does
    assert closed.events.get(what="closed").why == f"The rule has not held since {held.day} {held:%b %Y}."


def test_acknowledging_closes_it_and_the_alert_rests_before_returning(api, owner, settings):
    settings.ACKNOWLEDGED_REST_DAYS = 10
    log_days(api, [4] * 14)
    evaluate(owner)
    with time_machine.travel(NOW, tick=False):
        escalation_acknowledge(escalation=Escalation.objects.get(), now=NOW)
    log_days(api, [4] * 14, now=NOW + timedelta(days=9))
    assert evaluate(owner, NOW + timedelta(days=9)) == {}  # still resting
    assert open_reasons(owner) == []
    assert evaluate(owner, NOW + timedelta(days=10)) == {"owner@example.com": ["opened persistent (see_clinician)"]}
    assert Escalation.objects.count() == 2


def test_an_unacknowledged_visit_alert_is_re_sent_weekly_three_times_at_most(api, owner):
    log_days(api, [4] * 14)
    for week in range(1, 6):
        log_days(api, [4] * 7, now=NOW + timedelta(days=7 * week))
    evaluate(owner)
    for day in range(1, 36):
        evaluate(owner, NOW + timedelta(days=day))
    escalation = Escalation.objects.get()
    assert escalation.sends == 4  # the first alert and 3 re-sends
    assert sorted(set(Notification.objects.values_list("send_number", flat=True))) == [1, 2, 3, 4]
    resent_on = [event.at.date() for event in escalation.events.filter(what="resent")]
    assert resent_on == [(NOW + timedelta(days=d)).date() for d in (7, 14, 21)]


def persistent_info_open(api, owner):
    """Ten days logged, and an info-level persistent escalation already open: the rule's
    see_clinician level is higher."""
    log_days(api, [4] * 10)
    with time_machine.travel(NOW, tick=False):
        return escalation_open(
            user=owner,
            finding=Finding(
                "persistent", EscalationLevel.INFO, {"logged_days": 9, "window_days": 14, "window_end": "2026-11-27"}
            ),
            today=NOW.date(),
            now=NOW,
        )


def test_a_higher_level_opens_a_new_escalation_and_closes_the_old(api, owner):
    lower = persistent_info_open(api, owner)
    evaluate(owner)
    lower.refresh_from_db()
    assert lower.closed_at is not None
    assert list(lower.events.values_list("what", flat=True)) == ["opened", "superseded"]
    assert lower.events.get(what="superseded").why == "Its rule now calls for more: Book a visit."
    assert Escalation.objects.get(closed_at__isnull=True).level == "see_clinician"


def test_an_evaluation_cut_short_leaves_the_old_escalation_open_until_its_successor_opens(api, owner, monkeypatch):
    lower = persistent_info_open(api, owner)

    def opening_fails(**kwargs):
        raise ConnectionError("the worker lost the database while opening")

    monkeypatch.setattr("tracking.evaluation.escalations_alert", opening_fails)
    with pytest.raises(ConnectionError):
        evaluate(owner)
    assert open_reasons(owner) == ["persistent"]  # the user is never left with nothing open
    assert Escalation.objects.get(closed_at__isnull=True) == lower
    monkeypatch.undo()
    evaluate(owner)  # the next evaluation does both
    assert Escalation.objects.get(closed_at__isnull=True).level == "see_clinician"


def test_patterns_are_info_and_send_nothing(api, owner, phone):
    log_days(api, [3] * 5, side="both", radiates_from_back=True)
    evaluate(owner)
    assert open_reasons(owner) == ["bilateral_pattern", "radiating_pattern"]
    assert Notification.objects.count() == 0


def test_patterns_are_sent_to_a_user_who_asked_for_them(api, owner, phone):
    assert api.patch("/api/v1/me/", {"info_alerts": True}, format="json").json()["info_alerts"] is True
    log_days(api, [3] * 5, side="both", radiates_from_back=True)
    evaluate(owner)
    sent = Notification.objects.values_list("escalation__reason", "channel")
    assert sorted(sent) == [
        (reason, channel) for reason in ("bilateral_pattern", "radiating_pattern") for channel in ("email", "push")
    ]
    for pk in Notification.objects.values_list("id", flat=True):
        notification_deliver(pk)
    titles = sorted(f"HeelJournal: {title}" for title in Escalation.objects.values_list("title", flat=True))
    assert sorted(message.subject for message in mail.outbox) == titles


def test_a_red_flag_escalation_closes_14_days_after_the_last_red_flag(api, owner):
    log_days(api, [8], foot_weakness=True)
    assert open_reasons(owner) == ["foot_weakness"]
    assert evaluate(owner, NOW + timedelta(days=13)) == {}
    assert evaluate(owner, NOW + timedelta(days=14)) == {"owner@example.com": ["closed foot_weakness"]}


def test_the_sweep_never_reopens_an_acknowledged_red_flag(api, owner):
    log_days(api, [8], foot_weakness=True)
    escalation_acknowledge(escalation=Escalation.objects.get(), now=NOW)
    evaluate(owner, NOW + timedelta(hours=1))
    assert open_reasons(owner) == []


def test_a_visit_alert_in_quiet_hours_waits_for_their_end(api, owner):
    api.patch("/api/v1/me/", {"quiet_hours_start": "12:00", "quiet_hours_end": "18:00"}, format="json")
    log_days(api, [4] * 10)
    evaluate(owner)  # 13:00 in Paris
    assert Notification.objects.get().not_before == NOW.replace(hour=17)  # 18:00 in Paris


def test_days_are_the_users_own_across_a_daylight_saving_change(api, owner):
    api.patch("/api/v1/me/", {"timezone": "America/New_York"}, format="json")
    # 23:30 in New York every evening from 2026-10-24 to 2026-11-06: the clocks fall back on 11-01.
    with time_machine.travel(datetime(2026, 11, 7, 12, 0, tzinfo=timezone.utc), tick=False):
        for day in range(24, 38):
            local = datetime(2026, 10, 1, 23, 30) + timedelta(days=day - 1)
            offset = "-04:00" if local.date() < datetime(2026, 11, 1).date() else "-05:00"
            body = episode_body(started_at=f"{local.isoformat()}{offset}", severity=4)
            assert api.post("/api/v1/episodes/", body, format="json").status_code == 201
    evaluate(owner, datetime(2026, 11, 7, 12, 0, tzinfo=timezone.utc))
    evidence = Escalation.objects.get(reason="persistent").evidence
    # In UTC these are 14 evenings on 14 later dates; in New York they are 13 days up to the 6th, not 14.
    assert evidence["logged_days"] == 13
    assert evidence["dates"][-1] == "2026-11-06"


def test_the_operator_command_prints_what_it_decided(api, owner, capsys):
    log_days(api, [4] * 10)
    with time_machine.travel(NOW, tick=False):
        call_command("evaluate_trends", "--user", "owner@example.com")
    out = capsys.readouterr().out
    assert "owner@example.com: opened persistent (see_clinician)" in out
    with time_machine.travel(NOW, tick=False):
        call_command("evaluate_trends", "--all")
    assert "escalations changed for 0" in capsys.readouterr().out


def test_a_red_flag_logged_weeks_late_stays_open_until_acknowledged_or_quiet(api, owner):
    with time_machine.travel(NOW, tick=False):
        body = episode_body(started_at=(NOW - timedelta(days=40)).isoformat(), bowel_bladder_change=True)
        escalation = api.post("/api/v1/episodes/", body, format="json").json()["escalation"]
    assert escalation["closed_at"] is None
    assert escalation["evidence"]["started_at"] == "2026-10-18T12:00:00Z"  # UTC as the API writes times
    evaluate(owner)  # the evaluation the episode asked for, seconds later
    assert open_reasons(owner) == ["bowel_bladder"]  # it was told today: it held today
    evaluate(owner, NOW + timedelta(days=14))
    listed = api.get("/api/v1/escalations/").json()["results"]
    assert [(e["reason"], e["acknowledged_at"], e["closed_at"] is not None) for e in listed] == [
        ("bowel_bladder", None, True)  # the app can tell it has ended
    ]
    since = (NOW + timedelta(days=13)).isoformat()
    synced = api.get("/api/v1/episodes/", {"updated_since": since}).json()["results"]
    assert [episode["escalation"]["closed_at"] is not None for episode in synced] == [True]  # and so can its episode


def test_a_re_send_comes_on_the_seventh_local_day_across_a_clock_change(api, owner):
    """Evaluated just after each local midnight: the week of the clock change is an hour short."""
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 3, 15, 0, 3, tzinfo=paris)
    log_days(api, [4] * 14, now=first.astimezone(timezone.utc))
    for day in range(22):
        moment = datetime.combine(first.date() + timedelta(days=day), first.timetz()).astimezone(timezone.utc)
        log_days(api, [4], now=moment)
        evaluate(owner, moment)
    resent = Escalation.objects.get().events.filter(what="resent")
    assert [event.at.astimezone(paris).date().isoformat() for event in resent] == [
        "2026-03-22",
        "2026-03-29",
        "2026-04-05",  # 6 days and 23 hours after the one before: clocks went forward on the 29th
    ]
