"""Trust paths: how long "how am I connected to them?" takes, cold and warm.

On a bench database filled with a generated community (SQLite or PostgreSQL), a fresh
child process takes 200 random pairs of visible members (seeded) and, for each pair,
clears Django's cache and times ``selectors.trust_path(viewer, target)`` (cold: every
neighbourhood comes from the vouch table), then times the same call again (warm: the
path and neighbourhoods are cached under the graph generation). Member objects are read
beforehand, as a view would have them. First, 50 untimed searches between other members
bring the database to the state of a site that is serving requests (its buffers hold
the vouch indexes' upper pages), so that the first timed pairs do not pay for whatever
ran on the machine before; Django's cache is cleared after them.
Reported: p50/p95/mean/max milliseconds cold and warm, pairs connected within four hops,
hops of the paths found, and the mean number of SQL queries of a cold search (counted
with a database execute wrapper). The cache is local memory, or Redis database 12.

    python -m bench.paths --members 100000 --database postgres --cache redis
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter

from .common import REDIS_CACHE_URL, database_url, django_setup, emit, percentile

WARMUP_PAIRS = 50
CACHES = {"locmem": "locmemcache://pledge-bench", "redis": REDIS_CACHE_URL}


def measure(members: int, engine: str, cache_name: str, pairs: int, seed: int) -> dict:
    os.environ["PLEDGE_DATABASE_URL"] = database_url(engine, members)
    os.environ["PLEDGE_CACHE_URL"] = CACHES[cache_name]
    django_setup()
    from django.core.cache import cache
    from django.db import connection

    from vouching import selectors
    from vouching.models import Member

    ids = list(Member.objects.visible().order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    chosen = [tuple(rng.sample(ids, 2)) for _ in range(pairs)]
    warmup = [tuple(random.Random(seed + 1).sample(ids, 2)) for _ in range(WARMUP_PAIRS)]
    people = Member.objects.in_bulk({m for pair in chosen + warmup for m in pair})
    for viewer_id, target_id in warmup:
        selectors.trust_path(viewer=people[viewer_id], target=people[target_id])
    cache.clear()

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    cold, warm, cold_queries, hops = [], [], [], Counter()
    with connection.execute_wrapper(count):
        for viewer_id, target_id in chosen:
            viewer, target = people[viewer_id], people[target_id]
            cache.clear()
            queries = 0
            started = time.perf_counter()
            path = selectors.trust_path(viewer=viewer, target=target)
            cold.append((time.perf_counter() - started) * 1000)
            cold_queries.append(queries)
            started = time.perf_counter()
            again = selectors.trust_path(viewer=viewer, target=target)
            warm.append((time.perf_counter() - started) * 1000)
            assert (path is None) == (again is None)
            hops[len(path.steps) if path else "none"] += 1
    cache.clear()

    def stats(values):
        return {
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "mean_ms": round(sum(values) / len(values), 3),
            "max_ms": round(max(values), 3),
        }

    return {
        "database": connection.vendor,
        "cache": cache_name,
        "members": len(ids),
        "pairs": len(chosen),
        "connected_within_4_hops": sum(v for k, v in hops.items() if k != "none"),
        "hops": {str(k): v for k, v in sorted(hops.items(), key=lambda kv: str(kv[0]))},
        "cold": stats(cold),
        "warm": stats(warm),
        "cold_queries_mean": round(sum(cold_queries) / len(cold_queries), 2),
        "cold_queries_max": max(cold_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.paths")
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--database", choices=("postgres", "sqlite"), required=True)
    parser.add_argument("--cache", choices=tuple(CACHES), default="locmem")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    emit(measure(args.members, args.database, args.cache, args.pairs, args.seed))


if __name__ == "__main__":
    main()
