"""The periodic sweep: due users in leased batches, a few queries a batch, safe to run twice."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.users import user_register
from heeljournal.dates import day_words
from tests.conftest import PASSWORD, real_stack_or_skip
from tracking import evaluation, records, tasks
from tracking.evaluation import due_user_ids, users_evaluate
from tracking.models import Episode, Escalation, EscalationEvent, Notification, TrendCheck
from tracking.schedule import next_local_midnight


def logged_episode(user, started_at, **figures):
    return Episode(
        user=user,
        started_at=started_at,
        local_date=started_at.date(),
        side="left",
        locations=["plantar"],
        sensations=["numbness"],
        **{"severity": 4, **figures},
    )


def population(count, *, logged_days=10, name="user"):
    """Users with `logged_days` days of numbness each, written in bulk, all due."""
    now = timezone.now()
    users = [user_register(email=f"{name}{n}@example.com", password=PASSWORD) for n in range(count)]
    episodes = [logged_episode(user, now - timedelta(days=day)) for user in users for day in range(logged_days)]
    Episode.objects.bulk_create(episodes)
    TrendCheck.objects.bulk_create([TrendCheck(user=user, due_at=now) for user in users])
    return users


@pytest.mark.django_db
def test_a_batch_is_read_with_the_same_few_queries_for_5_or_50_users(django_assert_max_num_queries):
    small, large = population(5, logged_days=3, name="small"), population(50, logged_days=3, name="large")
    counts = []
    for users in (small, large):
        with django_assert_max_num_queries(10) as captured:
            users_evaluate(user_ids=[user.pk for user in users])
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_sweep_claims_due_users_once(settings):
    population(7, logged_days=1)
    now = timezone.now()
    first, second = due_user_ids(now=now, limit=5), due_user_ids(now=now, limit=5)
    assert len(first) == 5 and len(second) == 2
    assert not set(first) & set(second)
    assert due_user_ids(now=now, limit=5) == []


@pytest.mark.real_stack
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_claiming_at_once_take_different_users():
    real_stack_or_skip()
    population(7, logged_days=1)
    now, claimed, first_claimed, second_started = timezone.now(), {}, threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():  # its claim not yet committed when the second sweep reads
                claimed["first"] = due_user_ids(now=now, limit=5)
                first_claimed.set()
                second_started.wait(5)
                time.sleep(0.3)
        finally:
            connection.close()

    def second():
        try:
            first_claimed.wait(5)
            second_started.set()
            claimed["second"] = due_user_ids(now=now, limit=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed["first"]) == 5
    assert sorted(claimed["first"] + claimed["second"]) == sorted(TrendCheck.objects.values_list("user_id", flat=True))


@pytest.mark.django_db
def test_evaluated_users_are_next_due_at_their_local_midnight():
    """In one batch, users of several zones each come due at their own midnight."""
    users = population(3)
    for user, zone in zip(users, ["Asia/Tokyo", "Europe/Paris", "America/Denver"], strict=True):
        user.timezone = zone
        user.save()
    now = timezone.now()
    users_evaluate(user_ids=[user.pk for user in users], now=now)
    checks = {check.user_id: check for check in TrendCheck.objects.all()}
    midnights = [next_local_midnight(now, zone=user.zone) for user in users]
    assert [checks[user.pk].due_at for user in users] == midnights and len(set(midnights)) == 3
    assert {check.evaluated_at for check in checks.values()} == {now}


@pytest.mark.django_db
def test_a_batch_dates_each_user_by_their_own_zone():
    """Users a day apart (UTC+14 and UTC-11), in one batch: each rule holds on the user's own date."""
    users = population(2)
    for user, zone in zip(users, ["Pacific/Kiritimati", "Pacific/Pago_Pago"], strict=True):
        user.timezone = zone
        user.save()
        records.local_dates_recompute(user=user)
    now = timezone.now()
    users_evaluate(user_ids=[user.pk for user in users], now=now)
    held_on = dict(Escalation.objects.filter(reason="persistent").values_list("user_id", "last_held_on"))
    assert [held_on[user.pk] for user in users] == [user.local_date(now) for user in users]
    assert users[0].local_date(now) != users[1].local_date(now)


