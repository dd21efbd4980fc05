"""Shared fixtures: an owner, another patient, a clinician; API clients signed in as each."""

import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts import tokens, users

PASSWORD = "a-long-heel-journal-passphrase"
IN_CI = os.environ.get("CI") == "true"


def _tests_keep_their_tasks():
    """Without a broker server the app queues in the checkout's var/broker, where `make run`'s
    worker would later run what the tests queued (evaluations of their user ids, deliveries of
    their alerts' ids) against the development database. Tests queue in memory instead."""
    from heeljournal.celery import app

    if app.conf.broker_url.startswith("filesystem"):
        app.conf.broker_url = "memory://"


_tests_keep_their_tasks()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)  # the cache `make run` uses without Redis


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def uncached_tokens(settings):
    """Query counts are pinned with the token read from the database; tests of the token
    cache turn it on (the `token_cache` fixture)."""
    settings.TOKEN_CACHE_SECONDS = 0


@pytest.fixture
def token_cache(settings):
    settings.TOKEN_CACHE_SECONDS = 300


@pytest.fixture(autouse=True)
def empty_cache(db):
    from django.core.cache import cache

    cache.clear()  # login failure counters must not leak between tests
    yield


def make_user(email, **fields):
    return users.user_register(email=email, password=PASSWORD, **fields)


def client_for(user):
    secret, _token = tokens.token_issue(user=user, device_name="test phone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def owner(db):
    return make_user("owner@example.com", timezone="Europe/Paris")


@pytest.fixture
def other(db):
    return make_user("other@example.com")


@pytest.fixture
def clinician(db):
    from django.contrib.auth.models import Group

    user = make_user("clinician@example.com")
    user.is_staff = True
    user.save()
    group, _ = Group.objects.get_or_create(name="Clinicians")
    user.groups.add(group)
    return user


@pytest.fixture
def api(owner):
    return client_for(owner)


@pytest.fixture
def other_api(other):
    return client_for(other)


@pytest.fixture
def anon():
    return APIClient()


def episode_body(**fields):
    """A valid episode as the phone sends it."""
    return {
        "started_at": "2026-11-24T07:30:00+01:00",
        "side": "left",
        "locations": ["plantar"],
        "sensations": ["numbness"],
        "severity": 4,
        **fields,
    }


def footwear_logged(api, **fields):
    """A pair of shoes the user of `api` logged, as the API answers it."""
    body = {"name": "Boots", "kind": "boot", "arch_support": "low", "cushioning": "low", **fields}
    return api.post("/api/v1/footwear/", body, format="json").json()


@pytest.fixture
def fcm(settings, tmp_path):
    """Push through a fake FCM server on 127.0.0.1, reached over HTTP like the real one."""
    from tests.fakes import FakeFcm
    from tracking import transports

    fake = FakeFcm()
    settings.FCM_CREDENTIALS_FILE = str(fake.service_account(tmp_path / "service-account.json"))
    settings.FCM_PROJECT_ID = "heeljournal-test"
    settings.FCM_ENDPOINT = fake.url
    transports._fcm_credentials.cache_clear()
    yield fake
    transports._fcm_credentials.cache_clear()
    fake.close()


@pytest.fixture
def phone(owner):
    """The owner's registered phone."""
    from accounts.users import device_register

    device, _ = device_register(user=owner, platform="android", token="owner-phone-token")
    return device


@pytest.fixture
def smtp(settings):
    """Mail through a fake SMTP server on 127.0.0.1, over a real connection."""
    from tests.fakes import FakeSmtp

    fake = FakeSmtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", fake.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield fake
    fake.close()


def real_stack_or_skip():
    """Tests of the real stack need PostgreSQL and a Redis broker: CI has them, and there a
    missing service fails the test instead of skipping it."""
    from django.conf import settings
    from django.db import connection

    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        missing.append("Redis (CELERY_BROKER_URL)")
    if missing and IN_CI:
        pytest.fail(f"CI must run the real stack; missing: {', '.join(missing)}")
    if missing:
        pytest.skip(f"needs {', '.join(missing)}; runs in CI")


class WorkerProcess:
    """A real `celery worker` process on the test database and the real broker."""

    def __init__(self, env):
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "heeljournal",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test-{os.getpid()}@%h",
            ],
            env=env,
        )
        self.wait_ready()

    def wait_ready(self, timeout=30):
        import time

        from heeljournal.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the Celery worker exited at start")
            if app.control.ping(timeout=0.5):
                return
        raise RuntimeError("the Celery worker did not answer a ping")

    def kill(self):
        self.process.kill()
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


@pytest.fixture
def worker_env(transactional_db, settings, fcm, smtp):
    """The environment of a worker process that shares this test's database and fakes."""
    from django.db import connection

    from heeljournal.celery import app

    real_stack_or_skip()
    db = connection.settings_dict
    with app.connection_for_write() as conn:
        for queue in app.amqp.queues:
            conn.default_channel.queue_purge(queue)  # nothing left over from earlier tests
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DB_CONN_MAX_AGE": "0",
        "SECRET_KEY": "worker-test",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "FCM_CREDENTIALS_FILE": settings.FCM_CREDENTIALS_FILE,
        "FCM_PROJECT_ID": settings.FCM_PROJECT_ID,
        "FCM_ENDPOINT": settings.FCM_ENDPOINT,
        "TREND_DEBOUNCE_SECONDS": str(settings.TREND_DEBOUNCE_SECONDS),
    }


@pytest.fixture
def worker(worker_env):
    process = WorkerProcess(worker_env)
    yield process
    process.stop()


def wait_for(condition, timeout=30, interval=0.2):
    """Poll until `condition()` is true; the worker runs in another process."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(interval)
    raise AssertionError(f"not true within {timeout} s: {condition.__doc__ or condition}")
