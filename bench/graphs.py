"""Social-looking vouch graphs: heavy-tailed degrees and clustering, as real ones have.

Two generators:

- ``social_vouch_graph``: networkx's Holme-Kim growth (preferential attachment with
  triad closure). Faithful but pure Python: fine for thousands of members, far too slow
  at a million.
- ``fast_social_vouch_graph``: the same two properties in numpy, a million members and
  ten million vouches in well under a minute. Members sit on a ring; every member draws a
  heavy-tailed (Pareto) number of friendship ends. Most of a member's ends tie to members
  a few places away on the ring, whose own neighbours are also close by, so friends of
  friends are often friends (clustering, as in a small-world lattice); the remaining ends
  tie to members chosen in proportion to their own draw, Chung-Lu style, so the popular
  become hubs (heavy tails, short paths). Each friendship becomes a vouch one way, or
  both ways half the time, with mostly middling strengths.

``graph_summary`` describes a generated graph (degree percentiles, sampled clustering) so
the JSON shows that it looks social.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from scipy import sparse

STRENGTHS = np.array([1, 2, 3], dtype=np.int64)
STRENGTH_WEIGHTS = np.array([3, 5, 2]) / 10


def social_vouch_graph(members: int, vouches_per_member: int = 10, *, seed: int = 7):
    """Edges ``(voucher, vouchee, strength)`` over member indexes ``0..members-1``.

    Holme-Kim growth (preferential attachment with triad closure) gives the degree
    distribution and clustering of friendship networks; each friendship becomes a vouch
    one way or both, with mostly middling strengths.
    """
    import networkx as nx

    rng = random.Random(seed)
    links = max(1, round(vouches_per_member / 1.5))
    graph = nx.powerlaw_cluster_graph(members, links, 0.3, seed=seed)
    edges = []
    for a, b in graph.edges():
        if rng.random() < 0.5:
            a, b = b, a
        edges.append((a, b, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
        if rng.random() < 0.5:
            edges.append((b, a, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
    return edges


@dataclass(frozen=True)
class VouchGraph:
    """A generated community: ``edges`` is an (m, 3) int64 array of member indexes
    ``(voucher, vouchee, strength)``; ``founders`` are the best-connected members."""

    members: int
    edges: np.ndarray
    founders: np.ndarray


# Pareto shape of the friendship-end draw: degrees with a power-law tail of exponent
# about 1 + PARETO_SHAPE, as measured on online social networks (2 to 3).
PARETO_SHAPE = 1.6
# Share of friendship ends tied near the member on the ring (the rest go to hubs).
LOCAL_SHARE = 0.75
# Local friends are at most this many ring places away, in either direction.
RING_WINDOW = 8
# Friendship ends drawn per friendship wanted: pairs drawn twice merge.
OVERDRAW = 1.6


def fast_social_vouch_graph(
    members: int, vouches_per_member: float = 10, *, seed: int = 7, founders: int = 10
) -> VouchGraph:
    """About ``vouches_per_member * members`` distinct vouches, heavy-tailed and clustered."""
    rng = np.random.default_rng(seed)
    n = members
    # Each friendship gives 1.5 vouches on average and has two ends; draw some spare
    # ends, since pairs drawn twice merge, and trim the friendships to size below.
    friendships = round(vouches_per_member * n / 1.5)
    ends_per_member = 2 * vouches_per_member / 1.5 * OVERDRAW
    raw = rng.pareto(PARETO_SHAPE, n) + 1.0
    ends = raw * (ends_per_member / raw.mean())
    ends = np.minimum(ends, n / 10)
    local = rng.binomial(np.maximum(np.round(ends).astype(np.int64), 1), LOCAL_SHARE)
    # Local ends: each member starts about half its local ends (the other half arrive
    # from neighbours), to a member a few ring places away.
    starts = rng.binomial(local, 0.5)
    a_local = np.repeat(np.arange(n, dtype=np.int64), starts)
    offset = rng.integers(1, RING_WINDOW + 1, len(a_local)) * rng.choice((-1, 1), len(a_local))
    b_local = (a_local + offset) % n
    # Far ends: endpoints in proportion to each member's remaining ends (Chung-Lu).
    far = np.maximum(np.round(ends).astype(np.int64) - local, 0)
    far_total = int(far.sum()) // 2
    weights = far / far.sum()
    a_far = rng.choice(n, far_total, p=weights)
    b_far = rng.choice(n, far_total, p=weights)
    a = np.concatenate([a_local, a_far])
    b = np.concatenate([b_local, b_far])
    keep = a != b
    a, b = a[keep], b[keep]
    # Friendships are unordered pairs, counted once.
    low, high = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(low * n + high)
    if len(pairs) > friendships:
        pairs = rng.choice(pairs, friendships, replace=False)
    low, high = pairs // n, pairs % n
    flip = rng.random(len(low)) < 0.5
    voucher = np.where(flip, high, low)
    vouchee = np.where(flip, low, high)
    both = rng.random(len(low)) < 0.5
    src = np.concatenate([voucher, vouchee[both]])
    dst = np.concatenate([vouchee, voucher[both]])
    strength = rng.choice(STRENGTHS, len(src), p=STRENGTH_WEIGHTS)
    # Vouches were made over time: shuffle so no member's vouches come in one block.
    order = rng.permutation(len(src))
    edges = np.stack([src[order], dst[order], strength[order]], axis=1)
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    top = np.argsort(-degree, kind="stable")[:founders]
    return VouchGraph(members=n, edges=edges, founders=top.astype(np.int64))


def _percentiles(values: np.ndarray) -> dict:
    return {
        "max": int(values.max()) if len(values) else 0,
        "p50": float(np.percentile(values, 50)),
        "p99": float(np.percentile(values, 99)),
        "mean": round(float(values.mean()), 2),
    }


def sampled_clustering(undirected: sparse.csr_matrix, *, sample: int, seed: int) -> float:
    """Average local clustering coefficient of a uniform sample of nodes (degree < 2
    counts as 0, as networkx does)."""
    n = undirected.shape[0]
    rng = np.random.default_rng(seed)
    nodes = rng.choice(n, min(sample, n), replace=False)
    rows = undirected[nodes]
    triangles = np.asarray((rows @ undirected).multiply(rows).sum(axis=1)).ravel() / 2
    degree = np.diff(rows.indptr)
    pairs = degree * (degree - 1) / 2
    local = np.divide(triangles, pairs, out=np.zeros(len(nodes)), where=pairs > 0)
    return float(local.mean())


def graph_summary(n: int, edges: np.ndarray, *, sample: int = 5_000, seed: int = 1) -> dict:
    """Degree distribution and clustering of a vouch graph, to show it looks social."""
    src, dst = edges[:, 0], edges[:, 1]
    out_degree = np.bincount(src, minlength=n)
    in_degree = np.bincount(dst, minlength=n)
    links = sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    undirected = ((links + links.T) > 0).astype(np.float64).tocsr()
    reciprocal = links.multiply(links.T).nnz / max(links.nnz, 1)
    return {
        "members": int(n),
        "vouches": len(edges),
        "vouches_per_member": round(len(edges) / n, 2),
        "out_degree": _percentiles(out_degree),
        "in_degree": _percentiles(in_degree),
        "friend_degree": _percentiles(np.diff(undirected.indptr)),
        "reciprocal_share": round(float(reciprocal), 3),
        "avg_clustering_sampled": round(
            sampled_clustering(undirected, sample=sample, seed=seed), 3
        ),
        "clustering_sample": min(sample, n),
        "strength_shares": {str(s): round(float((edges[:, 2] == s).mean()), 3) for s in (1, 2, 3)},
    }
