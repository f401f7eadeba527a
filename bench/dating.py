"""Browse and profile pages at scale: server time through Django's full request stack.

    .venv/bin/python -m bench.dating --members 100000 [--pairs 200]

It copies the populated bench database of that size (``python -m bench.populate``) into a
database of its own, gives four in five members a dating profile (genders, wishes, ages
and cities drawn like a real city's), computes trust, and then, for random vouched members
with a profile, times GET /browse/ and GET /people/<id>/ of a profile they may see, with
the trust caches cold (cleared before each request) and warm (the same request again), on
the local-memory cache and on Redis. Server time is the wall time of Django's handler
(middleware, view, template), measured in-process with the test client; the network and
the browser are not in it.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from .common import (
    DB_PREFIX,
    POSTGRES_ADMIN_URL,
    REDIS_CACHE_URL,
    UNLIMITED_STATEMENTS,
    child_env,
    database_url,
    emit,
    log,
    percentile,
    size_label,
    target,
    use_env,
)

CITIES = [
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan", "Xi'an",
    "Nanjing", "Tianjin", "Suzhou", "Chongqing", "Qingdao", "Xiamen", "Kunming", "Dalian",
]  # fmt: skip
# Bigger cities hold more members (Zipf-like weights).
CITY_WEIGHTS = [1 / (rank + 1) for rank in range(len(CITIES))]
PROFILE_SHARE = 0.8
TARGET_P95_MS = 150
WARM_UP_REQUESTS = 20


def copy_database(members: int) -> str:
    """A private copy of the populated bench database, so browsing data stays out of it."""
    import psycopg

    source = database_url("postgres", members).rsplit("/", 1)[1]
    name = f"{DB_PREFIX}_dating_{size_label(members)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [source],
            )
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return database_url("postgres", members).rsplit("/", 1)[0] + "/" + name


def add_profiles(seed: int = 3) -> int:
    """Dating profiles for four in five members, in bulk; returns how many were made."""
    from django.utils import timezone

    from matchmaking.models import Profile, city_key
    from vouching.models import Member

    if Profile.objects.exists():
        return Profile.objects.count()
    rng = random.Random(seed)
    today = timezone.localdate()
    ids = list(Member.objects.filter(is_founder=False).values_list("pk", flat=True))
    rows = []
    for member_id in ids:
        if rng.random() > PROFILE_SHARE:
            continue
        gender = rng.choices(["woman", "man", "nonbinary"], weights=[48, 48, 4])[0]
        if gender == "nonbinary":
            seeking = {"woman", "man", "nonbinary"}
        elif rng.random() < 0.06:
            seeking = {gender}
        else:
            seeking = {"man" if gender == "woman" else "woman"}
        age = rng.randint(20, 55)
        city = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
        rows.append(
            Profile(
                member_id=member_id,
                birth_date=today.replace(year=today.year - age, day=min(today.day, 28)),
                gender=gender,
                seeks_woman="woman" in seeking,
                seeks_man="man" in seeking,
                seeks_nonbinary="nonbinary" in seeking,
                age_min=max(18, age - rng.randint(3, 10)),
                age_max=min(99, age + rng.randint(3, 10)),
                city=city,
                city_key=city_key(city),
                reach=rng.choice(["2", "3", "3", "all", "all"]),
                hide_from_connections=rng.random() < 0.05,
                bio="Generated for a benchmark.",
            )
        )
    Profile.objects.bulk_create(rows, batch_size=5_000)
    return len(rows)


def settle_database() -> None:
    """What autovacuum does for a live site: planner statistics, and a visibility map so
    that the covering vouch indexes answer without touching the table. A freshly bulk
    loaded copy has neither, and its plans would say more about the load than the site."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def prepare(members: int, cache_url: str | None) -> int:
    """The dating copy of the bench database of this size, up to date, with profiles and
    trust, and Django set up on it; how many profiles it holds."""
    url = copy_database(members)
    os.environ["PLEDGE_DATABASE_URL"] = url
    os.environ.update(UNLIMITED_STATEMENTS)
    if cache_url:
        os.environ["PLEDGE_CACHE_URL"] = cache_url
    from .common import django_setup

    django_setup()
    from django.core.management import call_command

    from vouching import services as vouching_services
    from vouching.models import TrustScore

    from .populate import add_missing_schema

    call_command("migrate", verbosity=0)
    add_missing_schema()  # the copy may predate migrations still being written
    # As deployed: hashed static files, served by whitenoise.
    call_command("collectstatic", interactive=False, verbosity=0)
    made = add_profiles()
    if not TrustScore.objects.exists():
        vouching_services.trust_graph_changed()
        vouching_services.trust_recalculate(force=True)
    settle_database()
    return made


