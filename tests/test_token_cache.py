"""With the token cache on (production, on Redis), a warm token costs no query and
revocation still takes effect at once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_api(owner, token_cache):
    client = client_for(owner)
    assert client.get("/api/v1/me/").status_code == 200  # warms the cache
    return client


def test_a_warm_token_costs_no_query(cached_api, django_assert_num_queries, settings):
    from django.db import connection

    if "DatabaseCache" in settings.CACHES["default"]["BACKEND"]:
        expected = 1  # the cache itself is a query here; on Redis it is none
    else:
        expected = 0
    with django_assert_num_queries(expected, connection=connection):
        assert cached_api.get("/api/v1/me/").status_code == 200


def test_logout_is_immediate_with_the_cache(cached_api):
    assert cached_api.post("/api/v1/auth/logout/").status_code == 204
    assert cached_api.get("/api/v1/me/").status_code == 401


def test_logout_all_is_immediate_with_the_cache(cached_api, owner):
    second = client_for(owner)
    second.get("/api/v1/me/")
    assert cached_api.post("/api/v1/auth/logout-all/").status_code == 204
    assert cached_api.get("/api/v1/me/").status_code == 401
    assert second.get("/api/v1/me/").status_code == 401


def test_a_profile_change_is_seen_by_the_next_request(cached_api):
    cached_api.patch("/api/v1/me/", {"timezone": "Asia/Tokyo"}, format="json")
    assert cached_api.get("/api/v1/me/").json()["timezone"] == "Asia/Tokyo"


def test_a_deactivated_or_erased_account_is_signed_out_at_once(cached_api, owner, anon):
    owner.is_active = False
    owner.save()
    assert cached_api.get("/api/v1/me/").status_code == 401
    owner.is_active = True
    owner.save()
    token = anon.post("/api/v1/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json").json()[
        "token"
    ]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    anon.get("/api/v1/me/")
    assert anon.delete("/api/v1/me/").status_code == 204
    assert anon.get("/api/v1/me/").status_code == 401


def test_each_request_is_counted_with_its_token_read_and_made_up_tokens_leave_nothing(owner, anon, token_cache):
    from django.core.cache import cache

    from tests.conftest import real_stack_or_skip

    real_stack_or_skip()  # the count lives in Redis
    redis = cache._cache.get_client(write=True)
    api = client_for(owner)
    with time_machine.travel(timezone.now().replace(second=0), tick=False):  # one rate window
        for _ in range(4):  # the first reads the token from the database, the others from Redis
            assert api.get("/api/v1/me/").status_code == 200
        anon.credentials(HTTP_AUTHORIZATION="Bearer made-up-secret-of-a-stranger")
        for _ in range(5):
            assert anon.get("/api/v1/me/").status_code == 401
    (counter,) = redis.scan_iter("*throttle:device:*")
    assert int(redis.get(counter)) == 4


def test_the_cache_keeps_no_password_digest_and_the_user_reads_as_stored(cached_api, owner):
    import pickle

    from django.core.cache import cache

    from accounts.tokens import TOKEN_COLUMNS, _cache_key

    (token,) = owner.access_tokens.all()
    kept = cache.get(_cache_key(token.digest))
    assert kept is not None and owner.password.encode() not in pickle.dumps(kept)
    assert len(kept[0]) == len(TOKEN_COLUMNS)
    me = cached_api.get("/api/v1/me/").json()  # answered from the cached copy
    assert (me["email"], me["timezone"]) == (owner.email, owner.timezone)


def test_a_copy_cached_by_a_request_that_crossed_a_change_is_dropped_when_it_commits(
    cached_api, owner, django_capture_on_commit_callbacks
):
    """Another request read the account before the change committed, and cached it as it was."""
    from accounts import tokens
    from accounts.models import AccessToken
    from accounts.users import user_update

    as_read_before = AccessToken.objects.select_related("user").get(user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        user_update(user=owner, data={"timezone": "Asia/Tokyo"})
        tokens._remember(as_read_before)  # what that request does on its way out
    assert cached_api.get("/api/v1/me/").json()["timezone"] == "Asia/Tokyo"


@pytest.fixture
def stale_copy(owner, monkeypatch):
    """A request that read the token's cached copy before a change and reaches its touch (an
    hour since the last) after the change committed: call the answer to serve it that copy."""
    from accounts import tokens

    (token,) = owner.access_tokens.all()
    held, original = tokens._cached(token.digest, None), tokens._cached
    assert held[0] is not None

    def serve_once():
        answers = iter([held])
        monkeypatch.setattr(tokens, "_cached", lambda digest, counter: next(answers, None) or original(digest, counter))

    return serve_once


def test_a_token_revoked_while_a_request_held_its_copy_stays_revoked(cached_api, stale_copy):
    assert cached_api.post("/api/v1/auth/logout-all/").status_code == 204
    stale_copy()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert cached_api.get("/api/v1/me/").status_code == 401  # the request that held the copy
        assert cached_api.get("/api/v1/me/").status_code == 401


def test_a_touch_does_not_cache_a_copy_read_before_a_profile_change(cached_api, owner, stale_copy):
    from accounts.users import user_update

    user_update(user=owner, data={"timezone": "Asia/Tokyo"})
    stale_copy()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert cached_api.get("/api/v1/me/").json()["timezone"] != "Asia/Tokyo"  # the copy it held
        assert cached_api.get("/api/v1/me/").json()["timezone"] == "Asia/Tokyo"
