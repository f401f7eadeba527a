"""The site under load: gunicorn, PostgreSQL, Redis and a real Celery worker, driven by
locust from a second process on loopback.

    .venv/bin/python -m bench.load --members 100000 [--users 50] [--seconds 60]

A fresh copy of the dating bench database (``bench.dating``: the populated community,
four in five members with a dating profile, trust computed) is made for each run. Fifty
members who may browse are signed in up front (a session each); each gets a few
profiles they may see, a match with another of them, vouches waiting for their answer
and members to vouch for. Then, with production settings (``PLEDGE_DEBUG=false``, the
Redis cache and broker), gunicorn serves the copy and locust plays the members
(``bench/locustfile.py``). Reported: per page p50/p95/p99 and throughput, errors, the
gunicorn processes' CPU seconds per request (``/proc`` through psutil), the queries
each page makes and its CPU in process (measured apart with the test client), and how
long after a vouch is accepted under the load the vouchee's standing says vouched.
``--scale`` runs the same load with one and two web processes, and two gunicorn
instances on the same PostgreSQL and Redis, with more members so the server saturates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
from pathlib import Path

from .common import (
    DB_PREFIX,
    POSTGRES_ADMIN_URL,
    REDIS_CACHE_URL,
    child_env,
    database_url,
    django_setup,
    emit,
    log,
    run_child,
    size_label,
    target,
    use_env,
)
from .loadkit import Web, page_cpu, run_locust, standing_probe

TARGET_P95_MS = 200
TARGET_STANDING_S = 10
PROFILES_PER_USER = 12
# Vouches each member writes and accepts at most in one run (locust pops them).
PER_RUN = {"vouch_for": 2, "to_accept": 2}


def load_env(url: str) -> dict[str, str]:
    """The production settings of the run: no debug, Redis cache and broker, no mail."""
    return child_env(
        PLEDGE_DATABASE_URL=url,
        PLEDGE_CACHE_URL=REDIS_CACHE_URL,
        PLEDGE_EMAIL_URL="dummymail://",
        PLEDGE_INTEREST_DAILY_QUOTA="1000000",
        PLEDGE_MESSAGE_DAILY_QUOTA="1000000",
    )


def fresh_copy(members: int) -> str:
    """A new copy of the dating database for this run (the load writes to it)."""
    import psycopg

    source = f"{DB_PREFIX}_dating_{size_label(members)}"
    name = f"{DB_PREFIX}_loadrun_{size_label(members)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [source]
        )
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return database_url("postgres", members).rsplit("/", 1)[0] + "/" + name


def drop_copy(url: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def session_for(member) -> str:
    """A signed-in session of ``member``, as logging in makes one."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = member.get_session_auth_hash()
    store.save()
    return store.session_key


def plan_users(count: int, seed: int, runs: int) -> list[dict]:
    """``count`` members who may browse and vouch, each with what their requests need for
    ``runs`` runs (and one more of each for ``page_costs``)."""
    from matchmaking import selectors
    from matchmaking.models import Match, Profile
    from vouching import services
    from vouching.models import Member

    rng = random.Random(seed)
    candidates = list(
        Profile.objects.filter(member__trust__vouched=True, is_dating=True)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )
    rng.shuffle(candidates)
    users, vouchers = [], list(Member.objects.founders().order_by("pk"))
    for member in Member.objects.filter(pk__in=candidates[-200:]).select_related("trust"):
        if services.vouching_refusal(voucher=member) is None:
            vouchers.append(member)
    fields = services.VouchTerms(
        relationship="friend",
        known_for="1to3",
        strength=2,
        statement="A load-test vouch: I have known them for years and trust them fully.",
    )
    others = iter(candidates[count * 4 :])
    for member_id in candidates:
        if len(users) == count:
            break
        member = Member.objects.select_related("trust").get(pk=member_id)
        if services.vouching_refusal(voucher=member) is not None:
            continue
        cards = selectors.browse(viewer=member).cards
        if len(cards) < 4:
            continue
        to_accept = _vouches_for(member, vouchers, PER_RUN["to_accept"] * runs + 1, fields)
        users.append(
            {
                "id": member.pk,
                "session": session_for(member),
                "profiles": [str(c.member.public_id) for c in cards[:PROFILES_PER_USER]],
                "to_accept": [v.pk for v in to_accept],
                "vouch_for": [
                    str(Member.objects.get(pk=next(others)).public_id)
                    for _ in range(PER_RUN["vouch_for"] * runs + 1)
                ],
            }
        )
    # Matched in pairs (the last one with the first when the count is odd).
    for first, second in zip(users, users[1:] + users[:1], strict=True):
        if "match" in first or first is second:
            continue
        a, b = sorted((first["id"], second["id"]))
        match = Match.objects.create(member_a_id=a, member_b_id=b, source="interest")
        first["match"] = match.pk
        second.setdefault("match", match.pk)
    return users


