"""Faults on the real stack: Redis stopped or paused, the database connection dropped under a
request, a worker killed mid-sweep, fifty identical retries at once.

Redis faults are made on a Redis of the test's own (same configuration as CI's, another
port), which the test starts and stops by its process id: stopping the shared one would
fail every other suite running on this machine at the time.
"""

import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from accounts.models import AccessToken
from accounts.tokens import token_issue
from heeljournal.cache import FailOpenRedisCache
from heeljournal.celery import app
from tests.conftest import (
    PASSWORD,
    WorkerProcess,
    client_for,
    episode_body,
    make_user,
    real_stack_or_skip,
    wait_for,
)
from tracking import evaluation
from tracking.models import Episode, Escalation, EscalationEvent, Notification, TrendCheck

# A fortnight of numbness, worse in the second week: a persistent and a worsening alert.
FORTNIGHT = [7, 6, 7, 6, 6, 7, 6, 3, 2, 3, 2, 3, 2, 3]
# Slower than this, a request waited on Redis instead of going on without it. Refused, it
# costs ~0.2 s; stalled, one cache timeout (0.5 s) and two publish attempts of 1 s each.
REQUEST_BOUND_SECONDS = 4


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of this test's own, configured as .ci/run configures CI's."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None
        self.start()

    def url(self, db):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command)
        try:
            wait_for(self.answers, timeout=10, interval=0.05)
        except BaseException:
            self.stop()  # never leave a server behind
            raise

    def answers(self):
        """redis-server answers a ping"""
        probe = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return probe.stdout.strip() == "PONG"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def pause(self, milliseconds):
        subprocess.run(["redis-cli", "-p", str(self.port), "CLIENT", "PAUSE", str(milliseconds), "ALL"], check=True)


def use_broker(url):
    """Point this process's Celery app at `url`, dropping its pooled connections."""
    for name in ("broker_url", "broker_read_url", "broker_write_url"):
        app.conf[name] = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(tmp_path):
    real_stack_or_skip()
    server = RedisServer(tmp_path)
    configured = {name: app.conf[name] for name in ("broker_url", "broker_read_url", "broker_write_url")}
    yield server
    server.stop()
    for name, value in configured.items():
        app.conf[name] = value
    use_broker(configured["broker_url"])


def cache_on(settings, url):
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "LOCATION": url}}


@pytest.fixture
def quick(settings):
    settings.TREND_DEBOUNCE_SECONDS = 1
    settings.CACHE_RETRY_AFTER_SECONDS = 0.5


def post_fortnight(api, now):
    """Log the fortnight through the API; returns how long each answer took."""
    durations = []
    for back, severity in enumerate(FORTNIGHT):
        started = (now - timedelta(days=back, minutes=30)).isoformat()
        began = time.monotonic()
        response = api.post("/api/v1/episodes/", episode_body(started_at=started, severity=severity), format="json")
        durations.append(time.monotonic() - began)
        assert response.status_code == 201, response.content
    assert max(durations) < REQUEST_BOUND_SECONDS, durations
    return durations


def bearer(user):
    return f"Bearer {token_issue(user=user)[0]}"


def alerts_sent():
    """a persistent and a worsening alert, each sent by email and push"""
    return Notification.objects.filter(status="sent").count() == 4


# --- Redis away --------------------------------------------------------------------------


