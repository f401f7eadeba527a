"""The Redis cache makes one client per connection pool, not one per cache call."""

from matchmaking.cache import ResilientRedisCache
from tests.test_configuration import run


def test_one_client_per_connection_pool():
    backend = ResilientRedisCache("redis://127.0.0.1:6379/0", {})  # clients connect only when used
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b") is client
    assert backend._cache.get_client("c", write=True) is client  # a single server: one pool


def test_a_redis_cache_url_uses_it(tmp_path):
    show = (
        "import django; django.setup(); from django.core.cache import caches; "
        "print(type(caches['default']).__module__)"
    )
    done = run(["-c", show], tmp_path, PLEDGE_CACHE_URL="redis://127.0.0.1:6379/0")
    assert done.stdout.strip() == "matchmaking.cache", done.stderr
    done = run(["-c", show], tmp_path)
    assert done.stdout.strip() == "django.core.cache.backends.locmem", done.stderr
