"""Bearer tokens: issued per device, stored as digests, alive while in use."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import AccessToken

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
    return secret, token


def token_authenticate(secret):
    """The live token for `secret` with its user, or None; pushes the expiry out."""
    token = (
        AccessToken.objects.select_related("user")
        .filter(digest=token_digest(secret), user__is_active=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expiry <= now:
        return None
    if now - token.last_used_at >= TOUCH_INTERVAL:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token):
    AccessToken.objects.filter(pk=token.pk).delete()


def tokens_revoke_all(*, user):
    AccessToken.objects.filter(user=user).delete()


def tokens_purge_expired():
    """Drop tokens past their idle expiry (the periodic clean-up)."""
    cutoff = timezone.now() - timedelta(days=settings.TOKEN_IDLE_DAYS)
    return AccessToken.objects.filter(last_used_at__lt=cutoff).delete()[0]