@pytest.mark.django_db
def test_a_batch_larger_than_one_statement_holds_records_every_evaluation_and_escalation(monkeypatch):
    # SQLite: statements of 3 evaluations, or a single escalation or alert, at most
    monkeypatch.setattr("heeljournal.bulk.SQLITE_MAX_VALUES", 6)
    users = population(7)
    now = timezone.now()
    users_evaluate(user_ids=[user.pk for user in users], now=now)
    users_evaluate(user_ids=[user.pk for user in users], now=now + timedelta(days=1))  # all 7 rules hold a day later
    assert TrendCheck.objects.filter(evaluated_at=now + timedelta(days=1)).count() == 7
    held_on = set(Escalation.objects.filter(reason="persistent").values_list("last_held_on", flat=True))
    assert held_on == {(now + timedelta(days=1)).date()} and Escalation.objects.filter(reason="persistent").count() == 7


@pytest.mark.django_db
def test_a_quiet_user_is_not_evaluated_again_until_they_log():
    quiet = user_register(email="quiet@example.com", password=PASSWORD)
    TrendCheck.objects.create(user=quiet, due_at=timezone.now())
    users_evaluate(user_ids=[quiet.pk])
    assert TrendCheck.objects.get(user=quiet).due_at is None


@pytest.mark.real_stack
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_open_each_escalation_once():
    real_stack_or_skip()
    users = population(30)
    ids = [user.pk for user in users]
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            users_evaluate(user_ids=ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Escalation.objects.filter(reason="persistent").count() == 30
    assert Notification.objects.filter(channel="email").count() == 30


@pytest.mark.real_stack
@pytest.mark.django_db(transaction=True)
def test_an_episode_that_commits_after_the_evaluation_read_the_log_keeps_its_user_due():
    """Logged (its time taken) before the evaluation began, committed after it read the log:
    the evaluation did not see it, so its record must not put the user off to midnight."""
    real_stack_or_skip()
    (user,) = population(1)
    before = TrendCheck.objects.get(user=user)
    logged, committed = threading.Event(), threading.Event()
    episode_due = {}

    def phone():
        try:
            with transaction.atomic():
                started = timezone.now() - timedelta(hours=1)
                data = {"started_at": started, "side": "left", "severity": 3}
                records.episode_log(user=user, data={**data, "locations": ["plantar"], "sensations": ["numbness"]})
                episode_due["at"] = TrendCheck.objects.get(user=user).due_at
                logged.set()
                time.sleep(1)  # the evaluation reads the log meanwhile, then waits for this row
            committed.set()
        finally:
            connection.close()

    thread = threading.Thread(target=phone)
    thread.start()
    logged.wait(5)
    users_evaluate(user_ids=[user.pk])
    thread.join()
    assert committed.is_set()
    after = TrendCheck.objects.get(user=user)
    assert after.due_at == episode_due["at"]  # its own evaluation, seconds on, will see it
    assert (after.evaluated_at, after.evaluated_log_version) == (before.evaluated_at, before.evaluated_log_version)


@pytest.mark.django_db
def test_a_change_committed_after_the_evaluation_read_the_log_is_evaluated_soon_though_timed_before(monkeypatch):
    """The user was due within seconds (a debounced evaluation pending), so the change left the
    due time alone; timed before the evaluation, it committed after its read of the log. The
    evaluation did not see it: its record must not put the user off to midnight, and the next
    evaluation must take the alert's figures anew."""
    (user,) = population(1)
    pending = timezone.now() + timedelta(seconds=3)
    TrendCheck.objects.filter(user=user).update(due_at=pending)
    read_the_log = evaluation.rule_windows

    def a_change_commits_after_the_read(**kwargs):
        windows = read_the_log(**kwargs)
        data = {"started_at": timezone.now() - timedelta(days=12), "side": "left", "severity": 3}
        records.episode_log(user=user, data={**data, "locations": ["plantar"], "sensations": ["numbness"]})
        return windows

    monkeypatch.setattr(evaluation, "rule_windows", a_change_commits_after_the_read)
    users_evaluate(user_ids=[user.pk], now=timezone.now() + timedelta(seconds=1))
    monkeypatch.undo()
    assert Escalation.objects.get(reason="persistent").evidence["logged_days"] == 10  # what it read
    assert TrendCheck.objects.get(user=user).due_at == pending  # not midnight
    users_evaluate(user_ids=[user.pk], now=timezone.now() + timedelta(seconds=4))
    assert Escalation.objects.get(reason="persistent").evidence["logged_days"] == 11


@pytest.mark.django_db
def test_the_sweep_task_fans_out_every_due_user(settings, monkeypatch):
    settings.TREND_SWEEP_BATCH_SIZE = 4
    population(10, logged_days=10)
    from heeljournal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the batches run here, in order
    tasks.sweep_trends()
    assert Escalation.objects.filter(reason="persistent").count() == 10


@pytest.mark.real_stack
@pytest.mark.django_db
def test_sweep_batches_wait_in_their_own_queue_not_before_a_users_evaluation():
    real_stack_or_skip()
    from heeljournal.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in ("celery", "sweep"):
            channel.queue_purge(queue)
        tasks.evaluate_trend_batch.delay([1, 2, 3])
        tasks.evaluate_user_trends.delay(1)
        sizes = {queue: channel.queue_declare(queue, passive=True).message_count for queue in ("celery", "sweep")}
        for queue in ("celery", "sweep"):
            channel.queue_purge(queue)
    assert sizes == {"celery": 1, "sweep": 1}


@pytest.mark.django_db
def test_a_batch_opens_its_escalations_with_the_same_few_queries_for_5_or_50_users(django_assert_max_num_queries):
    small, large = population(5, name="small"), population(50, name="large")
    counts = []
    for users in (small, large):
        with django_assert_max_num_queries(20) as captured:
            report = users_evaluate(user_ids=[user.pk for user in users])
        counts.append(len(captured))
        assert list(report.values()) == [["opened persistent (see_clinician)"]] * len(users)
    assert counts[0] == counts[1]
    assert Escalation.objects.filter(reason="persistent", sends=1).count() == 55
    assert Notification.objects.filter(channel="email", send_number=1).count() == 55
    events = EscalationEvent.objects.values_list("what", "from_state", "to_state", "why", "escalation__last_held_on")
    assert len(events) == 55
    for what, before, after, why, held_on in events:  # as the clinician reads it in the escalation's history
        assert (what, before, after, why) == ("opened", "", "open", f"Its rule held on {day_words(held_on)}.")


@pytest.mark.django_db
def test_a_batch_caps_a_users_visit_alerts_in_the_order_the_rules_come(settings):
    """Three visit alerts at once with a cap of two: the first two reasons get theirs, as
    when they were opened one after another."""
    settings.MAX_VISIT_ALERTS_PER_DAY = 2
    (user,) = population(1, logged_days=0)
    now = timezone.now()
    Episode.objects.bulk_create(
        logged_episode(user, now - timedelta(days=day), severity=2 if day >= 7 else 7, pain=1 if day >= 7 else 6)
        for day in range(14)
    )
    users_evaluate(user_ids=[user.pk], now=now)
    assert set(Escalation.objects.values_list("reason", "sends")) == {
        ("persistent", 1),
        ("worsening", 1),
        ("increasing_pain", 1),
    }
    alerted = set(Notification.objects.filter(channel="email").values_list("escalation__reason", flat=True))
    assert alerted == {"persistent", "worsening"}


@pytest.mark.django_db
def test_a_batch_resends_its_weekly_reminders_with_the_same_few_queries_for_2_or_10_users(
    settings, django_assert_max_num_queries
):
    small, large = population(2, name="small"), population(10, name="large")
    users_evaluate(user_ids=[user.pk for user in small + large])  # opens one alert each
    a_week_ago = timezone.now() - timedelta(days=settings.RESEND_EVERY_DAYS, minutes=1)
    Escalation.objects.update(last_sent_at=a_week_ago)  # sent, and never acknowledged
    counts = []
    for users in (small, large):
        with django_assert_max_num_queries(60) as captured:
            report = users_evaluate(user_ids=[user.pk for user in users])
        assert list(report.values()) == [["re-sent persistent"]] * len(users)
        # Each re-send is claimed on its own (savepoint, update, event, release); the rest,
        # the user included, is read once for the batch.
        counts.append(len(captured) - 4 * len(users))
    assert counts[0] == counts[1]
    assert Escalation.objects.filter(sends=2).count() == 12
    assert Notification.objects.filter(channel="email", send_number=2).count() == 12


@pytest.mark.django_db
def test_checks_evaluated_before_the_log_was_counted_start_as_evaluated_unless_the_log_changed_since():
    from importlib import import_module

    from django.db.migrations.executor import MigrationExecutor

    migration = import_module("tracking.migrations.0013_trend_check_log_version")
    unchanged, changed, never = population(3)
    now = timezone.now()
    TrendCheck.objects.update(evaluated_at=now, log_version=0, evaluated_log_version=None)  # as 0013 found them
    TrendCheck.objects.filter(user=never).update(evaluated_at=None)
    Episode.objects.filter(user=changed).update(updated_at=now + timedelta(seconds=1))
    state = MigrationExecutor(connection).loader.project_state(("tracking", "0013_trend_check_log_version"))
    migration.count_from_zero(state.apps, None)
    evaluated = dict(TrendCheck.objects.values_list("user_id", "evaluated_log_version"))
    assert evaluated == {unchanged.pk: 0, changed.pk: None, never.pk: None}


@pytest.mark.django_db
def test_a_user_who_never_logged_is_evaluated_with_everyone_and_their_first_episode_counts():
    """`evaluate_trends --all` reaches users with no trend check yet: their first record."""
    from django.core.management import call_command

    never = user_register(email="never@example.com", password=PASSWORD)
    (logged,) = population(1)
    call_command("evaluate_trends", "--all")
    assert Escalation.objects.filter(user=logged, reason="persistent").exists()
    check = TrendCheck.objects.get(user=never)
    assert (check.log_version, check.evaluated_log_version, check.due_at) == (0, 0, None)  # nothing to watch
    data = {"started_at": timezone.now(), "side": "left", "severity": 3}
    records.episode_log(user=never, data={**data, "locations": ["plantar"], "sensations": ["numbness"]})
    check = TrendCheck.objects.get(user=never)
    assert check.log_version == 1 and check.due_at is not None


def evaluated_across_a_zone_change(monkeypatch, *, after_the_checks_are_read):
    """A user evaluated at their midnight, their time zone changed (it re-dates the log and
    counts on the check) as that evaluation starts: before it reads the checks, or after.
    Returns the moment and the check as the evaluation left it."""
    from accounts.models import User
    from accounts.users import user_update

    (user,) = population(1)
    now = timezone.now()
    users_evaluate(user_ids=[user.pk], now=now)
    TrendCheck.objects.filter(user=user).update(due_at=now)  # its midnight has come
    read_the_checks = evaluation._checks_read

    def zone_change():
        user_update(user=User.objects.get(pk=user.pk), data={"timezone": "Pacific/Kiritimati"})

    def with_the_zone_change(user_ids):
        if not after_the_checks_are_read:
            zone_change()
        as_read = read_the_checks(user_ids)
        if after_the_checks_are_read:
            zone_change()
        return as_read

    monkeypatch.setattr(evaluation, "_checks_read", with_the_zone_change)
    users_evaluate(user_ids=[user.pk], now=now)
    return now, TrendCheck.objects.get(user=user)


@pytest.mark.django_db
def test_a_time_zone_change_committed_as_an_evaluation_starts_is_evaluated_in_the_new_zone(monkeypatch):
    """The evaluation must date the log by the zone of the count it records."""
    from zoneinfo import ZoneInfo

    now, check = evaluated_across_a_zone_change(monkeypatch, after_the_checks_are_read=False)
    assert check.evaluated_log_version == check.log_version
    assert check.due_at == next_local_midnight(now, zone=ZoneInfo("Pacific/Kiritimati"))


@pytest.mark.django_db
def test_a_time_zone_change_committed_after_the_checks_were_read_is_evaluated_again_soon(monkeypatch, settings):
    """The evaluation may have dated the log by either zone: it records nothing, and the
    change's own evaluation follows seconds on."""
    _, check = evaluated_across_a_zone_change(monkeypatch, after_the_checks_are_read=True)
    assert check.evaluated_log_version != check.log_version  # the next evaluation takes the figures anew
    assert check.due_at <= timezone.now() + timedelta(seconds=settings.TREND_DEBOUNCE_SECONDS)


@pytest.mark.django_db
def test_an_edit_of_the_notes_alone_asks_for_no_evaluation_where_a_figure_does():
    (user,) = population(1)
    now = timezone.now()
    users_evaluate(user_ids=[user.pk], now=now)
    before = TrendCheck.objects.get(user=user)
    episode = Episode.objects.filter(user=user).latest("started_at")
    records.episode_update(episode=episode, data={"notes": "after a long walk"})
    after = TrendCheck.objects.get(user=user)
    assert (after.log_version, after.due_at) == (before.log_version, before.due_at)
    records.episode_update(episode=episode, data={"severity": 8})
    after = TrendCheck.objects.get(user=user)
    assert after.log_version == before.log_version + 1 and after.due_at < before.due_at
