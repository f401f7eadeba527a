"""Sybil simulation: every metric on real vouch networks, founder choices and attacks.

For each network (``bench/networks.py``), way of choosing founders and attack
(``bench/attacks.py``), with attack vouches from 0.25% and from 2.5% of the honest members,
over several seeds, every metric computes trust once (the ``slow`` attack: once per
recalculation) and we measure:

- ``auc``: the chance that a random honest member outranks a random fake by score (ties
  count half);
- ``fakes_per_attack_vouch``: fakes vouched, per attack vouch;
- ``honest_vouched``: the share of honest members vouched (honest: a vouch path from a
  founder through members allowed to vouch; nobody else can be vouched under the rules).

Networks are split in two. The default metric's few parameters were chosen on the
*tuning* networks (generated graphs and ego-Facebook, each at 0%, 33% and 67% of vouches
returned); the *held-out* networks (the real vouch and rating networks) were not used to
choose them. Metrics are pure functions of the graph, so no database is involved; cases
run in parallel, one process per core.

    python -m bench.sybil                                  # everything, 3 seeds
    python -m bench.sybil --networks advogato-2005 --seeds 1 --metrics pledge,advogato
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np

from vouching.trust import DEFAULT_METRIC, METRICS

from .attacks import (
    ATTACKS,
    FOUNDER_CHOICES,
    LISTED,
    founders_for,
    honest_members,
    scenario,
    slow_attack,
)
from .common import emit, log
from .networks import DatasetsMissing, load

TUNING = (
    "generated-10000-r0",
    "generated-10000-r33",
    "generated-10000-r67",
    "facebook-r0",
    "facebook-r33",
    "facebook-r67",
)
HELD_OUT = (
    "advogato-2005",
    "robots-net-2005",
    "advogato-konect",
    "squeak-2007",
    "bitcoin-otc",
    "bitcoin-alpha",
    "email-eu",
)
SHARES = (0.0025, 0.025)
# The targets for the default metric, worst over every case, by attack share.
TARGETS = {
    0.0025: {"auc": 0.95, "fakes_per_attack_vouch": 1.0, "honest_vouched": 0.90},
    0.025: {"auc": 0.85, "fakes_per_attack_vouch": 3.0, "honest_vouched": 0.80},
}
# advogato-classic is pure Python: only for small communities.
CLASSIC_MAX_VOUCHES = 50_000
# The default metric's trade-off: its capacity slack, swept on the cases it fails.
SLACKS = (1.0, 3.0, 9.0, 27.0, 81.0)


def auc(score: np.ndarray, is_fake: np.ndarray, is_honest: np.ndarray) -> float:
    """Probability that a random honest member outranks a random fake (ties half)."""
    from scipy.stats import rankdata

    counted = is_fake | is_honest
    ranks = rankdata(score[counted])
    fake = is_fake[counted]
    n_h, n_f = int((~fake).sum()), int(fake.sum())
    return float((ranks[~fake].sum() - n_h * (n_h + 1) / 2) / (n_h * n_f))


def figures(result, case) -> dict:
    fakes = int(result.vouched[case.is_fake].sum())
    return {
        "auc": round(auc(result.score, case.is_fake, case.is_honest), 4),
        "fakes_vouched": fakes,
        "fakes_per_attack_vouch": round(fakes / case.attack_vouches, 3),
        "honest_vouched": round(float(result.vouched[case.is_honest].mean()), 4),
    }


@contextmanager
def slack(value: float | None):
    """The default metric with another capacity slack, for the trade-off curve."""
    from vouching.trust import pledge

    before = pledge.CAPACITY_SLACK
    if value is not None:
        pledge.CAPACITY_SLACK = value
    try:
        yield
    finally:
        pledge.CAPACITY_SLACK = before


def run_case(task: tuple) -> list[dict]:
    """Every metric on one scenario: (network, founders, attack, share, seed, metrics, slack)."""
    network_name, how, kind, share, seed, metric_names, slack_value = task
    network = load(network_name)
    key = zlib.crc32(f"{network_name}/{how}/{kind}/{share}".encode())
    base = {"network": network_name, "founders": how, "attack": kind, "share": share, "seed": seed}
    if slack_value is not None:
        base["slack"] = slack_value

    def fresh():
        rng = np.random.default_rng([seed, key])
        founders = founders_for(network, how, rng)
        honest, may_vouch = honest_members(network, founders)
        return rng, founders, honest, may_vouch

    rows = []
    with slack(slack_value):
        if kind != "slow":
            rng, founders, honest, may_vouch = fresh()
            case = scenario(network, founders, honest, may_vouch, kind, share, rng)
        for name in metric_names:
            row = {**base, "metric": name}
            metric = METRICS[name]
            started = time.perf_counter()
            if kind == "slow":
                rng, founders, honest, may_vouch = fresh()
                if name == "advogato-classic" and len(network.edges) > CLASSIC_MAX_VOUCHES:
                    rows.append({**row, "skipped": "pure Python: small networks only"})
                    continue
                case, result, history = slow_attack(
                    metric, network, founders, honest, may_vouch, share, rng
                )
                row["fakes_vouched_by_round"] = history
            else:
                if name == "advogato-classic" and case.graph.m > CLASSIC_MAX_VOUCHES:
                    rows.append({**row, "skipped": "pure Python: small networks only"})
                    continue
                result = metric.compute(case.graph)
            row.update(figures(result, case))
            row["attack_vouches"] = case.attack_vouches
            row["seconds"] = round(time.perf_counter() - started, 3)
            rows.append(row)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Worst and mean over seeds of each (metric, network, founders, attack, share)."""
    cases: dict = {}
    for row in rows:
        if "skipped" in row:
            continue
        key = (row["metric"], row["network"], row["founders"], row["attack"], row["share"])
        cases.setdefault(key, []).append(row)
    table = []
    for (metric, network, founders, attack, share), runs in sorted(cases.items()):
        aucs = [r["auc"] for r in runs]
        per = [r["fakes_per_attack_vouch"] for r in runs]
        honest = [r["honest_vouched"] for r in runs]
        table.append(
            {
                "metric": metric,
                "network": network,
                "set": "tuning" if network in TUNING else "held-out",
                "founders": founders,
                "attack": attack,
                "share": share,
                "attack_vouches": runs[0]["attack_vouches"],
                "seeds": len(runs),
                "auc_worst": min(aucs),
                "auc_mean": round(statistics.mean(aucs), 4),
                "fakes_per_attack_vouch_worst": max(per),
                "fakes_per_attack_vouch_mean": round(statistics.mean(per), 3),
                "honest_vouched_worst": min(honest),
                "honest_vouched_mean": round(statistics.mean(honest), 4),
                "seconds_mean": round(statistics.mean(r["seconds"] for r in runs), 3),
            }
        )
    return table


