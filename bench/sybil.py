"""Sybil simulation: an honest community, a ring of fake accounts, and g attack vouches.

For each metric and attack size it reports the AUC of honest-versus-fake ranking (ties
count half), the fakes that reach "vouched" per attack vouch, and the share of honest
members vouched. Metrics are pure functions of the graph, so no database is involved.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np

from vouching.trust import METRICS, TrustGraph

from .graphs import social_vouch_graph

FAKES = 1_000
FAKE_VOUCHES_EACH = 12  # dense: every fake vouches for a dozen others
FOUNDERS = 10


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


def honest_community(name: str, *, seed: int = 11):
    """(number of members, vouches) of an honest community."""
    if name == "facebook":
        pairs = facebook_friendships()
        if pairs is None:
            return None
        n = 1 + max(max(p) for p in pairs)
        return n, vouches_from_friendships(pairs, seed=seed)
    n = int(name.removeprefix("generated-"))
    return n, social_vouch_graph(n, seed=seed)


def attacked_graph(n: int, honest, g: int, *, seed: int) -> tuple[TrustGraph, np.ndarray]:
    """The honest graph plus the fake ring and ``g`` attack vouches; and who is fake."""
    rng = random.Random(seed)
    degree = np.bincount(np.array([e[0] for e in honest] + [e[1] for e in honest]), minlength=n)
    founders = [int(i) for i in np.argsort(-degree, kind="stable")[:FOUNDERS]]
    fakes = list(range(n, n + FAKES))
    ring = []
    for fake in fakes:
        for other in rng.sample(fakes, FAKE_VOUCHES_EACH + 1):
            if other != fake:
                ring.append((fake, other, 3))
    attackers = rng.sample([m for m in range(n) if m not in founders], g)
    attack = [(a, rng.choice(fakes), rng.choice((1, 2, 3))) for a in attackers]
    graph = TrustGraph.build(
        founders=founders, members=range(n + FAKES), edges=[*honest, *attack, *ring]
    )
    is_fake = graph.ids >= n
    return graph, is_fake


def auc(score: np.ndarray, is_fake: np.ndarray) -> float:
    """Probability that a random honest member outranks a random fake (ties half)."""
    from scipy.stats import rankdata

    ranks = rankdata(score)
    honest = ~is_fake
    n_h, n_f = honest.sum(), is_fake.sum()
    return float((ranks[honest].sum() - n_h * (n_h + 1) / 2) / (n_h * n_f))


def simulate(community: str, attacks: list[int], metrics=None, *, seed: int = 5) -> list[dict]:
    base = honest_community(community)
    if base is None:
        return [{"community": community, "skipped": "PLEDGE_DATASETS is not set"}]
    n, honest = base
    results = []
    for g in attacks:
        graph, is_fake = attacked_graph(n, honest, g, seed=seed + g)
        honest_mask = ~is_fake
        for name in metrics or sorted(METRICS):
            started = time.perf_counter()
            result = METRICS[name].compute(graph)
            seconds = time.perf_counter() - started
            fakes_vouched = int(result.vouched[is_fake].sum())
            results.append(
                {
                    "community": community,
                    "honest_members": int(honest_mask.sum()),
                    "attack_vouches": g,
                    "attack_share": round(g / honest_mask.sum(), 4),
                    "metric": name,
                    "auc": round(auc(result.score, is_fake), 4),
                    "fakes_vouched": fakes_vouched,
                    "fakes_per_attack_vouch": round(fakes_vouched / g, 3),
                    "honest_vouched_share": round(float(result.vouched[honest_mask].mean()), 4),
                    "seconds": round(seconds, 3),
                }
            )
    return results
