"""Full trust recalculation: compute-only per metric, networkx for scale, and end to end.

Compute only: each measurement is a fresh child process that loads the generated graph
(member ids numbered as the import numbers them), builds ``TrustGraph.from_id_arrays``
and runs one ``metric.compute``. It reports the build and compute seconds and its peak
resident memory (``VmHWM``) above what the process held right after its imports; the
input edge array is counted in that peak, as the loader's output would be. The parent
repeats every measurement and reports medians. ``advogato-classic`` is pure Python and is
skipped above 50,000 vouches.

networkx, on the same graph (100k by default): one Advogato level as networkx max-flow on
the same split-node network the advogato module builds, with the fastest of networkx's
algorithms picked by a trial on the 10k graph, under a timeout (a hit is reported as a
lower bound); and ``nx.pagerank`` personalized to the founders with ``tol`` divided by
the number of nodes (networkx multiplies its tolerance by it). The ratios are networkx's
time over the engine's.

End to end: on a PostgreSQL database filled through ``vouches_import``, a fresh child
runs ``trust_recalculate(force=True)`` (read every vouch, compute the default metric,
write every changed score): first with no stored scores, so every score is written, then
again with nothing changed.

    python -m bench.recalc compute --members 100000 --metric pledge
    python -m bench.recalc networkx --members 100000 --what maxflow --algorithm preflow_push
    python -m bench.recalc e2e --members 100000 --clear-scores
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import numpy as np

from .common import (
    ChildFailed,
    child_env,
    current_rss_mb,
    database_url,
    django_setup,
    emit,
    log,
    median,
    member_id_edges,
    peak_rss_mb,
    run_child,
    size_label,
    target,
)

METRIC_ORDER = (
    "pledge",
    "pledge-pagerank",
    "advogato",
    "sybilrank",
    "percolation",
    "sybilscar",
    "gang",
    "naive",
    "advogato-classic",
)
CLASSIC_MAX_VOUCHES = 50_000
NX_ALGORITHMS = (
    "preflow_push",
    "dinitz",
    "boykov_kolmogorov",
    "shortest_augmenting_path",
    "edmonds_karp",
)


# Children --------------------------------------------------------------------------------


def load_trust_graph_arrays(members: int):
    """(ids, n_founders, id_edges) of the generated graph, as the database would give."""
    id_path, n_founders = member_id_edges(members)
    id_edges = np.load(id_path)
    ids = np.arange(1, int(id_edges[:, :2].max()) + 1, dtype=np.int64)
    return ids, n_founders, id_edges


def child_compute(members: int, metric_name: str) -> dict:
    from vouching.trust import METRICS, TrustGraph

    metric = METRICS[metric_name]
    gc.collect()
    baseline = current_rss_mb()
    ids, n_founders, id_edges = load_trust_graph_arrays(members)
    started = time.perf_counter()
    graph = TrustGraph.from_id_arrays(ids=ids, n_founders=n_founders, edges=id_edges)
    built = time.perf_counter()
    result = metric.compute(graph)
    computed = time.perf_counter()
    metric.compute(graph)
    again = time.perf_counter() - computed
    return {
        "metric": metric_name,
        "members": graph.n,
        "vouches": graph.m,
        "build_s": round(built - started, 4),
        "compute_s": round(computed - built, 4),
        "compute_again_s": round(again, 4),
        "vouched": int(result.vouched.sum()),
        "baseline_mb": round(baseline, 1),
        "input_mb": round(id_edges.nbytes / 2**20, 1),
        "peak_mb": round(peak_rss_mb(), 1),
        "peak_above_imports_mb": round(peak_rss_mb() - baseline, 1),
    }


def split_node_network(graph):
    """Advogato's level-1 flow network as the advogato module builds it, in networkx.

    Nodes: member "in" = i, "out" = n + i, supersource's out = 2n, source = 2n + 1,
    sink = 2n + 2. Edges without a capacity attribute are unlimited in networkx.
    """
    import networkx as nx

    from vouching.trust.advogato import node_capacities

    n = graph.n
    distance = graph.distances()
    caps, source_cap = node_capacities(graph, distance)
    reachable = np.flatnonzero(distance >= 0)
    s_out, source, sink = 2 * n, 2 * n + 1, 2 * n + 2
    network = nx.DiGraph()
    network.add_edge(source, s_out, capacity=max(source_cap - 1, 0))
    network.add_edges_from((s_out, int(f)) for f in graph.founders)
    network.add_edges_from((int(i), sink, {"capacity": 1}) for i in reachable)
    network.add_edges_from((int(i), n + int(i), {"capacity": int(caps[i]) - 1}) for i in reachable)
    network.add_edges_from(zip((n + graph.src).tolist(), graph.dst.tolist(), strict=True))
    return network, source, sink


def child_networkx(members: int, what: str, algorithm: str | None) -> dict:
    import networkx as nx

    from vouching.trust import TrustGraph
    from vouching.trust.advogato import accepted_by_flow

    ids, n_founders, id_edges = load_trust_graph_arrays(members)
    graph = TrustGraph.from_id_arrays(ids=ids, n_founders=n_founders, edges=id_edges)
    del id_edges
    gc.collect()
    before = current_rss_mb()
    answer: dict = {"what": what, "members": graph.n, "vouches": graph.m}
    if what == "maxflow":
        from networkx.algorithms import flow

        started = time.perf_counter()
        network, source, sink = split_node_network(graph)
        built = time.perf_counter()
        answer["network_edges"] = network.number_of_edges()
        answer["build_s"] = round(built - started, 3)
        answer["graph_mb"] = round(current_rss_mb() - before, 1)
        answer["bytes_per_vouch"] = round(answer["graph_mb"] * 2**20 / graph.m)
        log(f"networkx max-flow ({algorithm}) on {network.number_of_edges():,} edges")
        started = time.perf_counter()
        value = nx.maximum_flow_value(network, source, sink, flow_func=getattr(flow, algorithm))
        answer["maxflow_s"] = round(time.perf_counter() - started, 3)
        answer["algorithm"] = algorithm
        answer["flow_value"] = int(value)
        started = time.perf_counter()
        accepted = accepted_by_flow(graph.at_level(1))
        answer["scipy_one_level_s"] = round(time.perf_counter() - started, 3)
        answer["scipy_accepted"] = int(accepted.sum())
        answer["same_flow_value"] = int(accepted.sum()) == int(value)
    else:
        started = time.perf_counter()
        digraph = graph.to_networkx()
        built = time.perf_counter()
        answer["build_s"] = round(built - started, 3)
        answer["graph_mb"] = round(current_rss_mb() - before, 1)
        answer["bytes_per_vouch"] = round(answer["graph_mb"] * 2**20 / graph.m)
        founders = {int(f): 1.0 for f in graph.founders}
        started = time.perf_counter()
        rank = nx.pagerank(
            digraph,
            alpha=0.85,
            personalization=founders,
            tol=1e-6 / graph.n,
            max_iter=1000,
        )
        answer["pagerank_s"] = round(time.perf_counter() - started, 3)
        answer["tol"] = f"1e-6 / {graph.n}"
        answer["ranked"] = len(rank)
    answer["peak_mb"] = round(peak_rss_mb(), 1)
    return answer


def child_e2e(members: int, clear_scores: bool) -> dict:
    os.environ["PLEDGE_DATABASE_URL"] = database_url("postgres", members)
    django_setup()
    from django.db import connection

    from vouching.models import TrustScore
    from vouching.services import trust_recalculate

    if clear_scores:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TrustScore._meta.db_table}")
    connection.close()
    gc.collect()
    baseline = current_rss_mb()
    started = time.perf_counter()
    run = trust_recalculate(force=True)
    seconds = time.perf_counter() - started
    return {
        "members": run.members,
        "vouches": run.vouches,
        "rows_written": run.changed,
        "wall_s": round(seconds, 3),
        "seconds": run.seconds,
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(peak_rss_mb(), 1),
        "peak_above_imports_mb": round(peak_rss_mb() - baseline, 1),
    }


# Parent ----------------------------------------------------------------------------------


def compute_only(members: int, metrics, repeats: int) -> dict:
    from .common import ensure_graph

    _path, summary = ensure_graph(members)
    member_id_edges(members)
    out: dict = {}
    for name in metrics:
        if name == "advogato-classic" and summary["vouches"] > CLASSIC_MAX_VOUCHES:
            out[name] = {
                "skipped": f"pure Python, skipped above {CLASSIC_MAX_VOUCHES:,} vouches "
                f"({summary['vouches']:,} here)"
            }
            continue
        runs = []
        for _ in range(repeats):
            runs.append(run_child("recalc", "compute", "--members", str(members), "--metric", name))
        out[name] = {
            "compute_s": median(r["compute_s"] for r in runs),
            "compute_s_runs": [r["compute_s"] for r in runs],
            # The same graph again in the same process: without first-call costs.
            "compute_again_s": median(r["compute_again_s"] for r in runs),
            "build_graph_s": median(r["build_s"] for r in runs),
            "peak_above_imports_mb": median(r["peak_above_imports_mb"] for r in runs),
            "input_edges_mb": runs[0]["input_mb"],
            "peak_rss_mb": median(r["peak_mb"] for r in runs),
            "vouched": runs[0]["vouched"],
            "vouched_share": round(runs[0]["vouched"] / runs[0]["members"], 4),
        }
        log(f"  {size_label(members)} {name}: {out[name]['compute_s']} s")
    return out


def networkx_comparison(members: int, compute: dict, timeout: float) -> dict:
    """networkx max-flow (one level) and pagerank against the engine, same graph."""
    trial_size = 10_000
    trials = {}
    member_id_edges(trial_size)
    for algorithm in NX_ALGORITHMS:
        try:
            trials[algorithm] = run_child(
                "recalc",
                "networkx",
                "--members",
                str(trial_size),
                "--what",
                "maxflow",
                "--algorithm",
                algorithm,
                timeout=30,
            )["maxflow_s"]
        except ChildFailed as failed:
            trials[algorithm] = f"failed: {str(failed)[:200]}"
    timed = {a: s for a, s in trials.items() if isinstance(s, float)}
    fastest = min(timed, key=timed.get)
    out: dict = {"maxflow_algorithm_trial_10k_s": trials, "maxflow_algorithm": fastest}
    try:
        flow = run_child(
            "recalc",
            "networkx",
            "--members",
            str(members),
            "--what",
            "maxflow",
            "--algorithm",
            fastest,
            timeout=timeout,
        )
        flow_s, bound = flow["maxflow_s"], False
        out["maxflow"] = flow
    except ChildFailed as failed:
        flow_s, bound = float(timeout), True
        out["maxflow"] = {"timed_out_after_s": timeout, "error": str(failed)[:300]}
    rank = run_child("recalc", "networkx", "--members", str(members), "--what", "pagerank")
    out["pagerank"] = rank
    advogato = compute.get("advogato", {}).get("compute_s")
    sybilrank = compute.get("sybilrank", {}).get("compute_s")
    pledge = compute.get("pledge", {}).get("compute_s")
    out["nx_maxflow_one_level_s"] = flow_s
    out["nx_maxflow_is_lower_bound"] = bound
    if advogato:
        out["ratio_nx_maxflow_one_level_over_advogato_all_levels"] = round(flow_s / advogato, 1)
    if "scipy_one_level_s" in out["maxflow"]:
        out["ratio_nx_maxflow_over_scipy_same_level"] = round(
            flow_s / out["maxflow"]["scipy_one_level_s"], 1
        )
    if sybilrank:
        out["ratio_nx_pagerank_over_sybilrank"] = round(rank["pagerank_s"] / sybilrank, 1)
    if pledge:
        out["ratio_nx_pagerank_over_pledge"] = round(rank["pagerank_s"] / pledge, 1)
    return out


def end_to_end(members: int, repeats: int, populate_info: dict) -> dict:
    env = child_env(PLEDGE_DATABASE_URL=database_url("postgres", members))
    first, second = [], []
    for _ in range(repeats):
        size = ("--members", str(members))
        first.append(run_child("recalc", "e2e", *size, "--clear-scores", env=env))
        second.append(run_child("recalc", "e2e", *size, env=env))

    def summary(runs):
        return {
            "total_s": median(r["seconds"]["total"] for r in runs),
            "load_s": median(r["seconds"]["load"] for r in runs),
            "compute_s": median(r["seconds"]["compute"] for r in runs),
            "store_s": median(r["seconds"]["store"] for r in runs),
            "rows_written": runs[0]["rows_written"],
            "peak_rss_mb": median(r["peak_mb"] for r in runs),
            "peak_above_imports_mb": median(r["peak_above_imports_mb"] for r in runs),
            "runs": [r["seconds"] for r in runs],
        }

    return {
        "database": "postgresql",
        "metric": "pledge (default)",
        "populate": populate_info,
        "first_run": summary(first),
        "unchanged_run": summary(second),
    }


def add_targets(members: int, result: dict) -> None:
    """Put the issue's targets next to the figures they apply to."""
    compute = result.get("compute_only", {})
    targets = result.setdefault("targets", {})
    if members == 100_000:
        if "advogato" in compute:
            targets["advogato_compute_s"] = target(compute["advogato"]["compute_s"], 2.0)
        if "sybilrank" in compute:
            targets["sybilrank_compute_s"] = target(compute["sybilrank"]["compute_s"], 0.5)
        if "end_to_end" in result:
            first = result["end_to_end"]["first_run"]
            targets["end_to_end_first_run_s"] = target(first["total_s"], 15.0)
            targets["end_to_end_peak_rss_mb"] = target(first["peak_rss_mb"], 1536)
    if members == 1_000_000 and "end_to_end" in result:
        first = result["end_to_end"]["first_run"]
        targets["end_to_end_first_run_s"] = target(first["total_s"], 180.0)
        targets["end_to_end_peak_rss_mb"] = target(first["peak_rss_mb"], 8192)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recalc")
    parser.add_argument("command", choices=("compute", "networkx", "e2e"))
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--metric", default="pledge")
    parser.add_argument("--what", choices=("maxflow", "pagerank"), default="maxflow")
    parser.add_argument("--algorithm", default="preflow_push")
    parser.add_argument("--clear-scores", action="store_true")
    args = parser.parse_args()
    if args.command == "compute":
        emit(child_compute(args.members, args.metric))
    elif args.command == "networkx":
        emit(child_networkx(args.members, args.what, args.algorithm))
    else:
        emit(child_e2e(args.members, args.clear_scores))


if __name__ == "__main__":
    main()
