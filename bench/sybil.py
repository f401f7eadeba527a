"""Sybil simulation: an honest community, a ring of fake accounts, and g attack vouches.

The honest community is SNAP's ego-Facebook (4,039 people, from ``$PLEDGE_DATASETS``;
each friendship becomes a vouch one way, or both ways half the time) or a generated one
("generated-N": ``bench.graphs.fast_social_vouch_graph``; "holme-kim-N": networkx's
slower Holme-Kim growth). Its ten best-connected members are the founders. A ring of
1,000 fake accounts vouches densely for itself (a dozen strength-3 vouches each), and
``g`` attack vouches go from distinct random honest members to random fakes. In the
"fakes-vouch-back" scenario the fakes also write 1,000 vouches for random honest members,
who accept them: free for an attacker, and only direction-aware metrics ignore them.

For each metric it reports the AUC of honest-versus-fake ranking by score (ties count
half), the fakes that reach "vouched" per attack vouch, and the share of honest members
vouched, for several seeds (the fake ring and the attack vouches change with the seed).
Metrics are pure functions of the graph, so no database is involved.

    python -m bench.sybil --communities facebook,generated-10000 --seeds 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from vouching.trust import DEFAULT_METRIC, METRICS, TrustGraph

from .common import emit, log, target
from .graphs import fast_social_vouch_graph, social_vouch_graph

FAKES = 1_000
FAKE_VOUCHES_EACH = 12  # dense: every fake vouches for a dozen others
FOUNDERS = 10
FAKE_VOUCHES_FOR_HONEST = 1_000
SCENARIOS = ("ring", "fakes-vouch-back")
# advogato-classic is pure Python: only for small imported communities.
CLASSIC_MAX_VOUCHES = 50_000
# The targets for the default metric, by share of honest members making attack
# vouches: (minimum AUC, maximum fakes vouched per attack vouch).
TARGETS = {0.0025: (0.95, 3.0), 0.025: (0.85, 5.0)}
MIN_HONEST_VOUCHED = 0.90


def facebook_friendships() -> list[tuple[int, int]] | None:
    """SNAP ego-Facebook (4,039 people), or None when the datasets are not available."""
    root = os.environ.get("PLEDGE_DATASETS")
    if not root:
        return None
    path = Path(root) / "ego-facebook" / "facebook_combined.txt"
    if not path.exists():
        return None
    pairs = []
    for line in path.read_text().splitlines():
        if line.strip():
            a, b = line.split()
            pairs.append((int(a), int(b)))
    return pairs


def vouches_from_friendships(pairs, *, seed: int) -> list[tuple[int, int, int]]:
    """Each friendship becomes a vouch one way, or both ways half the time."""
    rng = random.Random(seed)
    edges = []
    for a, b in pairs:
        if rng.random() < 0.5:
            a, b = b, a
        edges.append((a, b, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
        if rng.random() < 0.5:
            edges.append((b, a, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
    return edges


def honest_community(name: str, *, seed: int = 11) -> tuple[int, np.ndarray] | None:
    """(number of members, (m, 3) vouch array) of an honest community."""
    if name == "facebook":
        pairs = facebook_friendships()
        if pairs is None:
            return None
        n = 1 + max(max(p) for p in pairs)
        return n, np.array(vouches_from_friendships(pairs, seed=seed), dtype=np.int64)
    if name.startswith("holme-kim-"):
        n = int(name.removeprefix("holme-kim-"))
        return n, np.array(social_vouch_graph(n, seed=seed), dtype=np.int64)
    n = int(name.removeprefix("generated-"))
    return n, fast_social_vouch_graph(n, seed=seed).edges


def attacked_graph(
    n: int, honest: np.ndarray, g: int, *, seed: int, scenario: str = "ring"
) -> tuple[TrustGraph, np.ndarray]:
    """The honest graph plus the fake ring and ``g`` attack vouches; and who is fake."""
    rng = random.Random(seed)
    degree = np.bincount(honest[:, :2].ravel(), minlength=n)
    founders = [int(i) for i in np.argsort(-degree, kind="stable")[:FOUNDERS]]
    fakes = list(range(n, n + FAKES))
    ring = []
    for fake in fakes:
        for other in rng.sample(fakes, FAKE_VOUCHES_EACH + 1):
            if other != fake:
                ring.append((fake, other, 3))
    founder_set = set(founders)
    attackers = rng.sample([m for m in range(n) if m not in founder_set], g)
    attack = [(a, rng.choice(fakes), rng.choice((1, 2, 3))) for a in attackers]
    extra = []
    if scenario == "fakes-vouch-back":
        pairs = set()
        while len(pairs) < FAKE_VOUCHES_FOR_HONEST:
            pairs.add((rng.choice(fakes), rng.randrange(n)))
        extra = [(f, h, rng.choice((1, 2, 3))) for f, h in sorted(pairs)]
    edges = np.concatenate([honest, np.array(attack + ring + extra, dtype=np.int64)])
    ids = np.array(founders + [m for m in range(n + FAKES) if m not in founder_set])
    graph = TrustGraph.from_id_arrays(ids=ids, n_founders=len(founders), edges=edges)
    return graph, graph.ids >= n


def auc(score: np.ndarray, is_fake: np.ndarray) -> float:
    """Probability that a random honest member outranks a random fake (ties half)."""
    from scipy.stats import rankdata

    ranks = rankdata(score)
    honest = ~is_fake
    n_h, n_f = honest.sum(), is_fake.sum()
    return float((ranks[honest].sum() - n_h * (n_h + 1) / 2) / (n_h * n_f))


def simulate(
    community: str,
    attacks: list[int],
    metrics=None,
    *,
    seed: int = 5,
    seeds: int = 1,
    scenario: str = "ring",
) -> list[dict]:
    """One row per (attack size, metric, seed)."""
    base = honest_community(community)
    if base is None:
        return [{"community": community, "skipped": "PLEDGE_DATASETS is not set"}]
    n, honest = base
    results = []
    for g in attacks:
        for run in range(seeds):
            graph, is_fake = attacked_graph(
                n, honest, g, seed=seed + 1000 * run + g, scenario=scenario
            )
            honest_mask = ~is_fake
            for name in metrics or sorted(METRICS):
                row = {
                    "community": community,
                    "scenario": scenario,
                    "honest_members": int(honest_mask.sum()),
                    "attack_vouches": g,
                    "attack_share": round(g / honest_mask.sum(), 4),
                    "metric": name,
                    "seed": run,
                }
                if name == "advogato-classic" and graph.m > CLASSIC_MAX_VOUCHES:
                    results.append({**row, "skipped": f"{graph.m:,} vouches > 50,000"})
                    continue
                started = time.perf_counter()
                result = METRICS[name].compute(graph)
                seconds = time.perf_counter() - started
                fakes_vouched = int(result.vouched[is_fake].sum())
                results.append(
                    {
                        **row,
                        "auc": round(auc(result.score, is_fake), 4),
                        "fakes_vouched": fakes_vouched,
                        "fakes_per_attack_vouch": round(fakes_vouched / g, 3),
                        "honest_vouched_share": round(float(result.vouched[honest_mask].mean()), 4),
                        "seconds": round(seconds, 3),
                    }
                )
    return results


def summarize(rows: list[dict]) -> dict:
    """Mean and worst over seeds of each (scenario, community, g, metric) case."""
    cases: dict = {}
    for row in rows:
        key = (row["scenario"], row["community"], row["attack_vouches"], row["metric"])
        cases.setdefault(key, []).append(row)
    out: dict = {}
    for (scenario, community, g, metric), runs in cases.items():
        case = out.setdefault(scenario, {}).setdefault(community, {}).setdefault(f"g={g}", {})
        if "skipped" in runs[0]:
            case[metric] = {"skipped": "advogato-classic above 50,000 vouches"}
            continue
        aucs = [r["auc"] for r in runs]
        per = [r["fakes_per_attack_vouch"] for r in runs]
        share = [r["honest_vouched_share"] for r in runs]
        figures = {
            "attack_share": runs[0]["attack_share"],
            "seeds": len(runs),
            "auc_mean": round(statistics.mean(aucs), 4),
            "auc_worst": min(aucs),
            "fakes_per_attack_vouch_mean": round(statistics.mean(per), 3),
            "fakes_per_attack_vouch_worst": max(per),
            "honest_vouched_share_mean": round(statistics.mean(share), 4),
            "honest_vouched_share_worst": min(share),
            "seconds_mean": round(statistics.mean(r["seconds"] for r in runs), 3),
        }
        limits = target_for(runs[0]["attack_share"])
        if metric == DEFAULT_METRIC and limits:
            min_auc, max_per = limits
            figures["targets"] = {
                "auc_worst": target(figures["auc_worst"], min_auc, at_most=False),
                "auc_mean": target(figures["auc_mean"], min_auc, at_most=False),
                "fakes_per_attack_vouch_worst": target(
                    figures["fakes_per_attack_vouch_worst"], max_per
                ),
                "fakes_per_attack_vouch_mean": target(
                    figures["fakes_per_attack_vouch_mean"], max_per
                ),
                "honest_vouched_share_worst": target(
                    figures["honest_vouched_share_worst"], MIN_HONEST_VOUCHED, at_most=False
                ),
            }
            figures["meets_target"] = all(
                t["meets_target"] for k, t in figures["targets"].items() if k.endswith("worst")
            )
        case[metric] = figures
    return out


def target_for(share: float) -> tuple[float, float] | None:
    """The issue's target for an attack share (0.25% or 2.5% of honest members)."""
    for wanted, limits in TARGETS.items():
        if abs(share - wanted) / wanted < 0.05:
            return limits
    return None


DEFAULT_CASES = {"facebook": [10, 25, 50, 100], "generated-10000": [25, 100, 250]}


def run(communities: dict[str, list[int]] | None = None, *, seeds: int = 3, metrics=None):
    """Every scenario, community and attack size; rows and their summary."""
    rows = []
    for scenario in SCENARIOS:
        for community, attacks in (communities or DEFAULT_CASES).items():
            log(f"sybil: {scenario} on {community}, g in {attacks}")
            rows += simulate(community, attacks, metrics, seeds=seeds, scenario=scenario)
    return {"runs": rows, "summary": summarize([r for r in rows if "scenario" in r])}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sybil")
    parser.add_argument("--communities", default="facebook,generated-10000")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--metrics", default=None, help="comma-separated; all by default")
    args = parser.parse_args()
    chosen = {name: DEFAULT_CASES.get(name, [25, 100, 250]) for name in args.communities.split(",")}
    metrics = args.metrics.split(",") if args.metrics else None
    emit(run(chosen, seeds=args.seeds, metrics=metrics)["summary"])


if __name__ == "__main__":
    main()
