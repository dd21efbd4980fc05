"""Django's PostgreSQL backend, reading times with psycopg's C parser, and checking a
connection's health without a round trip.

Django registers a time loader of its own, in Python, to give each value the connection's
time zone. Our connections are in UTC, where psycopg's C loader already gives UTC-aware
times, and Django's took most of reading a page of 50 episodes: 0.93 CPU ms, now 0.27 ms
with this loader, which hands each value to the C one.
"""

import select
from datetime import UTC
from functools import lru_cache

from django.db.backends.postgresql import base
from psycopg import Error as DatabaseError
from psycopg import adapt, adapters, pq
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ = types["timestamptz"].oid
_fast_timestamptz = adapters.get_loader(TIMESTAMPTZ, Format.TEXT)  # the C class with psycopg[binary]


class UtcTimestamptzLoader(adapt.Loader):
    timezone = UTC  # what Django's cursors compare with their own time zone

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        # psycopg calls `loader.load` for each value: this makes it the C loader's own.
        self.load = _fast_timestamptz(oid, context).load

    def load(self, data):  # replaced per instance; here because psycopg's Loader requires it
        raise NotImplementedError


@lru_cache
def _adapters(template):
    fast = adapt.AdaptersMap(template)
    fast.register_loader(TIMESTAMPTZ, UtcTimestamptzLoader)
    return fast


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if self.timezone is UTC and "context" in params:
            params["context"] = _adapters(params["context"])
        return params

    def is_usable(self):
        """Whether an idle session is alive, without Django's `SELECT 1` (a round trip at the
        start of every request: a twentieth of a list's CPU time, and as much again on the
        server). The server has nothing to say to an idle session: one it ended (a restart, a
        failover, pg_terminate_backend) has closed the socket or left its last words there,
        so a readable socket is a dead session. (A notice the server sends unasked, after a
        configuration reload, costs a reconnection.) A peer that vanished without a word is
        found by TCP keepalives (settings.py), as it would have kept SELECT 1 waiting."""
        if self.connection is None or self.connection.closed:
            return False
        pgconn = self.connection.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()  # mid-transaction (after an error): ask the server
        try:
            poller = select.poll()  # select.select cannot watch a descriptor past 1023
            poller.register(pgconn.socket, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError, DatabaseError):
            return False
