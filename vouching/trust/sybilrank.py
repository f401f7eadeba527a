"""SybilRank-style propagation: early-terminated personalized PageRank from the founders.

This is the textbook form (Cao et al.'s SybilRank with a restart to the seeds): a vouch
is a link whichever way it points, all links weigh the same, and trust spreads for
O(log n) steps, long enough to cover a well-connected honest community, too short to fill
a ring of fake accounts hanging off it by a few attack links. Dividing by degree removes
the advantage of simply collecting links. ``pledge.py`` builds Pledge's default on it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from .graph import TrustGraph, TrustResult

# Chance that trust returns to the founders at each step, as in personalized PageRank.
RESTART = 0.15
# Vouched when a member holds at least this share of what they would hold if trust were
# spread evenly by degree (what a walk long enough to mix would leave everywhere).
VOUCHED_SHARE = 0.1


def propagate(
    matrix: sparse.csr_matrix,
    founders: np.ndarray,
    *,
    restart: float,
    steps: int | None = None,
    pass_on: np.ndarray | None = None,
) -> np.ndarray:
    """Trust per node after ``steps`` rounds of spreading along ``matrix`` (row = giver).

    Each node splits what it holds among its links in proportion to their weight. A node
    passes on only its ``pass_on`` share (1 by default); the rest, what nodes without
    links hold, and the restart share go back to the founders.
    """
    n = matrix.shape[0]
    trust = np.zeros(n, dtype=np.float64)
    if not n or not len(founders):
        return trust
    out_weight = np.asarray(matrix.sum(axis=1)).ravel()
    inverse = np.divide(1.0, out_weight, out=np.zeros(n), where=out_weight > 0)
    if pass_on is not None:
        inverse = inverse * pass_on
    spread_matrix = sparse.diags(inverse) @ matrix
    spread_matrix = spread_matrix.T.tocsr()
    start = np.zeros(n)
    start[founders] = 1.0 / len(founders)
    trust = start.copy()
    kept = np.where(out_weight > 0, 1.0 - (pass_on if pass_on is not None else 1.0), 1.0)
    for _ in range(steps or max(1, math.ceil(math.log2(max(n, 2))))):
        returned = restart + (1 - restart) * float(kept @ trust)
        trust = (1 - restart) * (spread_matrix @ trust) + returned * start
    return trust


def relative_to_even(trust: np.ndarray, degree: np.ndarray, founders: np.ndarray) -> np.ndarray:
    """Trust per unit of degree, where 1.0 is what an even spread would give."""
    degree = degree.astype(np.float64).copy()
    degree[founders] = np.maximum(degree[founders], 1.0)
    total_degree = degree.sum()
    if total_degree <= 0 or trust.sum() <= 0:
        return np.zeros(len(trust))
    per_degree = np.divide(trust, degree, out=np.zeros(len(trust)), where=degree > 0)
    return per_degree / (trust.sum() / total_degree)


class SybilRankMetric:
    name = "sybilrank"

    def compute(self, graph: TrustGraph) -> TrustResult:
        links = graph.adjacency()
        links = ((links + links.T) > 0).astype(np.float64).tocsr()
        trust = propagate(links, graph.founders, restart=RESTART)
        relative = relative_to_even(trust, np.asarray(links.sum(axis=0)).ravel(), graph.founders)
        vouched = relative >= VOUCHED_SHARE
        vouched[graph.founders] = True
        return TrustResult(
            metric=self.name,
            vouched=vouched,
            score=np.clip(relative, 0.0, 1.0),
            level=vouched.astype(np.int8),
        )