def meets(row: dict) -> dict:
    limits = TARGETS[row["share"]]
    return {
        "auc": row["auc_worst"] >= limits["auc"],
        "fakes_per_attack_vouch": row["fakes_per_attack_vouch_worst"]
        <= limits["fakes_per_attack_vouch"],
        "honest_vouched": row["honest_vouched_worst"] >= limits["honest_vouched"],
    }


def default_verdict(table: list[dict], attacks) -> dict:
    """The default metric against the issue's targets: the worst over every case of the
    listed attacks, per attack share and per network set, and the cases that miss."""
    listed = [r for r in table if r["metric"] == DEFAULT_METRIC and r["attack"] in attacks]
    out: dict = {}
    for share, limits in TARGETS.items():
        for subset in ("all", "held-out", "tuning"):
            rows = [r for r in listed if r["share"] == share and subset in ("all", r["set"])]
            if not rows:
                continue
            worst = {
                "auc": min(r["auc_worst"] for r in rows),
                "fakes_per_attack_vouch": max(r["fakes_per_attack_vouch_worst"] for r in rows),
                "honest_vouched": min(r["honest_vouched_worst"] for r in rows),
            }
            out.setdefault(f"share={share}", {})[subset] = {
                "cases": len(rows),
                "worst": worst,
                "targets": limits,
                "meets_target": (
                    worst["auc"] >= limits["auc"]
                    and worst["fakes_per_attack_vouch"] <= limits["fakes_per_attack_vouch"]
                    and worst["honest_vouched"] >= limits["honest_vouched"]
                ),
                "missed": [
                    {
                        "case": f"{r['network']} / {r['founders']} / {r['attack']}",
                        **{k: v for k, v in meets(r).items() if not v},
                        "auc_worst": r["auc_worst"],
                        "fakes_per_attack_vouch_worst": r["fakes_per_attack_vouch_worst"],
                        "honest_vouched_worst": r["honest_vouched_worst"],
                    }
                    for r in rows
                    if not all(meets(r).values())
                ],
            }
    return out


def network_facts(names) -> dict:
    facts = {}
    for name in names:
        try:
            network = load(name)
        except DatasetsMissing as missing:
            facts[name] = {"skipped": str(missing)}
            continue
        rng = np.random.default_rng(0)
        honest = {}
        for how in FOUNDER_CHOICES:
            if how == "real" and not network.seeds:
                continue
            founders = founders_for(network, how, rng)
            honest[how] = int(honest_members(network, founders)[0].sum())
        facts[name] = {
            "members": network.n,
            "vouches": len(network.edges),
            "returned_share": round(network.reciprocity, 3),
            "honest_members_by_founders": honest,
            "set": "tuning" if name in TUNING else "held-out",
        }
    return facts


