"""Shared fixtures: an owner, another patient, a clinician; API clients signed in as each."""

import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts import tokens, users

PASSWORD = "a-long-heel-journal-passphrase"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)  # the cache `make run` uses without Redis


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
