"""Belief propagation from labelled members, kept for comparison: SybilSCAR and GANG.

Both treat standing as a label (honest or fake) that members share with their neighbours,
and propagate a prior from the members whose label is known, in the linearised form of
loopy belief propagation (a "residual": belief minus one half):

- ``sybilscar``: Wang, Zhang and Gong's local rule (INFOCOM 2017), degree-weighted
  ("SybilSCAR-D"): each member's residual is their prior plus the average of their
  neighbours' residuals. Links are undirected, as in the paper.
- ``gang``: Wang, Gong and Fu's guilt-by-association on directed graphs (ICDM 2017),
  applied to vouches: a returned vouch is a two-way link, while a one-way vouch passes
  belief only from the voucher to the vouchee, since fake accounts vouch for honest members
  to borrow their standing and honest members rarely vouch for fakes.

The only labels Pledge has are the founders (honest). Without labelled fakes every
reachable member ends with a positive residual, so "vouched" needs a threshold: a share
``VOUCHED_RESIDUAL`` of the average residual, as SybilRank compares with an even spread,
chosen on the tuning networks of ``bench/sybil.py`` (generated and ego-Facebook graphs),
never per network. Propagation
stops after log2(n) rounds, as SybilRank's does: run to convergence, every residual in a
connected graph tends to the same value.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from .graph import TrustGraph, TrustResult

# Prior residual of a labelled honest member (SybilSCAR's reference code uses 0.6 - 0.5).
PRIOR = 0.1
# Vouched at this share of the average residual (tuned on the tuning networks).
VOUCHED_RESIDUAL = 0.2


def propagate_residuals(links: sparse.csr_matrix, founders: np.ndarray, n: int) -> np.ndarray:
    """Residuals after log2(n) rounds of r = prior + (row-normalised links) r, clipped to
    the belief's range; ``links`` rows are receivers, columns the neighbours they hear."""
    prior = np.zeros(n)
    prior[founders] = PRIOR
    weight = np.asarray(links.sum(axis=1)).ravel()
    inverse = np.divide(1.0, weight, out=np.zeros(n), where=weight > 0)
    average = (sparse.diags(inverse) @ links).tocsr()
    residual = prior.copy()
    for _ in range(max(1, math.ceil(math.log2(max(n, 2))))):
        residual = np.clip(prior + average @ residual, -0.5, 0.5)
    return residual


def _result(name: str, graph: TrustGraph, residual: np.ndarray) -> TrustResult:
    positive = residual[residual > 0]
    average = positive.mean() if len(positive) else PRIOR
    vouched = residual >= VOUCHED_RESIDUAL * average
    vouched[graph.founders] = True
    score = np.clip(0.5 + residual, 0.0, 1.0)
    return TrustResult(metric=name, vouched=vouched, score=score, level=vouched.astype(np.int8))


class SybilScarMetric:
    name = "sybilscar"

    def compute(self, graph: TrustGraph) -> TrustResult:
        if not graph.n or not len(graph.founders):
            return TrustResult.empty(self.name, graph.n)
        links = graph.adjacency()
        links = ((links + links.T) > 0).astype(np.float64).tocsr()
        return _result(self.name, graph, propagate_residuals(links, graph.founders, graph.n))


class GangMetric:
    name = "gang"

    def compute(self, graph: TrustGraph) -> TrustResult:
        if not graph.n or not len(graph.founders):
            return TrustResult.empty(self.name, graph.n)
        may_vouch = graph.may_vouch()
        vouches = graph.adjacency((may_vouch[graph.src]).astype(np.float64))
        vouches.data = np.minimum(vouches.data, 1.0)
        both = vouches.multiply(vouches.T)
        one_way = vouches - both
        # Rows receive: a vouchee hears its vouchers; both ends of a returned vouch hear
        # each other.
        links = (one_way.T + both).tocsr()
        return _result(self.name, graph, propagate_residuals(links, graph.founders, graph.n))