def tasks_for(networks, metrics, seeds, attacks, slack_value=None):
    for name in networks:
        network = load(name)
        for how in FOUNDER_CHOICES:
            if how == "real" and not network.seeds:
                continue
            for kind in attacks:
                for share in SHARES:
                    for seed in range(seeds):
                        yield (name, how, kind, share, seed, tuple(metrics), slack_value)


def run(
    networks=TUNING + HELD_OUT,
    metrics=None,
    *,
    seeds: int = 3,
    attacks=ATTACKS,
    tradeoff: bool = True,
    workers: int | None = None,
) -> dict:
    started = time.perf_counter()
    available = []
    for name in networks:
        try:
            load(name)
            available.append(name)
        except DatasetsMissing as missing:
            log(f"sybil: {name} skipped ({missing})")
    metrics = list(metrics or METRICS)
    tasks = list(tasks_for(available, metrics, seeds, attacks))
    log(f"sybil: {len(tasks)} scenarios x {len(metrics)} metrics on {len(available)} networks")
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        for done, result in enumerate(pool.map(run_case, tasks, chunksize=2), start=1):
            rows += result
            if done % 100 == 0:
                log(f"sybil: {done}/{len(tasks)} scenarios")
        table = summarize(rows)
        verdict = default_verdict(table, [a for a in attacks if a in LISTED])
        curve = {}
        if tradeoff:
            curve = tradeoff_curve(pool, table, seeds)
    return {
        "networks": network_facts(available),
        "targets": {str(k): v for k, v in TARGETS.items()},
        "default_metric": DEFAULT_METRIC,
        "default_verdict": verdict,
        "tradeoff": curve,
        "table": table,
        "seconds": round(time.perf_counter() - started, 1),
    }


def tradeoff_curve(pool, table, seeds) -> dict:
    """Where the default misses a target, its trade-off: honest members vouched against
    fakes per attack vouch (every attack, the extra ones included) as its capacity slack
    grows, next to the percolation metric."""
    missed = sorted(
        {
            (r["network"], r["founders"])
            for r in table
            if r["metric"] == DEFAULT_METRIC and not meets(r)["honest_vouched"]
        }
    )
    curve: dict = {}
    for network, how in missed:
        points = []
        for value in SLACKS:
            tasks = [
                (network, how, kind, share, seed, (DEFAULT_METRIC,), value)
                for kind in ATTACKS
                if kind != "slow"
                for share in SHARES
                for seed in range(seeds)
            ]
            rows = [row for result in pool.map(run_case, tasks) for row in result]
            points.append(_point(f"{DEFAULT_METRIC} slack={value:g}", rows))
        rows = [
            r
            for r in table
            if r["network"] == network and r["founders"] == how and r["metric"] == "percolation"
        ]
        if rows:
            points.append(
                {
                    "metric": "percolation",
                    **{
                        f"share={share}": {
                            "honest_vouched_worst": min(
                                r["honest_vouched_worst"] for r in rows if r["share"] == share
                            ),
                            "fakes_per_attack_vouch_worst": max(
                                r["fakes_per_attack_vouch_worst"]
                                for r in rows
                                if r["share"] == share
                            ),
                        }
                        for share in SHARES
                    },
                }
            )
        curve[f"{network} / {how}"] = points
    return curve


def _point(label: str, rows: list[dict]) -> dict:
    point: dict = {"metric": label}
    for share in SHARES:
        mine = [r for r in rows if r["share"] == share]
        point[f"share={share}"] = {
            "honest_vouched_worst": min(r["honest_vouched"] for r in mine),
            "fakes_per_attack_vouch_worst": max(r["fakes_per_attack_vouch"] for r in mine),
            "fakes_per_attack_vouch_worst_listed_attacks": max(
                r["fakes_per_attack_vouch"] for r in mine if r["attack"] in LISTED
            ),
        }
    return point


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sybil")
    parser.add_argument("--networks", default=",".join(TUNING + HELD_OUT))
    parser.add_argument("--metrics", default=None, help="comma-separated; all by default")
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-tradeoff", action="store_true")
    args = parser.parse_args()
    emit(
        run(
            args.networks.split(","),
            args.metrics.split(",") if args.metrics else None,
            seeds=args.seeds,
            attacks=args.attacks.split(","),
            tradeoff=not args.no_tradeoff,
        )
    )


if __name__ == "__main__":
    main()
