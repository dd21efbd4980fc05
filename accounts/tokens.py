"""Bearer tokens: issued per device, stored as digests, alive while in use."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from accounts.models import AccessToken, User

# Writing last_used_at on every request would double the cost of a read; once an hour
# keeps the sliding expiry accurate to the hour.
TOUCH_INTERVAL = timedelta(hours=1)


def token_digest(secret):
    # The secret is 256 random bits, so a fast digest is as safe as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_issue(*, user, device_name=""):
    """A new token for one device: the secret is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(user=user, digest=token_digest(secret), device_name=device_name)
    # Each token has a request rate of its own, so their number bounds what one account can
    # ask of the API: past MAX_TOKENS_PER_USER, the least recently used are signed out.
    live = AccessToken.objects.filter(user=user).order_by("-last_used_at", "-pk").values_list("pk", flat=True)
    AccessToken.objects.filter(pk__in=list(live[settings.MAX_TOKENS_PER_USER :])).delete()
    return secret, token


def _cache_key(digest):
    return f"token:v2:{digest}"  # v2: the columns below, where v1 held pickled model objects


# What the cache keeps of a token and its user: their columns as plain values, which come back
# as objects in a tenth of the time pickled models took, but the password digest, which has
# no business in a cache (the user object defers it).
TOKEN_COLUMNS = [field.attname for field in AccessToken._meta.concrete_fields]
USER_COLUMNS = [field.attname for field in User._meta.concrete_fields if field.attname != "password"]


def token_authenticate(secret, *, counter=None):
    """The live token for `secret` with its user, or None; pushes the expiry out.

    The lookup is the cost of every request, so the token with its user is kept in the
    shared cache (Redis) for TOKEN_CACHE_SECONDS; deleting a token, or saving its user,
    drops the cached copy at once (accounts/signals.py), so revocation stays immediate.
    `counter(digest)` names a request counter (heeljournal/throttling.py) counted in the
    same round trip; the token carries the count as `uses_this_window`.
    """
    digest = token_digest(secret)
    token, uses = None, None
    if settings.TOKEN_CACHE_SECONDS:
        token, uses = _cached(digest, counter(digest) if counter else None)
    if token is None:
        token = AccessToken.objects.select_related("user").filter(digest=digest, user__is_active=True).first()
        if token is None:
            return None
        _remember(token)
    now = timezone.now()
    if token.expiry <= now:
        return None
    if now - token.last_used_at >= TOUCH_INTERVAL:
        if not AccessToken.objects.filter(pk=token.pk).update(last_used_at=now):
            return None  # revoked while this request ran, maybe from a copy read before
        token.last_used_at = now
        # Dropped, not re-cached: this copy may predate a change that has committed since
        # (and dropped it); the next request reads the row as it now stands.
        tokens_forget_cached(digests=[token.digest])
    token.uses_this_window = uses
    return token


def _cached(digest, counter):
    get_and_count = getattr(cache, "get_and_count", None)  # Redis (heeljournal/cache.py)
    if get_and_count is None:
        value, uses = cache.get(_cache_key(digest)), None
    else:
        value, uses = get_and_count(_cache_key(digest), counter)
    return (None if value is None else _revived(value)), uses


def _remember(token):
    if settings.TOKEN_CACHE_SECONDS:
        value = ([getattr(token, name) for name in TOKEN_COLUMNS], [getattr(token.user, name) for name in USER_COLUMNS])
        cache.set(_cache_key(token.digest), value, settings.TOKEN_CACHE_SECONDS)


def _revived(value):
    token_values, user_values = value
    token = AccessToken.from_db(DEFAULT_DB_ALIAS, TOKEN_COLUMNS, token_values)
    token.user = User.from_db(DEFAULT_DB_ALIAS, USER_COLUMNS, user_values)
    return token


def tokens_forget_cached(*, digests):
    """Drop cached copies now, and again once the change commits: a request that read the
    row meanwhile, as it stood before the change, would otherwise cache it again (an old time
    zone, a revoked token) for TOKEN_CACHE_SECONDS."""
    if settings.TOKEN_CACHE_SECONDS and digests:
        keys = [_cache_key(digest) for digest in digests]
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def token_revoke(*, token):
    AccessToken.objects.filter(pk=token.pk).delete()


def tokens_revoke_all(*, user):
    AccessToken.objects.filter(user=user).delete()


def tokens_purge_expired():
    """Drop tokens past their idle expiry (the periodic clean-up)."""
    cutoff = timezone.now() - timedelta(days=settings.TOKEN_IDLE_DAYS)
    return AccessToken.objects.filter(last_used_at__lt=cutoff).delete()[0]
