"""What every benchmark shares: where results go, the bench databases, child processes.

Each measurement that touches Django or needs its own peak memory runs in a fresh child
process (``python -m bench.<module> ...``) that prints one JSON line last; the parent
only generates graphs, starts children and gathers their answers.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from matchmaking.environment import without_old_names

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GRAPHS = RESULTS / "graphs"
VAR = RESULTS / "var"

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/{name}"
# The broker of every bench process: Redis database 11 and a queue of our own.
BROKER_URL = "redis://127.0.0.1:6379/11"
BENCH_QUEUE = "pledge-bench"
REDIS_CACHE_URL = "redis://127.0.0.1:6379/12"
GRAPH_SEED = 7
# Every bench database's name starts with this; ``PLEDGE_BENCH_DB_PREFIX`` lets two
# checkouts bench side by side on one server without touching each other's databases.
DB_PREFIX = os.environ.get("PLEDGE_BENCH_DB_PREFIX", "pledge_bench")


def size_label(members: int) -> str:
    if members % 1_000_000 == 0:
        return f"{members // 1_000_000}m"
    if members % 1_000 == 0:
        return f"{members // 1_000}k"
    return str(members)


def database_url(engine: str, members: int) -> str:
    """The bench database of one size: never the site's, CI's or the tests'."""
    if engine == "postgres":
        return POSTGRES_URL.format(name=f"{DB_PREFIX}_{size_label(members)}")
    if engine == "sqlite":
        VAR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{VAR / f'bench-{size_label(members)}.sqlite3'}"
    raise ValueError(f"unknown database engine {engine!r}")


def child_env(**extra: str) -> dict[str, str]:
    """Environment of a bench child process: bench state only, quiet logs.

    Without the old names of Pledge's variables: Celery would read an inherited
    ``CELERY_BROKER_URL`` before the bench's broker."""
    VAR.mkdir(parents=True, exist_ok=True)
    env = {
        **without_old_names(os.environ),
        "DJANGO_SETTINGS_MODULE": "matchmaking.settings",
        "PLEDGE_LOG_LEVEL": "WARNING",
        # As deployed: no query log kept in memory by the debug cursor.
        "PLEDGE_DEBUG": "false",
        "PLEDGE_SECRET_KEY": "pledge-bench-not-a-secret-" + "0" * 24,
        "PLEDGE_VAR_DIR": str(VAR),
        "PLEDGE_CELERY_BROKER_URL": BROKER_URL,
        "PLEDGE_CELERY_TASK_DEFAULT_QUEUE": BENCH_QUEUE,
        "PLEDGE_VOUCH_QUOTA": "1000000",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


# Filling a bench database (a COPY of 10M vouches, its deferred checks, profiles for a
# million members, VACUUM ANALYZE) runs statements for minutes, like a migration run by
# hand: no statement or idle-transaction limit in the processes that fill one (the load
# part serves its copy with the site's limits).
UNLIMITED_STATEMENTS = {
    "PLEDGE_DATABASE_STATEMENT_TIMEOUT": "0",
    "PLEDGE_DATABASE_IDLE_TIMEOUT": "0",
}


def use_env(env: dict[str, str]) -> None:
    """Make ``env`` (from ``child_env``) the whole environment of this process."""
    os.environ.clear()
    os.environ.update(env)


class ChildFailed(RuntimeError):
    pass


def run_child(module: str, *args: str, env: dict[str, str] | None = None, timeout=None) -> dict:
    """Run ``python -m bench.<module> args`` and return the JSON of its last stdout line."""
    command = [sys.executable, "-m", f"bench.{module}", *args]
    log(f"  $ {' '.join(command[1:])}")
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env or child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        raise ChildFailed(f"bench.{module} timed out after {timeout} s") from expired
    if done.returncode != 0:
        raise ChildFailed(f"bench.{module} failed:\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def emit(data: dict) -> None:
    """A child's answer: one JSON line on stdout."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far.

    The high-water mark of this address space (``VmHWM``), not ``getrusage``'s
    ``ru_maxrss``: Linux carries that one across ``exec`` from the moment of ``fork``, so
    a child of a bench parent that once held a million-member graph reported the
    parent's 1.6 GB as its own.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def percentile(values, q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def target(value, limit, *, at_most: bool = True) -> dict:
    """A figure next to its target, and whether it meets it."""
    if value is None:
        return {"value": None, "target": limit, "meets_target": False}
    ok = value <= limit if at_most else value >= limit
    return {"value": value, "target": f"{'<=' if at_most else '>='} {limit}", "meets_target": ok}


def save(name: str, data) -> Path:
    """Write an intermediate or final result under bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def graph_path(members: int) -> Path:
    return GRAPHS / f"social-{size_label(members)}-seed{GRAPH_SEED}.npz"


def ensure_graph(members: int) -> tuple[Path, dict]:
    """The generated graph of this size on disk (made once), and its summary."""
    from .graphs import fast_social_vouch_graph, graph_summary

    path = graph_path(members)
    summary_path = path.with_suffix(".summary.json")
    if path.exists() and summary_path.exists():
        return path, json.loads(summary_path.read_text())
    GRAPHS.mkdir(parents=True, exist_ok=True)
    log(f"generating the {size_label(members)} social graph")
    started = time.perf_counter()
    graph = fast_social_vouch_graph(members, seed=GRAPH_SEED)
    seconds = time.perf_counter() - started
    np.savez(path, edges=graph.edges, founders=graph.founders, members=graph.members)
    summary = {
        "generator": "bench.graphs.fast_social_vouch_graph",
        "seed": GRAPH_SEED,
        "generate_s": round(seconds, 2),
        **graph_summary(members, graph.edges),
        "founders": len(graph.founders),
    }
    summary_path.write_text(json.dumps(summary, indent=2))
    return path, summary


def member_id_edges(members: int) -> tuple[Path, int]:
    """The graph with members numbered as the import numbers them (founders first, then
    in order of first appearance, from 1), saved once as an (m, 3) array for
    ``TrustGraph.from_id_arrays``; and the number of founders."""
    path, _summary = ensure_graph(members)
    n, edges, founders = load_graph(path)
    id_path = path.with_suffix(".ids.npy")
    if not id_path.exists():
        nodes = np.concatenate([founders, edges[:, :2].ravel()])
        unique, first = np.unique(nodes, return_index=True)
        order = unique[np.argsort(first, kind="stable")]
        member_id = np.zeros(n, dtype=np.int64)
        member_id[order] = np.arange(1, len(order) + 1)
        id_edges = np.stack(
            [member_id[edges[:, 0]], member_id[edges[:, 1]], edges[:, 2]], axis=1
        ).astype(np.int64)
        np.save(id_path, id_edges)
    return id_path, len(founders)


def load_graph(path: Path):
    """(members, edges, founders) of a saved generated graph."""
    with np.load(path) as data:
        return int(data["members"]), data["edges"], data["founders"]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()
