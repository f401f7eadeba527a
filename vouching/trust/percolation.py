"""Percolation: established members hand out shares without limit. Kept for comparison.

The same shares as the default metric (``pledge.py``), but every established member is a
source, as the founders are, and every other vouch carries one share. Members become
established when three established members vouch for them. It vouches the most honest
members of any metric here, including communities its founders reach only through a few
dozen vouches, because establishment spreads like a rumour: it needs no share to travel.

That is also its flaw. Establishment costs nothing, so three accomplices who vouch for the
same fake make it a source of unlimited shares, and fakes that three such fakes vouch for
become sources in turn: a ring built for it is let in whole (``bench/sybil.py``, "persona"
attack). The default bounds what any vouch carries instead.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import maximum_flow

from .graph import TrustGraph, TrustResult
from .pagerank import relative_trust
from .pledge import UNLIMITED, _network, established_members

ESTABLISHING_VOUCHES = 3


class PercolationMetric:
    name = "percolation"

    def compute(self, graph: TrustGraph) -> TrustResult:
        n = graph.n
        may_vouch = graph.may_vouch()
        vouched = np.zeros(n, dtype=bool)
        if n and len(graph.founders):
            sources = established_members(graph, may_vouch, ESTABLISHING_VOUCHES)
            carries = may_vouch[graph.src]
            source, sink = n, n + 1
            rows = np.concatenate(
                [np.full(sources.sum(), source), graph.src[carries], np.arange(n)]
            )
            cols = np.concatenate([np.flatnonzero(sources), graph.dst[carries], np.full(n, sink)])
            caps = np.concatenate(
                [np.full(sources.sum(), UNLIMITED), np.ones(carries.sum()), np.ones(n)]
            )
            flow = maximum_flow(_network(rows, cols, caps, n + 2), source, sink).flow
            vouched = (np.asarray(flow[:, [sink]].todense()).ravel()[:n] > 0) | sources
        relative = np.clip(relative_trust(graph), 0.0, 1.0)
        return TrustResult(
            metric=self.name,
            vouched=vouched,
            score=(vouched + relative) / 2,
            level=vouched.astype(np.int8),
        )
