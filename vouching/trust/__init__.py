"""Trust metrics over the vouch graph. Every metric is a pure function of a ``TrustGraph``.

- ``advogato``: Levien's network-flow metric, one max-flow per vouch strength, with
  capacities that grow with membership (``advogato.py``).
- ``advogato-classic``: the same metric computed in mod_virgule's own order, with fixed
  capacities; for communities imported from Advogato-style sites (``advogato_classic.py``).
- ``pledge`` (the default): personalized PageRank that follows vouch direction, strength,
  the joining rules and forfeited pledges, with levels per strength (``pledge.py``).
- ``sybilrank``: the textbook early-terminated personalized PageRank from the founders
  over vouches as undirected links (``sybilrank.py``).
- ``naive``: vouched by at least three vouched members, the baseline (``naive.py``).
"""

from __future__ import annotations

from typing import Protocol

from .advogato import AdvogatoMetric, ClassicAdvogatoMetric
from .graph import TrustGraph, TrustResult
from .naive import NaiveMetric
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
        AdvogatoMetric(),
        ClassicAdvogatoMetric(),
        SybilRankMetric(),
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
