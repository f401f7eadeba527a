"""Trust metrics over the vouch graph. Every metric is a pure function of a ``TrustGraph``.

- ``advogato``: Levien's network-flow metric, one max-flow per vouch strength, with
  capacities that grow with membership (``advogato.py``).
- ``advogato-classic``: the same metric computed in mod_virgule's own order, with fixed
  capacities; for communities imported from Advogato-style sites (``advogato_classic.py``).
- ``pledge`` (the default): shares of trust that flow from the founders along vouches, one
  per member, conserved, so fake accounts get no more than the vouches honest members gave
  them carry; with levels per strength (``pledge.py``).
- ``pledge-pagerank``: the first default, personalized PageRank that follows vouch
  direction, strength, the joining rules and forfeited pledges (``pagerank.py``).
- ``sybilrank``: the textbook early-terminated personalized PageRank from the founders
  over vouches as undirected links (``sybilrank.py``).
- ``percolation``: the default's shares, but every established member hands out as many
  as asked: vouches the most honest members, and lets a ring built for it in whole
  (``percolation.py``).
- ``sybilscar`` and ``gang``: belief propagation from the founders, undirected and
  direction-aware (``belief.py``).
- ``naive``: vouched by at least three vouched members, the baseline (``naive.py``).
"""

from __future__ import annotations

from typing import Protocol

from .advogato import AdvogatoMetric, ClassicAdvogatoMetric
from .belief import GangMetric, SybilScarMetric
from .graph import TrustGraph, TrustResult
from .naive import NaiveMetric
from .pagerank import PledgePagerankMetric
from .percolation import PercolationMetric
from .pledge import PledgeMetric
from .sybilrank import SybilRankMetric


class TrustMetric(Protocol):
    name: str

    def compute(self, graph: TrustGraph) -> TrustResult:
        """Trust of every member of ``graph``."""
        ...


METRICS: dict[str, TrustMetric] = {
    metric.name: metric
    for metric in (
        PledgeMetric(),
        PledgePagerankMetric(),
        AdvogatoMetric(),
        ClassicAdvogatoMetric(),
        SybilRankMetric(),
        PercolationMetric(),
        SybilScarMetric(),
        GangMetric(),
        NaiveMetric(),
    )
}
DEFAULT_METRIC = "pledge"


def get_metric(name: str | None = None) -> TrustMetric:
    try:
        return METRICS[name or DEFAULT_METRIC]
    except KeyError:
        raise ValueError(
            f"Unknown trust metric {name!r}; choose from {', '.join(sorted(METRICS))}."
        ) from None


__all__ = ["METRICS", "DEFAULT_METRIC", "TrustGraph", "TrustMetric", "TrustResult", "get_metric"]