def measure(members: int, pairs: int, cache_url: str | None, seed: int) -> dict:
    made = prepare(members, cache_url)
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from matchmaking import selectors
    from matchmaking.models import Profile

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(seed)
    # The same viewers on every run of a seed, so that runs compare.
    candidates = list(
        Profile.objects.filter(member__trust__vouched=True, is_dating=True)
        .values_list("member_id", flat=True)
        .order_by("member_id")
    )
    viewers = rng.sample(candidates, min(len(candidates), pairs * 2))
    from vouching.models import Member

    timings = {"browse_cold": [], "browse_warm": [], "profile_cold": [], "profile_warm": []}
    queries = {"browse_cold": [], "profile_cold": []}
    shown = []
    client = Client()
    # As the web server starts (matchmaking/wsgi.py): every view loaded and the
    # long-lived heap frozen out of the garbage collector's full passes.
    import matchmaking.wsgi  # noqa: F401

    # Untimed first: a served site has run its code paths and planned its queries
    # before; a fresh process's first requests say more about the process than the site.
    for member_id in random.Random(seed + 1).sample(candidates, WARM_UP_REQUESTS):
        client.force_login(Member.objects.get(pk=member_id))
        for url in ("/browse/", "/browse/?city=any"):
            cache.clear()
            assert client.get(url, secure=True).status_code == 200
    for member_id in viewers:
        if len(timings["browse_cold"]) >= pairs:
            break
        viewer = Member.objects.select_related("trust").get(pk=member_id)
        client.force_login(viewer)
        cache.clear()
        for key in ("browse_cold", "browse_warm"):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(
                    "/browse/?city=any" if rng.random() < 0.2 else "/browse/", secure=True
                )
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            timings[key].append(elapsed)
            if key == "browse_cold":
                queries[key].append(len(captured))
        cards = selectors.browse(viewer=viewer).cards  # not timed: only to pick a target
        shown.append(len(cards))
        if not cards:
            continue
        seen = rng.choice(cards).member
        cache.clear()
        for key in ("profile_cold", "profile_warm"):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(f"/people/{seen.public_id}/", secure=True)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            timings[key].append(elapsed)
            if key == "profile_cold":
                queries[key].append(len(captured))
    result = {
        "members": members,
        "profiles": made,
        "database": connection.vendor,
        "cache": "redis" if cache_url else "local memory",
        "requests": len(timings["browse_cold"]),
        "cards_per_page_mean": round(sum(shown) / max(len(shown), 1), 1),
    }
    for key, values in timings.items():
        p95 = round(percentile(values, 95), 1)
        result[key] = {
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": p95,
            "max_ms": round(max(values), 1) if values else None,
            "p95_target": target(p95, TARGET_P95_MS),
        }
    for key, values in queries.items():
        result[key]["queries_max"] = max(values) if values else None
    return result


def main() -> None:
    use_env(child_env())
    parser = argparse.ArgumentParser(prog="python -m bench.dating")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--cache", choices=("locmem", "redis"), default="locmem")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--prepare-only", action="store_true", help="make the dating database, measure nothing"
    )
    args = parser.parse_args()
    if args.prepare_only:
        emit({"profiles": prepare(args.members, None)})
        return
    log(f"dating pages at {args.members:,} members, {args.cache} cache")
    emit(
        measure(
            args.members,
            args.pairs,
            REDIS_CACHE_URL if args.cache == "redis" else None,
            args.seed,
        )
    )


if __name__ == "__main__":
    main()