def _vouches_for(member, vouchers, count: int, fields) -> list:
    """``count`` vouches for ``member`` awaiting their answer, from different vouchers."""
    from django.core.exceptions import ValidationError

    from vouching import services

    made = []
    for voucher in vouchers:
        if len(made) == count:
            break
        try:
            made.append(services.vouch_create(voucher=voucher, vouchee=member, fields=fields))
        except ValidationError:
            continue  # they vouch for them already
    return made


def page_costs(user: dict, repeats: int) -> dict:
    """Each page's SQL queries and CPU milliseconds in this process (the test client,
    warm caches), for one of the members: what one request costs, without the noise of
    a shared machine's wall clock."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from vouching.models import Member

    client = Client()
    client.force_login(Member.objects.get(pk=user["id"]))
    data = {"relationship": "friend", "known_for": "1to3", "strength": "2"}
    data["statement"] = "A load-test vouch: I have known them for years and trust them fully."
    requests = {
        "home": lambda: client.get("/", secure=True),
        "browse": lambda: client.get("/browse/", secure=True),
        "profile": lambda: client.get(f"/people/{user['profiles'][0]}/", secure=True),
        "message": lambda: client.post(
            f"/matches/{user['match']}/", {"body": "Hello"}, secure=True
        ),
    }
    once = {
        "interest": lambda: client.post(f"/people/{user['profiles'].pop()}/interest/", secure=True),
        "vouch": lambda: client.post(
            f"/members/{user['vouch_for'].pop()}/vouch/", data, secure=True
        ),
        "accept": lambda: client.post(f"/vouches/{user['to_accept'].pop()}/accept/", secure=True),
    }
    out = {}
    for name, request in {**requests, **once}.items():
        counts, cpu = [], []
        for _ in range(repeats if name in requests else 1):
            with CaptureQueriesContext(connection) as captured:
                started = time.process_time()
                response = request()
                cpu.append((time.process_time() - started) * 1000)
            assert response.status_code in (200, 302), (name, response.status_code)
            counts.append(len(captured))
        out[name] = {"queries": max(counts), "cpu_ms_in_process": round(min(cpu), 1)}
    return out


def server_costs(url: str, users: list[dict], rounds: int = 2) -> dict:
    """CPU milliseconds per request of each page in one gunicorn worker, the pages asked
    one after another (each member's once untimed first): the server's own cost of a
    page, with warm caches, apart from the load's queueing and a shared machine's."""
    from django.conf import settings

    web = Web(load_env(url), instances=1, workers=1)
    try:
        return {
            name: round(page_cpu(web, users, path, rounds, settings.SESSION_COOKIE_NAME), 1)
            for name, path in (
                ("home", lambda u: "/"),
                ("browse", lambda u: "/browse/"),
                ("profile", lambda u: f"/people/{u['profiles'][0]}/"),
            )
        }
    finally:
        web.stop()


def load_run(
    url: str,
    plan: dict,
    *,
    users: int,
    seconds: int,
    instances: int,
    workers: int | None,
    celery_workers: int,
    probe_trials: int,
    worker_nice: int,
) -> dict:
    """One locust run against fresh gunicorn servers and Celery workers."""
    from django.conf import settings

    from tests.worker_process import WorkerProcess

    from .common import BENCH_QUEUE
    from .worker import purge_queue

    env = load_env(url)
    purge_queue()  # requests left by an earlier run or by page_costs
    celery = [
        WorkerProcess(queue=BENCH_QUEUE, env=env, name=f"load{n}", timeout=90, nice=worker_nice)
        for n in range(celery_workers)
    ]
    web = None
    try:
        web = Web(env, instances=instances, workers=workers)
        with tempfile.TemporaryDirectory() as folder:
            plan_path = Path(folder) / "plan.json"
            plan_path.write_text(json.dumps({**plan, "hosts": web.hosts}))
            probe: list = []
            prober = threading.Thread(
                target=standing_probe, args=(seconds / 4, probe_trials, probe), daemon=True
            )
            load_before, cpu_before, started = os.getloadavg(), web.cpu_seconds(), time.time()
            if probe_trials:
                prober.start()
            stats = run_locust(plan_path, web.hosts, users, seconds)
            cpu = web.cpu_seconds() - cpu_before
            if probe_trials:
                prober.join(timeout=90)
    finally:
        if web is not None:
            web.stop()
        for worker in celery:
            worker.stop()
    requests = stats["all"]["requests"]
    return {
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "users": users,
        "seconds": seconds,
        "gunicorn": {
            "config": "gunicorn.conf.py",
            "instances": instances,
            "workers_each": workers or os.cpu_count(),
        },
        "celery_workers": celery_workers,
        "celery_worker_nice": worker_nice,
        "trust_recalc_min_interval_s": settings.TRUST_RECALC_MIN_INTERVAL.total_seconds(),
        **stats,
        "gunicorn_cpu_s": round(cpu, 1),
        "cpu_ms_per_request": round(cpu * 1000 / requests, 1) if requests else None,
        "standing_after_vouch_s": probe,
    }


def measure(args) -> dict:
    log(f"load at {args.members:,} members: preparing the dating database")
    prepared = run_child("dating", "--members", str(args.members), "--prepare-only")
    url = fresh_copy(args.members)
    env = load_env(url)
    use_env(env)
    django_setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    runs = 2 + (3 if args.scale else 0)  # the warm-up, the load, the scale runs
    users = plan_users(max(args.users, args.scale_users if args.scale else 0), args.seed, runs)
    plan = {"session_cookie": settings.SESSION_COOKIE_NAME}
    result: dict = {
        "members": args.members,
        "profiles": prepared["profiles"],
        "database": url.rsplit("/", 1)[1],
        "page_costs": page_costs(json.loads(json.dumps(users[-1])), repeats=5),
    }
    result["server_costs"] = server_costs(url, users[: args.users])
    # As deployed: gunicorn.conf.py's workers, the worker process niced below the web.
    one = {"instances": 1, "workers": None, "celery_workers": 1, "worker_nice": args.worker_nice}
    # Untimed first: the fresh copy's pages into PostgreSQL's buffers, every member's
    # neighbourhood into the cache, as on a site that has been serving for a while.
    log(f"load: warming up for {args.warm_up} s")
    warm_up = {**plan, "users": slice_for(users[: args.users], runs - 1)}
    load_run(url, warm_up, users=args.users, probe_trials=0, seconds=args.warm_up, **one)
    log(f"load: {args.users} members for {args.seconds} s, gunicorn -c gunicorn.conf.py")
    main_run = load_run(
        url,
        {**plan, "users": slice_for(users[: args.users], 0)},
        users=args.users,
        probe_trials=args.probe_trials,
        seconds=args.seconds,
        **one,
    )
    standing = [s for s in main_run["standing_after_vouch_s"] if s is not None]
    main_run["targets"] = {
        "p95_ms": target(main_run["all"]["p95_ms"], TARGET_P95_MS),
        "errors": target(main_run["all"]["errors"], 0),
        "standing_after_vouch_max_s": target(
            max(standing) if len(standing) == args.probe_trials else None, TARGET_STANDING_S
        ),
    }
    result["load"] = main_run
    if args.scale:
        result["scale"] = scale_runs(url, plan, users, args)
    drop_copy(url)
    return result


def slice_for(users: list[dict], run: int) -> list[dict]:
    """The users' plan for one run: a share of their vouches to write and to accept of
    its own, so that every run has some left."""
    share = {key: PER_RUN[key] for key in ("vouch_for", "to_accept")}
    return [{**u, **{k: u[k][run * n : (run + 1) * n] for k, n in share.items()}} for u in users]


def scale_runs(url: str, plan: dict, users: list[dict], args) -> dict:
    """The same load with more members than one process serves: one web process, two,
    and two gunicorn instances of one process each (as on two machines)."""
    out = {}
    for run, (name, instances, workers) in enumerate(
        (("one_process", 1, 1), ("two_processes", 1, 2), ("two_instances", 2, 1)), start=1
    ):
        log(f"load scale: {name}, {args.scale_users} members")
        out[name] = load_run(
            url,
            {**plan, "users": slice_for(users[: args.scale_users], run)},
            users=args.scale_users,
            instances=instances,
            workers=workers,
            probe_trials=0,
            seconds=args.seconds,
            celery_workers=1,
            worker_nice=args.worker_nice,
        )
    one = out["one_process"]["all"]["per_s"]
    out["throughput_gain"] = {
        name: round(out[name]["all"]["per_s"] / one, 2) if one else None
        for name in ("two_processes", "two_instances")
    }
    return out


def main() -> None:
    use_env(child_env())
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--probe-trials", type=int, default=3)
    parser.add_argument("--warm-up", type=int, default=30, help="seconds of untimed load first")
    parser.add_argument("--scale", action="store_true", help="also 1 vs 2 web processes")
    parser.add_argument("--scale-users", type=int, default=150)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="the Celery worker's niceness (the deployment's Nice=10; 0 to run it as the web)",
    )
    emit(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
