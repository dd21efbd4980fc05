"""kombu's Redis transport, with one Redis client per channel rather than one per message.

kombu makes a new redis-py client for each message it publishes. The client shares the
channel's connection pool, but building it fills a table of some 170 reply parsers: a sixth
of publishing a task (an evaluation queued by a logged episode). A client is safe to share
between threads (each command takes a connection from the pool), so a channel keeps one,
and makes a new one if its pool is replaced.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    _client_of_pool = _client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # a worker's blocking reads keep their own
            return super()._create_client(asynchronous=True)
        if self._client_of_pool is not self.pool:
            self._client, self._client_of_pool = super()._create_client(), self.pool
        return self._client


class Transport(redis.Transport):
    Channel = Channel