@pytest.mark.real_stack
@pytest.mark.parametrize("away", ["cache and broker", "broker"])
def test_with_redis_stopped_episodes_are_accepted_and_the_sweep_alerts_once_it_is_back(
    away, own_redis, settings, quick, token_cache, owner, api, anon, worker_env, phone, fcm, smtp
):
    if away == "cache and broker":
        cache_on(settings, own_redis.url(0))
    use_broker(own_redis.url(1))
    own_redis.stop()
    try:
        post_fortnight(api, timezone.now())
        # Signing in needs the login counters, which live in the cache: they let it through.
        credentials = {"email": owner.email, "password": PASSWORD}
        assert anon.post("/api/v1/auth/token/", credentials, format="json").status_code == 200
        assert anon.post("/api/v1/auth/token/", {**credentials, "password": "wrong"}, format="json").status_code == 401
        assert api.get("/api/v1/episodes/").status_code == 200
    finally:
        own_redis.start()
    assert Episode.objects.filter(user=owner).count() == len(FORTNIGHT)  # none lost
    assert not Escalation.objects.exists()  # the trend tasks were never queued
    worker = WorkerProcess({**worker_env, "CELERY_BROKER_URL": own_redis.url(1), "REDIS_URL": own_redis.url(0)})
    try:
        time.sleep(settings.TREND_DEBOUNCE_SECONDS)  # the user is due once the debounce is over
        app.send_task("tracking.tasks.sweep_trends")
        wait_for(alerts_sent)
        app.send_task("tracking.tasks.sweep_trends")  # a second sweep finds nothing to do
        app.send_task("tracking.tasks.sweep_outbox")
        time.sleep(1)
    finally:
        worker.stop()
    assert sorted(Escalation.objects.values_list("reason", flat=True)) == ["persistent", "worsening"]
    assert len(smtp.messages) == 2 and len(fcm.messages) == 2


@pytest.mark.real_stack
def test_with_redis_paused_requests_wait_a_bounded_time_and_nothing_is_lost(
    transactional_db, own_redis, settings, quick, token_cache, owner, api
):  # transactional: the tasks are published after a real commit
    cache_on(settings, own_redis.url(0))
    use_broker(own_redis.url(1))
    assert api.get("/api/v1/me/").status_code == 200  # connections pooled before the pause
    own_redis.pause(5000)
    try:
        durations = post_fortnight(api, timezone.now())
    finally:
        subprocess.run(["redis-cli", "-p", str(own_redis.port), "CLIENT", "UNPAUSE"], check=True)
    assert durations[0] > 0.4  # the pause was felt, and sat out no longer than the bound
    assert Episode.objects.filter(user=owner).count() == len(FORTNIGHT)
    # The sweep, run here rather than by a worker, evaluates the user whose task may be lost.
    time.sleep(settings.TREND_DEBOUNCE_SECONDS)
    now = timezone.now()
    due = evaluation.due_user_ids(now=now, limit=100)
    assert due == [owner.pk]
    evaluation.users_evaluate(user_ids=due, now=now)
    assert sorted(Escalation.objects.values_list("reason", flat=True)) == ["persistent", "worsening"]


@pytest.mark.real_stack
def test_a_token_revoked_while_redis_is_away_is_not_served_from_the_cache_when_it_returns(
    own_redis, settings, quick, token_cache, owner
):
    cache_on(settings, own_redis.url(0))
    api = client_for(owner)
    assert api.get("/api/v1/me/").status_code == 200  # the token is cached now
    own_redis.pause(1500)  # away, with its data: the cached token survives the outage
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert not AccessToken.objects.filter(user=owner).exists()
    wait_for(own_redis.answers, timeout=5)
    time.sleep(settings.CACHE_RETRY_AFTER_SECONDS)
    assert api.get("/api/v1/me/").status_code == 401


