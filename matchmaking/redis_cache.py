"""Django's Redis cache, with one Redis client per connection pool.

Django's client makes a new ``redis.Redis`` for every cache call, and each one builds its
table of some 170 response callbacks: a page makes a dozen cache calls, and that was
about a tenth of its CPU time. A ``redis.Redis`` is safe to share between threads (its
connection pool hands out the connections), so each pool's client is made once.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClients(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        if index not in clients:
            clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return clients[index]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
