from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from accounts.models import AccessToken, User, email_canonical
from tests.conftest import PASSWORD, make_user
from tracking.models import Episode

pytestmark = pytest.mark.django_db


def register(anon, **body):
    return anon.post(
        "/api/v1/auth/register/", {"email": "new@example.com", "password": PASSWORD, **body}, format="json"
    )


def sign_in(anon, email="owner@example.com", password=PASSWORD, **extra):
    return anon.post("/api/v1/auth/token/", {"email": email, "password": password, **extra}, format="json")


def test_it_registers_with_a_time_zone(anon):
    response = register(anon, timezone="Asia/Tokyo")
    assert response.status_code == 201
    assert set(response.json()) == {"id", "email", "timezone"}
    assert response.json()["timezone"] == "Asia/Tokyo"


def test_it_defaults_the_time_zone_to_utc(anon):
    assert register(anon).json()["timezone"] == "UTC"


@pytest.mark.parametrize("email", ["owner@example.com", "Owner@Example.com", "owner@\uff45xample.com"])  # full-width e
def test_it_rejects_a_taken_email_in_any_case_in_the_same_words(anon, owner, email):
    response = register(anon, email=email)
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}


def test_an_address_signs_in_however_its_letters_are_written(anon):
    assert register(anon, email="Ana@\uff25xample.com").json()["email"] == "ana@example.com"  # a full-width E
    assert sign_in(anon, email="ana@\uff45xample.com").status_code == 200
    assert sign_in(anon, email="ANA@EXAMPLE.COM").status_code == 200