def test_the_cache_fails_open_fast_when_redis_is_unreachable(settings):
    settings.CACHE_RETRY_AFTER_SECONDS = 60
    cache = FailOpenRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    began = time.monotonic()
    assert cache.get("throttle", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("counter", 1) is False
    assert cache.incr("counter") == 1
    cache.set("token", "value")
    cache.delete_many(["token"])
    assert time.monotonic() - began < 1  # one refused connection, then none tried for a while


# --- The database connection dropped -------------------------------------------------------


def another_session(**options):
    """A database session of its own, beside Django's."""
    db = connection.settings_dict
    credentials = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"] or None}
    return psycopg.connect(dbname=db["NAME"], **credentials, **options)


def terminate_backend(pid):
    """End one database session from another, as a failover or an administrator would."""
    with another_session(autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


@pytest.mark.real_stack
def test_a_connection_dropped_mid_request_is_a_clean_503_and_nothing_is_half_written(
    transactional_db, owner, api, fcm, phone, monkeypatch
):
    real_stack_or_skip()
    from tracking import records

    raise_red_flags = records.red_flags_raise

    def dropped_after_the_insert(*, episode, now):
        terminate_backend(connection.connection.info.backend_pid)  # this request's own session
        return raise_red_flags(episode=episode, now=now)

    monkeypatch.setattr(records, "red_flags_raise", dropped_after_the_insert)
    body = episode_body(id=str(uuid.uuid4()), foot_weakness=True, notes="a note")
    response = api.post("/api/v1/episodes/", body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The service is briefly unavailable; nothing was saved. Please retry."}
    connection.close()  # the test client keeps its connection across requests; a server would not
    assert not Episode.with_tombstones.exists()
    assert not Escalation.objects.exists() and not Notification.objects.exists() and not TrendCheck.objects.exists()
    assert fcm.messages == []
    monkeypatch.undo()
    retried = api.post("/api/v1/episodes/", body, format="json")  # the phone retries the same create
    assert retried.status_code == 201
    assert retried.json()["escalation"]["reason"] == "foot_weakness"
    assert len(fcm.messages) == 1


@pytest.mark.real_stack
def test_a_connection_that_died_between_requests_is_replaced_at_the_next_one(transactional_db, owner):
    """Through the real WSGI handler, whose health check runs at the start of each request."""
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.test import Client

    real_stack_or_skip()
    secret = bearer(owner)
    server = Client(WSGIHandler())
    assert server.get("/api/v1/episodes/", headers={"Authorization": secret}).status_code == 200
    terminate_backend(connection.connection.info.backend_pid)
    assert server.get("/api/v1/episodes/", headers={"Authorization": secret}).status_code == 200


# --- A worker killed mid-sweep ---------------------------------------------------------------


def locked_table(table):
    """Hold an exclusive lock on `table` from another session until closed."""
    holder = another_session()
    holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return holder


def waiting_on(table, holder):
    """a session other than the lock holder waits for the lock on the table"""
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass AND pid <> pg_backend_pid()",
            [table],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.real_stack
def test_a_worker_killed_mid_sweep_leaves_the_work_to_the_next_sweep_and_nothing_twice(
    own_redis, settings, quick, owner, api, worker_env, phone, fcm, smtp
):
    lease = 3
    settings.TREND_CLAIM_LEASE_SECONDS = lease
    use_broker(own_redis.url(1))
    env = {**worker_env, "CELERY_BROKER_URL": own_redis.url(1), "TREND_CLAIM_LEASE_SECONDS": str(lease)}
    post_fortnight(api, timezone.now())  # no worker yet: the debounced tasks wait in the queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")  # ...and are lost, as in a broker outage
    time.sleep(settings.TREND_DEBOUNCE_SECONDS)

    holder = locked_table(Escalation._meta.db_table)  # the evaluation will block on it
    try:
        doomed = WorkerProcess(env)
        try:
            app.send_task("tracking.tasks.sweep_trends")
            wait_for(lambda: waiting_on(Escalation._meta.db_table, holder))
        finally:
            doomed.process.send_signal(signal.SIGKILL)  # mid-sweep, or on the way out of a failure
            doomed.process.wait(10)
    finally:
        holder.close()
    leased_until = TrendCheck.objects.get(user=owner).due_at
    assert leased_until > timezone.now()  # claimed by the dead sweep: nobody else takes it yet
    assert evaluation.due_user_ids(now=timezone.now(), limit=100) == []
    assert not Escalation.objects.exists()

    time.sleep((leased_until - timezone.now()).total_seconds() + 0.1)
    worker = WorkerProcess(env)
    try:
        app.send_task("tracking.tasks.sweep_trends")
        wait_for(alerts_sent)
        # The lost batch itself comes back (Redis re-delivers it after its visibility timeout).
        evaluated = TrendCheck.objects.get(user=owner).evaluated_at
        app.send_task("tracking.tasks.evaluate_trend_batch", args=[[owner.pk]])
        wait_for(lambda: TrendCheck.objects.get(user=owner).evaluated_at > evaluated)
        app.send_task("tracking.tasks.sweep_outbox")
        time.sleep(1)
    finally:
        worker.stop()
    assert sorted(Escalation.objects.values_list("reason", flat=True)) == ["persistent", "worsening"]
    assert Notification.objects.count() == 4
    assert len(smtp.messages) == 2 and sorted(fcm.tokens()) == ["owner-phone-token"] * 2


# --- Fifty identical retries at once ---------------------------------------------------------


class Gunicorn:
    """The production server, on this test's database: 4 processes of 16 threads."""

    def __init__(self, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "heeljournal.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += "--workers 4 --threads 16 --log-level warning".split()
        self.process = subprocess.Popen(command, env=env)
        try:
            wait_for(self.answers, timeout=30)
        except BaseException:
            self.stop()  # never leave a server behind
            raise

    def answers(self):
        """gunicorn answers"""
        if self.process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            return requests.get(f"{self.url}/api/v1/health/", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or its workers still starting
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


@pytest.mark.real_stack
def test_fifty_identical_retries_at_once_make_one_record_and_one_answer(worker_env, owner, fcm, phone):
    server = Gunicorn(worker_env)
    secret = bearer(owner)
    body = episode_body(id=str(uuid.uuid4()), started_at=timezone.now().isoformat(), foot_weakness=True)
    start = threading.Barrier(50)

    def post(_):
        with requests.Session() as session:
            start.wait()
            response = session.post(
                f"{server.url}/api/v1/episodes/", json=body, headers={"Authorization": secret}, timeout=30
            )
            return response.status_code, response.json()

    try:
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(post, range(50)))
    finally:
        server.stop()
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 49 + [201]
    assert all(answer == answers[0][1] for _, answer in answers)
    assert Episode.objects.count() == 1
    assert Escalation.objects.count() == 1  # the red flag escalated once
    assert len(fcm.messages) == 1  # and the phone was told once


def at_once(*calls):
    """Each call in a thread of its own, all released together; their answers, in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def api_call(server, method, path, secret, body=None):
    """A request for at_once to send: it answers the status code."""

    def send():
        response = requests.request(
            method, f"{server.url}/api/v1/{path}", json=body, headers={"Authorization": secret}, timeout=30
        )
        return response.status_code

    return send


@pytest.mark.real_stack
def test_requests_that_cross_lose_no_edit_revive_no_deletion_and_erase_the_account_whole(worker_env, owner, other):
    """Each pair is sent at once, many times over (a phone replaying its queue while another syncs)."""
    server = Gunicorn(worker_env)
    mine, theirs = bearer(owner), bearer(other)
    call = partial(api_call, server)
    try:
        for _ in range(15):
            episode = requests.post(
                f"{server.url}/api/v1/episodes/",
                json=episode_body(severity=1, notes="orig"),
                headers={"Authorization": mine},
                timeout=30,
            ).json()["id"]
            path = f"episodes/{episode}/"
            assert at_once(
                call("PATCH", path, mine, {"severity": 9}), call("PATCH", path, mine, {"notes": "edited"})
            ) == [200, 200]
            stored = Episode.objects.get(pk=episode)
            assert (stored.severity, stored.notes) == (9, "edited")  # neither edit lost
            deleted, edited = at_once(call("DELETE", path, mine), call("PATCH", path, mine, {"severity": 8}))
            assert deleted == 204 and edited in (200, 404)
            assert Episode.with_tombstones.get(pk=episode).deleted_at is not None  # and it stays deleted
            again = requests.post(
                f"{server.url}/api/v1/episodes/", json=episode_body(), headers={"Authorization": mine}, timeout=30
            ).json()["id"]
            twice = at_once(call("DELETE", f"episodes/{again}/", mine), call("DELETE", f"episodes/{again}/", mine))
            assert sorted(twice) == [204, 404]  # deleted once, and the other phone told so
        erased = []
        for number in range(5):
            leaving = make_user(f"leaving-{number}@example.com") if number else other
            secret = theirs if not number else bearer(leaving)
            logged, _weak = (
                requests.post(
                    f"{server.url}/api/v1/episodes/", json=body, headers={"Authorization": secret}, timeout=30
                ).json()["id"]
                for body in (episode_body(), episode_body(foot_weakness=True))  # its alert open, to be joined
            )
            answers = at_once(
                call("DELETE", "me/", secret),
                call("POST", "episodes/", secret, episode_body()),
                call("PATCH", "me/", secret, {"reminder_time": "08:00"}),
                call("PATCH", f"episodes/{logged}/", secret, {"foot_weakness": True, "severity": 9}),
                call("POST", "episodes/", secret, episode_body(foot_weakness=True)),
            )
            erased.append((leaving, answers))
    finally:
        server.stop()
    for leaving, (erasure, created, preferences, edit, weak_again) in erased:
        # A request that crossed the erasure was answered before it (200, 201), refused after it
        # (401, 404), or, the loser of a deadlock with it, asked to retry (503): never a 500.
        assert erasure == 204
        assert created in (201, 401, 503) and preferences in (200, 401, 503) and edit in (200, 401, 404, 503)
        assert weak_again in (201, 401, 503)
        assert not type(leaving).objects.filter(email=leaving.email).exists()  # erased, and not written back
        assert not Episode.with_tombstones.filter(user_id=leaving.pk).exists()


@pytest.mark.real_stack
def test_a_red_flag_logged_as_its_alert_is_acknowledged_is_told_all_the_same(worker_env, owner, fcm, phone):
    """One phone acknowledges the emergency as another logs it again, many times over: the new
    episode joined the alert before it was acknowledged, or opened a new one and was sent."""
    server = Gunicorn(worker_env)
    secret = bearer(owner)
    call = partial(api_call, server)
    told_late = []
    try:
        for _ in range(15):
            Escalation.objects.filter(closed_at=None).update(closed_at=timezone.now())  # a fresh start
            first = requests.post(
                f"{server.url}/api/v1/episodes/",
                json=episode_body(bowel_bladder_change=True),
                headers={"Authorization": secret},
                timeout=30,
            ).json()
            alert = first["escalation"]["id"]
            assert at_once(
                call("POST", f"escalations/{alert}/acknowledge/", secret),
                call("POST", "episodes/", secret, episode_body(bowel_bladder_change=True)),
            ) == [200, 201]
            again = Episode.objects.exclude(pk=first["id"]).latest("created_at")
            if str(again.escalation_id) == alert:  # joined: it must have been open then
                events = dict(EscalationEvent.objects.filter(escalation_id=alert).values_list("what", "pk"))
                if events["told again"] > events["acknowledged"]:
                    told_late.append(again.pk)
            else:
                assert Notification.objects.filter(escalation_id=again.escalation_id).count() == 2  # email, push
    finally:
        server.stop()
    assert told_late == []  # none joined an alert already acknowledged, and so never told


@pytest.mark.real_stack
def test_a_time_zone_change_and_episodes_logged_at_once_all_succeed(worker_env, owner):
    """A traveller's phone sets the new zone as the other logs: neither waits on the other in a
    deadlock (a 503 to retry), and each episode is kept."""
    server = Gunicorn(worker_env)
    secret = bearer(owner)
    call = partial(api_call, server)
    try:
        for zone in ["Asia/Tokyo", "America/New_York"] * 5:
            logging = [call("POST", "episodes/", secret, episode_body()) for _ in range(3)]
            assert at_once(call("PATCH", "me/", secret, {"timezone": zone}), *logging) == [200, 201, 201, 201]
    finally:
        server.stop()
    assert Episode.objects.filter(user=owner).count() == 30
