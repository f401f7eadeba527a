"""The cache as Pledge uses it: an optimisation, never a dependency.

Django's ``RedisCache`` raises when Redis is down or does not answer, and with the cache
on the broker's Redis an outage would turn every cached page into an error. Here Redis
unreachable reads as a miss and a write is dropped: pages compute what they would have
read, and what the cache counts (allauth's rate limits) starts again from nothing. After
a failure the process leaves Redis alone for ``retry_after`` seconds (so a Redis that
accepts connections but never answers costs one socket timeout per interval, not one per
call), and says so in the log once per ``LOG_EVERY`` seconds.

It also keeps one Redis client per connection pool. Django's client makes a new
``redis.Redis`` for every cache call, and each one builds its table of some 170 response
callbacks: a page makes a dozen cache calls, and that was about a tenth of its CPU time.
A ``redis.Redis`` is safe to share between threads (its connection pool hands out the
connections), so each pool's client is made once.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY = 60.0  # seconds between two log lines about the same outage


class CacheOutage:
    """Process-wide: whether Redis failed recently, and when the log last said so."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.until = 0.0
        self.logged_at: float | None = None

    def active(self) -> bool:
        return time.monotonic() < self.until

    def begin(self, error: Exception, *, retry_after: float) -> None:
        now = time.monotonic()
        with self._lock:
            self.until = now + retry_after
            if self.logged_at is not None and now - self.logged_at < LOG_EVERY:
                return
            self.logged_at = now
        logger.warning("Cache unreachable (%s): serving pages without it.", error)


OUTAGE = CacheOutage()


class ReusedClients(RedisCacheClient):
    """Django's Redis client, making one ``redis.Redis`` per connection pool."""

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        if index not in clients:
            clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return clients[index]


class ResilientRedisCacheClient(ReusedClients):
    def __init__(self, servers, *, retry_after: float = 5.0, **options):
        super().__init__(servers, **options)
        self.retry_after = retry_after

    def _or_miss(self, miss, call, *args):
        if OUTAGE.active():
            return miss
        try:
            return call(*args)
        except UNREACHABLE as error:
            OUTAGE.begin(error, retry_after=self.retry_after)
            return miss

    def add(self, key, value, timeout):
        # As on a miss, adding succeeds: allauth's rate limits take a lock with ``add``
        # and would otherwise refuse every sign-in while Redis is away.
        return self._or_miss(True, super().add, key, value, timeout)

    def get(self, key, default):
        return self._or_miss(default, super().get, key, default)

    def set(self, key, value, timeout):
        return self._or_miss(None, super().set, key, value, timeout)

    def touch(self, key, timeout):
        return self._or_miss(False, super().touch, key, timeout)

    def delete(self, key):
        return self._or_miss(False, super().delete, key)

    def get_many(self, keys):
        return self._or_miss({}, super().get_many, keys)

    def has_key(self, key):
        return self._or_miss(False, super().has_key, key)

    def incr(self, key, delta):
        value = self._or_miss(None, super().incr, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")  # what a missing key raises
        return value

    def set_many(self, data, timeout):
        return self._or_miss(list(data), super().set_many, data, timeout)

    def delete_many(self, keys):
        return self._or_miss(None, super().delete_many, keys)

    def clear(self):
        return self._or_miss(False, super().clear)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that degrades to a miss while Redis is unreachable.

    ``OPTIONS`` take ``retry_after`` (seconds) besides the connection pool's own options;
    give it short ``socket_connect_timeout`` and ``socket_timeout`` too.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
