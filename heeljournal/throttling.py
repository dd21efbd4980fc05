"""The per-user request rate, counted with one Redis round trip a request.

DRF's UserRateThrottle keeps the time of every request in the window as a list that each
request reads and writes whole: at 600 a minute, the largest thing a request touched. A
fixed window counts the same limit in one round trip; at a window's edge it may let through
up to twice the rate for a moment, which is fine for a cap against abuse.
"""

import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


class UserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # sign-in and registration have throttles of their own
        return f"throttle:user:{request.user.pk}:{int(time.time() // self.duration)}"

    def allow_request(self, request, view):
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return True
        return cache.count(key, timeout=self.duration) <= self.num_requests  # Redis only (settings)

    def wait(self):
        return self.duration - time.time() % self.duration