def test_an_account_the_admin_adds_signs_in_however_its_address_is_written(admin_client, client):
    from django.contrib.auth import get_user_model

    added = admin_client.post(
        "/admin/accounts/user/add/", {"email": "Doctor@Clinic.example", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert added.status_code == 302
    assert get_user_model().objects.filter(email="doctor@clinic.example").exists()
    assert client.login(email="DOCTOR@clinic.example", password=PASSWORD)  # as the admin's sign-in form does


def test_an_address_too_long_once_canonical_is_a_400(anon):
    email = "a@" + ".".join(["b" * 50] * 3) + "." + "\u3392" * 33 + ".com"  # each \u3392 becomes "mhz"
    assert len(email) <= 254 < len(email_canonical(email))
    response = register(anon, email=email)
    assert response.status_code == 400 and "email" in response.json()  # not the database's error: a 500


def test_addresses_stored_before_are_made_canonical_and_sign_in(anon):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0004_emails_canonical")
    added, twin = make_user("added@example.com"), make_user("twin@example.com")
    make_user("ana@example.com")
    User.objects.filter(pk=added.pk).update(email="Doctor@Clinic.example")  # as the admin stored it
    User.objects.filter(pk=twin.pk).update(email="ANA@example.com")  # a second account, possible before
    migration.emails_canonical(apps, schema_editor=None)
    assert User.objects.get(pk=added.pk).email == "doctor@clinic.example"
    assert sign_in(anon, email="Doctor@Clinic.example").status_code == 200
    assert User.objects.get(pk=twin.pk).email == "ANA@example.com"  # left to merge by hand


def test_two_sign_ups_at_once_with_one_email_make_one_account_and_a_400(anon, monkeypatch):
    from accounts.serializers import RegisterSerializer

    assert register(anon, email="twice@example.com").status_code == 201
    # The second passed its check before the first was saved (a double tap): the database decides.
    monkeypatch.setattr(RegisterSerializer, "validate_email", lambda self, value: value.lower())
    response = register(anon, email="twice@example.com")
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234"])
def test_it_rejects_a_weak_password(anon, password):
    response = register(anon, password=password)
    assert response.status_code == 400
    assert "password" in response.json()


def test_it_rejects_an_unknown_time_zone(anon):
    response = register(anon, timezone="Mars/Olympus")
    assert response.status_code == 400
    assert "timezone" in response.json()


def test_a_token_opens_the_api(anon, owner):
    response = sign_in(anon, device_name="Pixel")
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert anon.get("/api/v1/me/").json()["email"] == "owner@example.com"


def test_the_token_is_stored_only_as_a_digest(anon, owner):
    secret = sign_in(anon).json()["token"]
    stored = AccessToken.objects.get(device_name="")
    assert secret not in stored.digest
    assert not AccessToken.objects.filter(digest=secret).exists()


def test_bad_credentials_answer_401(anon, owner):
    assert sign_in(anon, password="wrong password").status_code == 401
    assert sign_in(anon, email="nobody@example.com").status_code == 401


def test_no_token_answers_401(anon):
    assert anon.get("/api/v1/episodes/").status_code == 401
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert anon.get("/api/v1/episodes/").status_code == 401


@override_settings(LOGIN_FAILURES_PER_EMAIL=3)
def test_failed_sign_ins_for_one_email_are_throttled_with_retry_after(anon, owner):
    for _ in range(3):
        assert sign_in(anon, password="wrong password").status_code == 401
    response = sign_in(anon)  # even the right password waits
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert response.json() == {"detail": "Too many failed sign-in attempts: try again in 15 min."}
    assert sign_in(anon, email="other@example.com", password="x").status_code == 401  # others are not blocked


@override_settings(LOGIN_FAILURES_PER_EMAIL=3)
def test_the_admins_sign_in_counts_failures_with_the_apis(anon, client):
    """A clinician's or superuser's password opens many journals: the admin's form took guesses without end."""
    staff("doctor@example.com")

    def admin_sign_in(password):
        return client.post("/admin/login/", {"username": "Doctor@example.com", "password": password})

    wrong = admin_sign_in("wrong password")
    assert wrong.status_code == 200 and "The password is case-sensitive." in wrong.text  # the address is not
    assert sign_in(anon, email="doctor@example.com", password="wrong").status_code == 401
    assert admin_sign_in("wrong password").status_code == 200
    refused = admin_sign_in(PASSWORD)  # the right password waits too
    assert refused.status_code == 200 and "Too many failed sign-in attempts: try again in 15 min." in refused.text
    assert sign_in(anon, email="doctor@example.com").status_code == 429
    assert client.get("/admin/").status_code == 302  # still signed out


@override_settings(LOGIN_FAILURES_PER_EMAIL=2)
def test_the_admins_sign_in_clears_its_count_when_it_succeeds_and_only_then(client):
    staff("doctor@example.com")

    def admin_sign_in(password):
        return client.post("/admin/login/", {"username": "doctor@example.com", "password": password})

    for password in ("wrong password", PASSWORD, "wrong password", PASSWORD):
        response = admin_sign_in(password)
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
    client.logout()
    for password in ("wrong password", "", "wrong password"):  # an empty password signs no one in
        admin_sign_in(password)
    assert "Too many failed sign-in attempts" in admin_sign_in(PASSWORD).text


def staff(email):
    user = make_user(email)
    user.is_staff = True
    user.save()
    return user


@override_settings(LOGIN_FAILURES_PER_ADDRESS=4, LOGIN_FAILURES_PER_EMAIL=100)
def test_failed_sign_ins_from_one_address_are_throttled(anon, owner):
    for n in range(4):
        sign_in(anon, email=f"guess{n}@example.com", password="x")
    assert sign_in(anon).status_code == 429


@override_settings(LOGIN_FAILURES_PER_EMAIL=2)
def test_the_throttle_lifts_when_its_window_ends(anon, owner):
    sign_in(anon, password="wrong password")
    sign_in(anon, password="wrong password")
    assert sign_in(anon).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        from django.core.cache import cache

        cache.clear()  # the cache's own expiry does not follow the travelled clock
        assert sign_in(anon).status_code == 200


def test_logout_kills_only_the_token_used(anon, owner):
    first, second = sign_in(anon).json()["token"], sign_in(anon).json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert anon.post("/api/v1/auth/logout/").status_code == 204
    assert anon.get("/api/v1/me/").status_code == 401
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    assert anon.get("/api/v1/me/").status_code == 200


def test_signing_in_on_one_device_too_many_signs_out_the_least_recently_used(anon, owner, settings):
    settings.MAX_TOKENS_PER_USER = 3
    oldest, *others = [sign_in(anon).json()["token"] for _ in range(3)]
    with time_machine.travel(timezone.now() + timedelta(hours=2)):  # use is noted hourly
        anon.credentials(HTTP_AUTHORIZATION=f"Bearer {oldest}")
        assert anon.get("/api/v1/me/").status_code == 200  # still in use: no longer the least recent
        newest = sign_in(anon).json()["token"]
    answers = {}
    for token in [oldest, *others, newest]:
        anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        answers[token] = anon.get("/api/v1/me/").status_code
    assert list(answers.values()).count(401) == 1 and answers[others[0]] == 401


def test_logout_all_kills_every_token_of_the_user(anon, owner, other_api):
    first, second = sign_in(anon).json()["token"], sign_in(anon).json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert anon.post("/api/v1/auth/logout-all/").status_code == 204
    for token in (first, second):
        anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert anon.get("/api/v1/me/").status_code == 401
    assert other_api.get("/api/v1/me/").status_code == 200


def test_a_token_expires_after_disuse_and_use_keeps_it_alive(anon, owner):
    token = sign_in(anon).json()["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    start = timezone.now()
    for day in (20, 40):  # each use within 30 days pushes the end out
        with time_machine.travel(start + timedelta(days=day)):
            assert anon.get("/api/v1/me/").status_code == 200
    with time_machine.travel(start + timedelta(days=71)):
        assert anon.get("/api/v1/me/").status_code == 401


def test_a_deactivated_user_is_signed_out(api, owner):
    owner.is_active = False
    owner.save()
    assert api.get("/api/v1/me/").status_code == 401


def test_malformed_json_is_a_400(anon):
    response = anon.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/episodes/"])
def test_json_nested_past_the_recursion_limit_is_a_400_not_a_crash(anon, api, path):
    body = "[" * 30_000 + "]" * 30_000  # 60 KB, under the body limit
    client = anon if "auth" in path else api
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert Episode.objects.count() == 0


def test_make_user_helper_uses_the_real_registration(db):
    user = make_user("helper@example.com")
    assert user.check_password(PASSWORD)


def test_registrations_from_one_address_are_throttled(anon, monkeypatch):
    from accounts.views import RegisterThrottle

    monkeypatch.setattr(RegisterThrottle, "THROTTLE_RATES", {"register": "2/hour"})  # read once, at import
    assert register(anon, email="a@example.com").status_code == 201
    assert register(anon, email="b@example.com").status_code == 201
    response = register(anon, email="c@example.com")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
