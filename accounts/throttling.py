"""Failed sign-ins counted per email and per client address, in the shared cache.

A window opens at the first failure and lasts LOGIN_FAILURE_WINDOW_SECONDS; past the
limit, sign-in answers 429 until the window ends.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


def client_address(request):
    """The address failures are counted by, as DRF's throttles tell it (NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def _counters(email, address):
    email_key = hashlib.sha256(email.encode()).hexdigest()  # no emails in the cache; callers pass email_canonical's
    return [
        (f"login-fail:email:{email_key}", settings.LOGIN_FAILURES_PER_EMAIL),
        (f"login-fail:addr:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_retry_after(*, email, address):
    """Seconds until sign-in may be tried again; 0 when it may be tried now."""
    counters = _counters(email, address)
    values = cache.get_many([key for key, _ in counters] + [f"{key}:since" for key, _ in counters])
    now = time.time()
    waits = [0]
    for key, limit in counters:
        if values.get(key, 0) >= limit:
            since = values.get(f"{key}:since", now)
            waits.append(max(1, math.ceil(since + settings.LOGIN_FAILURE_WINDOW_SECONDS - now)))
    return max(waits)


def retry_words(wait):
    """A sign-in refused for `wait` seconds, as the API and the admin say it: in minutes."""
    return f"Too many failed sign-in attempts: try again in {math.ceil(wait / 60)} min."


def login_failed(*, email, address):
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _limit in _counters(email, address):
        cache.add(f"{key}:since", time.time(), timeout=window)
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)


def login_succeeded(*, email):
    key, _limit = _counters(email, "")[0]
    cache.delete_many([key, f"{key}:since"])
