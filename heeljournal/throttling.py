"""The request rate of each signed-in device, counted in the round trip that reads its token.

Every API request reads its bearer token from Redis; the same script call adds one to the
device's counter for the current window (accounts/tokens.py), so the cap costs no round
trip of its own (a token read from the database is counted on its own). A fixed window may
let through up to twice the rate for a moment at its edge, which is fine for a cap against
a runaway or abusive client. The cap is per device (per token) rather than per user: one
phone stuck in a loop does not lock the user's other phone out; MAX_TOKENS_PER_USER bounds
what one account can ask for.
"""

import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


class DeviceRateThrottle(SimpleRateThrottle):
    scope = "device"

    def counter(self, digest):
        """The Redis key counting this token's requests in the current window, and its life."""
        return f"throttle:device:{digest}:{int(time.time() // self.duration)}", self.duration

    def allow_request(self, request, view):
        token = request.auth
        if self.rate is None or token is None:
            return True  # sign-in and registration have throttles of their own
        uses = getattr(token, "uses_this_window", None)
        if uses is None:  # read from the database, not the cache: count now
            uses = cache.count(*self.counter(token.digest))
        return uses <= self.num_requests

    def wait(self):
        return self.duration - time.time() % self.duration


def device_counter(digest):
    """The counter that reading a token adds one to, or None when no rate is set."""
    throttle = DeviceRateThrottle()
    return throttle.counter(digest) if throttle.rate else None
