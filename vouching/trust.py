"""The trust graph and the metrics computed on it.

A metric is a pure function of a ``TrustGraph``: plain member ids and vouch edges, loaded
in a couple of queries, never model instances. The Celery task stores what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import networkx as nx

from .models import Member, Vouch


@dataclass(frozen=True)
class TrustGraph:
    """Accepted, active vouches between members who may carry trust."""

    founders: frozenset[int]
    members: frozenset[int]
    edges: tuple[tuple[int, int, int], ...]  # (voucher id, vouchee id, strength)

    @classmethod
    def build(
        cls,
        *,
        founders: Iterable[int],
        members: Iterable[int],
        edges: Iterable[tuple[int, int, int]],
    ) -> TrustGraph:
        member_set = frozenset(members)
        return cls(
            founders=frozenset(founders) & member_set,
            members=member_set,
            edges=tuple(
                (a, b, s) for a, b, s in edges if a in member_set and b in member_set and a != b
            ),
        )

    def to_networkx(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.members)
        graph.add_weighted_edges_from(self.edges, weight="strength")
        return graph


@dataclass(frozen=True)
class MemberTrust:
    vouched: bool
    score: float
    level: int


UNTRUSTED = MemberTrust(vouched=False, score=0.0, level=0)


class TrustMetric(Protocol):
    name: str

    def compute(self, graph: TrustGraph) -> dict[int, MemberTrust]:
        """Trust for every member of ``graph``; members left out are untrusted."""
        ...


class ReachabilityMetric:
    """Vouched means reachable from a founder along accepted vouches."""

    name = "reachability"

    def compute(self, graph: TrustGraph) -> dict[int, MemberTrust]:
        digraph = graph.to_networkx()
        result = dict.fromkeys(graph.members, UNTRUSTED)
        if not graph.founders:
            return result
        for depth, layer in enumerate(nx.bfs_layers(digraph, graph.founders)):
            for member_id in layer:
                # Closer to a founder scores higher; everyone reachable is vouched.
                result[member_id] = MemberTrust(vouched=True, score=1.0 / (1 + depth), level=1)
        return result


METRICS: dict[str, TrustMetric] = {metric.name: metric for metric in (ReachabilityMetric(),)}
DEFAULT_METRIC = "reachability"


def get_metric(name: str | None = None) -> TrustMetric:
    try:
        return METRICS[name or DEFAULT_METRIC]
    except KeyError:
        raise ValueError(
            f"Unknown trust metric {name!r}; choose from {', '.join(sorted(METRICS))}."
        ) from None


def load_trust_graph() -> TrustGraph:
    """Read the graph in two queries: who may carry trust, and the accepted vouches."""
    members = Member.objects.visible().values_list("pk", "is_founder")
    member_ids, founder_ids = [], []
    for pk, is_founder in members.iterator(chunk_size=10_000):
        member_ids.append(pk)
        if is_founder:
            founder_ids.append(pk)
    edges = Vouch.objects.accepted().values_list("voucher_id", "vouchee_id", "strength")
    return TrustGraph.build(
        founders=founder_ids, members=member_ids, edges=edges.iterator(chunk_size=10_000)
    )
