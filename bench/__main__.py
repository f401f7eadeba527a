"""Run the trust-engine benchmarks and print one JSON document (``make bench``).

    .venv/bin/python -m bench                                  # everything, 10k to 1M
    .venv/bin/python -m bench --parts recalc,sybil --sizes 10000,100000
    .venv/bin/python -m bench --parts paths --sizes 100000 --reuse-db

Parts: ``recalc`` (compute-only per metric, networkx comparison, end to end on
PostgreSQL), ``paths`` (trust-path latency on SQLite and PostgreSQL), ``worker`` (vouch
accepted to standing updated through a real Celery worker), ``sybil`` (the Sybil
simulation), ``dating`` (browse and profile pages' server time on PostgreSQL), ``load``
(gunicorn, a Celery worker and locust: 50 members at once; browse and profile at 1M). Each
figure with a target carries it and a ``meets_target`` flag. Every part's result is
written to ``bench/results/`` as soon as it is known; the whole document goes to
``bench/results/bench-<time>.json`` and ``bench/results/latest.json``.
See ``bench/README.md`` for what each part measures and how long it takes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from .common import (
    ChildFailed,
    child_env,
    database_url,
    ensure_graph,
    log,
    run_child,
    save,
    size_label,
    target,
)

PARTS = ("recalc", "paths", "worker", "sybil", "dating", "load")
SIZES = (10_000, 100_000, 1_000_000)


def machine_info() -> dict:
    import sqlite3

    import networkx
    import numpy
    import psycopg
    import redis
    import scipy

    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url("redis://127.0.0.1:6379/11").info()["redis_version"]
    import celery
    import django

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "cpu": platform.processor() or platform.machine(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "networkx": networkx.__version__,
        "django": django.__version__,
        "celery": celery.__version__,
        "postgresql": postgres,
        "sqlite": sqlite3.sqlite_version,
        "redis": redis_version,
    }


class Run:
    """One benchmark run: its options, the document so far, and what it populated."""

    def __init__(self, args):
        self.args = args
        self.started = time.perf_counter()
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.populated: dict[tuple[str, int], dict] = {}
        self.doc: dict = {
            "run": {
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "command": " ".join(sys.argv),
                "parts": args.parts,
                "sizes": args.sizes,
                "repeats": args.repeats,
            },
            "machine": machine_info(),
            "graphs": {},
        }

    def checkpoint(self, part: str | None = None, value=None, name: str | None = None) -> None:
        if part is not None:
            save(f"{self.stamp}-{name or part}", value)
        self.doc["run"]["elapsed_s"] = round(time.perf_counter() - self.started, 1)
        save(f"partial-{self.stamp}", self.doc)

    def populate(self, engine: str, members: int) -> dict:
        """Fill the bench database of this engine and size once per run."""
        key = (engine, members)
        if key not in self.populated:
            args = ["--members", str(members), "--database", engine]
            if self.args.reuse_db:
                args.append("--reuse")
            started = time.perf_counter()
            info = run_child("populate", *args)
            info["wall_s"] = round(time.perf_counter() - started, 1)
            self.populated[key] = info
            log(f"populated {engine} {size_label(members)}: {info.get('total_s')} s")
        return self.populated[key]

    def repeats_for(self, members: int) -> int:
        return self.args.heavy_repeats if members >= 1_000_000 else self.args.repeats


def part_recalc(run: Run) -> dict:
    from . import recalc

    out: dict = {}
    for members in run.args.sizes:
        label = size_label(members)
        started = time.perf_counter()
        log(f"recalc {label}: compute only")
        result: dict = {
            "compute_only": recalc.compute_only(
                members, recalc.METRIC_ORDER, run.repeats_for(members)
            )
        }
        out[label] = result
        run.checkpoint("recalc", out)
        if members == run.args.networkx_size:
            log(f"recalc {label}: networkx comparison")
            result["networkx"] = recalc.networkx_comparison(
                members, result["compute_only"], run.args.networkx_timeout
            )
            run.checkpoint("recalc", out)
        if members in run.args.e2e_sizes:
            log(f"recalc {label}: end to end on PostgreSQL")
            info = run.populate("postgres", members)
            result["end_to_end"] = recalc.end_to_end(members, run.repeats_for(members), info)
        recalc.add_targets(members, result)
        result["part_seconds"] = round(time.perf_counter() - started, 1)
        run.checkpoint("recalc", out)
    return out


def part_paths(run: Run) -> dict:
    out: dict = {}
    for members in run.args.sizes:
        label = size_label(members)
        started = time.perf_counter()
        result: dict = {}
        out[label] = result
        cases = [("postgres", "locmem"), ("postgres", "redis"), ("sqlite", "locmem")]
        for engine, cache in cases:
            try:
                info = run.populate(engine, members)
            except ChildFailed as failed:
                result[f"{engine}+{cache}"] = {"error": str(failed)[-2000:]}
                continue
            result.setdefault("populate", {})[engine] = info
            log(f"paths {label}: {engine} with {cache} cache")
            try:
                figures = run_child(
                    "paths",
                    "--members",
                    str(members),
                    "--database",
                    engine,
                    "--cache",
                    cache,
                    "--pairs",
                    str(run.args.pairs),
                )
            except ChildFailed as failed:
                result[f"{engine}+{cache}"] = {"error": str(failed)[-2000:]}
                continue
            if members >= 100_000:
                figures["targets"] = {
                    "cold_p95_ms": target(figures["cold"]["p95_ms"], 25.0),
                    "warm_p95_ms": target(figures["warm"]["p95_ms"], 5.0),
                }
            result[f"{engine}+{cache}"] = figures
            run.checkpoint("paths", out)
        result["part_seconds"] = round(time.perf_counter() - started, 1)
    return out


def part_worker(run: Run) -> dict:
    members = run.args.worker_size
    started = time.perf_counter()
    info = run.populate("postgres", members)
    log(f"worker {size_label(members)}: vouch accepted to standing updated")
    env = child_env(PLEDGE_DATABASE_URL=database_url("postgres", members))
    result = run_child(
        "worker", "--members", str(members), "--trials", str(run.args.worker_trials), env=env
    )
    result["populate"] = info
    result["targets"] = {
        "max_s": target(result["max_s"], 5.0),
        "median_s": target(result["median_s"], 5.0),
    }
    result["part_seconds"] = round(time.perf_counter() - started, 1)
    return {size_label(members): result}


def part_sybil(run: Run) -> dict:
    started = time.perf_counter()
    env = child_env()
    if "PLEDGE_DATASETS" not in env:
        env["PLEDGE_DATASETS"] = "/work/shared/datasets"
    args = ["--seeds", str(run.args.sybil_seeds)]
    if run.args.sybil_networks:
        args += ["--networks", ",".join(run.args.sybil_networks)]
    result = run_child("sybil", *args, env=env)
    verdict = result.get("default_verdict", {})
    result["targets"] = {
        share: {
            figure: target(
                cases["all"]["worst"][figure],
                cases["all"]["targets"][figure],
                at_most=figure == "fakes_per_attack_vouch",
            )
            for figure in ("auc", "fakes_per_attack_vouch", "honest_vouched")
        }
        for share, cases in verdict.items()
    }
    result["part_seconds"] = round(time.perf_counter() - started, 1)
    return result


def part_dating(run: Run) -> dict:
    members = run.args.dating_size
    started = time.perf_counter()
    info = run.populate("postgres", members)
    result: dict = {"populate": info}
    for cache in ("locmem", "redis"):
        log(f"dating {size_label(members)}: browse and profile pages, {cache} cache")
        try:
            result[cache] = run_child(
                "dating",
                "--members",
                str(members),
                "--pairs",
                str(run.args.pairs),
                "--cache",
                cache,
            )
        except ChildFailed as failed:
            result[cache] = {"error": str(failed)[-2000:]}
        run.checkpoint("dating", result)
    result["part_seconds"] = round(time.perf_counter() - started, 1)
    return {size_label(members): result}


def part_load(run: Run) -> dict:
    """The site under load at ``--load-size`` (gunicorn, Celery worker, locust), then
    browse and profile for one member at each of ``--load-big-sizes``."""
    members = run.args.load_size
    started = time.perf_counter()
    result: dict = {"populate": run.populate("postgres", members)}
    args = ["--members", str(members), "--seconds", str(run.args.load_seconds)]
    if run.args.load_scale:
        args.append("--scale")
    try:
        result.update(run_child("load", *args))
    except ChildFailed as failed:
        result["error"] = str(failed)[-2000:]
    run.checkpoint("load", result)
    out = {size_label(members): result}
    for big in run.args.load_big_sizes:
        log(f"load: browse and profile for one member at {size_label(big)}")
        info = run.populate("postgres", big)
        try:
            pages = run_child(
                "dating", "--members", str(big), "--pairs", str(run.args.pairs), "--cache", "redis"
            )
        except ChildFailed as failed:
            pages = {"error": str(failed)[-2000:]}
        out[size_label(big)] = {"populate": info, "one_member": pages}
        run.checkpoint("load", out)
    out["part_seconds"] = round(time.perf_counter() - started, 1)
    return out


def verdicts(doc: dict) -> list[dict]:
    """Every figure that has a target, in one flat list: where it is, value, pass/fail."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if "meets_target" in node and "value" in node:
                found.append({"figure": where, **node})
                return
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)

    walk({k: v for k, v in doc.items() if k not in ("run", "machine", "graphs")}, "")
    return found


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])

    def ints(text):
        return [int(float(part)) for part in text.split(",") if part]

    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated")
    parser.add_argument("--sizes", type=ints, default=list(SIZES), help="members, e.g. 10000")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--heavy-repeats", type=int, default=1, help="the same at 1M members")
    parser.add_argument("--e2e-sizes", type=ints, default=[100_000, 1_000_000])
    parser.add_argument("--networkx-size", type=int, default=100_000)
    parser.add_argument("--networkx-timeout", type=float, default=240.0)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--worker-size", type=int, default=100_000)
    parser.add_argument("--worker-trials", type=int, default=5)
    parser.add_argument("--dating-size", type=int, default=100_000)
    parser.add_argument("--load-size", type=int, default=100_000)
    parser.add_argument("--load-seconds", type=int, default=120)
    parser.add_argument(
        "--load-scale",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also one web process against two, and two gunicorn instances",
    )
    parser.add_argument("--load-big-sizes", type=ints, default=[1_000_000])
    parser.add_argument(
        "--sybil-networks", default="", help="comma-separated; every network by default"
    )
    parser.add_argument("--sybil-seeds", type=int, default=3)
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep bench databases already filled with the same graph (and report the "
        "populate time recorded when they were filled)",
    )
    args = parser.parse_args(argv)
    args.parts = [p for p in args.parts.split(",") if p]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    args.sybil_networks = [name for name in args.sybil_networks.split(",") if name]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    run = Run(args)
    for members in args.sizes:
        _path, summary = ensure_graph(members)
        run.doc["graphs"][size_label(members)] = summary
    run.checkpoint()
    handlers = {
        "recalc": part_recalc,
        "paths": part_paths,
        "worker": part_worker,
        "sybil": part_sybil,
        "dating": part_dating,
        "load": part_load,
    }
    for part in args.parts:
        log(f"part {part}")
        started = time.perf_counter()
        try:
            run.doc[part] = handlers[part](run)
        except ChildFailed as failed:
            run.doc[part] = {"error": str(failed)[-3000:]}
        log(f"part {part} took {time.perf_counter() - started:.0f} s")
        run.doc["run"].setdefault("part_seconds", {})[part] = round(
            time.perf_counter() - started, 1
        )
        run.checkpoint(part, run.doc[part])
    run.doc["run"]["total_s"] = round(time.perf_counter() - run.started, 1)
    checks = verdicts(run.doc)
    run.doc["targets_summary"] = {
        "met": sum(c["meets_target"] for c in checks),
        "missed": [c["figure"] for c in checks if not c["meets_target"]],
        "figures": checks,
    }
    save(f"bench-{run.stamp}", run.doc)
    save("latest", run.doc)
    json.dump(run.doc, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
