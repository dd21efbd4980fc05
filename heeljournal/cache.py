"""The shared cache on Redis, failing open.

The cache speeds things up and counts (request throttles, failed sign-ins, cached tokens);
none of it is worth a failed request. While Redis is away a read is a miss and a write is
skipped: throttles and login counters let requests through, tokens are read from the
database. A process that found Redis away leaves it alone for CACHE_RETRY_AFTER_SECONDS, so
an outage costs one socket timeout per process and window, not one per call.

A deletion that could not be made is owed: a revoked token must not come back from the
cache with Redis. The process makes it before its next call once Redis answers again.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

log = logging.getLogger(__name__)

# What "Redis is away" looks like: refused, timed out, or a replica during a failover.
UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.ReadOnlyError)
MAX_OWED_DELETES = 10_000  # bounded memory through a long outage

# KEYS[1] a cached value; if it is there, one more on KEYS[2], a counter that lives ARGV[1]
# seconds from its first count (a miss counts nothing: made-up keys leave nothing behind).
GET_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
if not value then return {false, false} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {value, count}
"""


class _Outage:
    """One process's view of one Redis: away until when, and the deletions it still owes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.away_until = 0.0
        self.owed_deletes = set()


_outages = {}  # by LOCATION, shared by the threads of a process


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django makes a new redis.Redis for every call; with redis-py 8 making one costs more than
    the round trip itself (measured: 0.1 to 0.5 ms against 0.06 ms). One per pool is enough:
    a client is only a handle on its thread-safe pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._outage = _outages.setdefault(str(server), _Outage())
        self._get_and_count = None  # the script, registered on first use

    def _call(self, operation, fallback, owed_keys=()):
        outage = self._outage
        if time.monotonic() < outage.away_until:
            self._owe(owed_keys)
            return fallback
        try:
            if outage.owed_deletes:
                self._settle()
            return operation()
        except UNAVAILABLE as error:
            outage.away_until = time.monotonic() + settings.CACHE_RETRY_AFTER_SECONDS
            log.warning("cache unavailable, going on without it: %s", type(error).__name__)
            self._owe(owed_keys)
            return fallback

    def _owe(self, keys):
        owed = self._outage.owed_deletes
        if keys and len(owed) < MAX_OWED_DELETES:
            owed.update(keys)

    def _settle(self):
        with self._outage.lock:
            keys = list(self._outage.owed_deletes)
            if keys:
                self._cache.delete_many(keys)
                self._outage.owed_deletes.difference_update(keys)
                log.info("cache back: %d deletions made that were owed", len(keys))

    def _keys(self, keys, version):
        return [self.make_and_validate_key(key, version=version) for key in keys]

    def get(self, key, default=None, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False)

    def count(self, key, timeout, version=None):
        """Add one to a counter that lives `timeout` seconds from its first count, and return it:
        one round trip (Django's incr makes two and fails on a missing key)."""
        key = self.make_and_validate_key(key, version=version)

        def counted():
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
            return pipeline.incr(key).expire(key, timeout, nx=True).execute()[0]

        return self._call(counted, 1)

    def get_and_count(self, key, counter=None, version=None):
        """A cached value and, when there is one and `counter` = (key, timeout), the count that
        `count` would return, in one round trip: (value or None, count or None). One script
        call costs redis-py less than a pipeline of the same commands."""
        if counter is None:
            return self.get(key, version=version), None
        key = self.make_and_validate_key(key, version=version)
        counter_key, timeout = self.make_and_validate_key(counter[0], version=version), counter[1]

        def read():
            client = self._cache.get_client(key, write=True)
            if self._get_and_count is None:
                self._get_and_count = client.register_script(GET_AND_COUNT)
            value, count = self._get_and_count(keys=[key, counter_key], args=[timeout], client=client)
            return (None if value is None else self._cache._serializer.loads(value)), count

        return self._call(read, (None, 1))

    def incr(self, key, delta=1, version=None):
        return self._call(lambda: super(FailOpenRedisCache, self).incr(key, delta, version), delta)

    def delete(self, key, version=None):
        owed = self._keys([key], version)
        return self._call(lambda: super(FailOpenRedisCache, self).delete(key, version), False, owed)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        owed = self._keys(keys, version)
        return self._call(lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None, owed)

    def clear(self):
        return self._call(lambda: super(FailOpenRedisCache, self).clear(), False)
