"""The Advogato trust metric (Levien), as one max-flow per vouch strength, on scipy.

A virtual supersource vouches for the founders. Every member gets a capacity by their
breadth-first distance from it; each member is split into an "in" and an "out" node, with
one unit from "in" to a supersink (being accepted) and capacity - 1 from "in" to "out"
(trust they can pass on). Vouches join "out" to "in" without limit. A maximum flow from
the supersource accepts every member whose unit reaches the supersink. Trust that enters
a ring of fake accounts is bounded by the capacities of the few honest members who vouched
for fakes, however densely the fakes vouch for each other.

Advogato's published capacities (800 at the supersource, then 200, 50, 12, 4, 2, 1) cap a
community at about 800 accepted members. By default capacities here grow with membership:
each member's capacity is what its distance layer must carry outward on average, so every
member could be reached, and members far from the founders, where most attack vouches
come from, still pass on very little.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from .advogato_classic import classic_levels
from .graph import TrustGraph, TrustResult

ADVOGATO_CAPACITIES = (800, 200, 50, 12, 4, 2, 1)
LEVELS = (1, 2, 3)
# Extra capacity per member beyond the average outward load of its layer: real graphs do
# not spread flow evenly, and without slack the members behind bottlenecks go unaccepted.
CAPACITY_SLACK = 1.0


def scaled_capacities(layer_sizes: np.ndarray, slack: float = CAPACITY_SLACK) -> tuple[int, ...]:
    """Capacities by distance from the supersource for layers of the given sizes.

    ``layer_sizes[d]`` members are d + 1 hops from the supersource (founders at d = 0).
    The supersource gets one unit per reachable member; a member in layer d gets its own
    unit plus its share of everyone farther out, times (1 + slack).
    """
    sizes = np.asarray(layer_sizes, dtype=np.int64)
    beyond = np.concatenate([np.cumsum(sizes[::-1])[::-1][1:], [0]])
    caps = [int(sizes.sum()) + 1]
    for size, farther in zip(sizes.tolist(), beyond.tolist(), strict=True):
        caps.append(1 + math.ceil((1 + slack) * farther / max(size, 1)))
    return tuple(caps)


def node_capacities(graph: TrustGraph, distance: np.ndarray) -> tuple[np.ndarray, int]:
    """Capacity of every member (0 where unreachable) and of the supersource."""
    reachable = distance >= 0
    if graph.capacities:
        caps = np.asarray(graph.capacities, dtype=np.int64)
    else:
        caps = np.asarray(
            scaled_capacities(np.bincount(distance[reachable]) if reachable.any() else []),
            dtype=np.int64,
        )
    index = np.minimum(distance + 1, len(caps) - 1)
    node_caps = np.where(reachable, caps[index], 0)
    # A forfeited pledge passes on proportionally less (never less than the own unit).
    passed = np.floor((node_caps - 1) * graph.pledge_weight).astype(np.int64)
    node_caps = np.where(reachable, 1 + np.maximum(passed, 0), 0)
    return node_caps, int(caps[0])


def discovery_order(graph: TrustGraph) -> np.ndarray:
    """Members in the order a breadth-first search from the founders first reaches them,
    following each member's vouches in the order they were made; the unreachable last.

    Numbering the flow network this way makes the max-flow prefer, at the capacity
    boundary, the members the original Advogato code would have preferred.
    """
    order = np.argsort(graph.src, kind="stable")
    targets = graph.dst[order]
    indptr = np.zeros(graph.n + 1, dtype=np.int64)
    np.add.at(indptr, graph.src.astype(np.int64) + 1, 1)
    indptr = np.cumsum(indptr)
    seen = np.zeros(graph.n, dtype=bool)
    frontier = np.asarray(graph.founders, dtype=np.int64)
    seen[frontier] = True
    found = [frontier]
    while len(frontier):
        starts, lengths = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        reached = targets[offsets + np.arange(lengths.sum())]
        reached = reached[~seen[reached]]
        unique, first = np.unique(reached, return_index=True)
        frontier = unique[np.argsort(first, kind="stable")].astype(np.int64)
        seen[frontier] = True
        found.append(frontier)
    found.append(np.flatnonzero(~seen))
    return np.concatenate(found)


def accepted_by_flow(graph: TrustGraph, *, original_order: bool = False) -> np.ndarray:
    """Boolean per member: accepted by one maximum flow over ``graph``'s vouches.

    Every maximum flow accepts the same number of members; with ``original_order`` the
    network is numbered in discovery order so that the members chosen at the boundary
    are close to those mod_virgule chose.
    """
    if original_order:
        perm = discovery_order(graph)
        position = np.empty_like(perm)
        position[perm] = np.arange(len(perm))
        renumbered = TrustGraph(
            ids=graph.ids[perm],
            founders=position[graph.founders].astype(np.int32),
            src=position[graph.src].astype(np.int32),
            dst=position[graph.dst].astype(np.int32),
            strength=graph.strength,
            pledge_weight=graph.pledge_weight[perm],
            capacities=graph.capacities,
        )
        return accepted_by_flow(renumbered)[position]
    n = graph.n
    accepted = np.zeros(n, dtype=bool)
    if not n or not len(graph.founders):
        return accepted
    distance = graph.distances()
    caps, source_cap = node_capacities(graph, distance)
    reachable = np.flatnonzero(distance >= 0)
    s_out, source, sink = 2 * n, 2 * n + 1, 2 * n + 2
    unlimited = int(min(2**30, source_cap + 1))
    rows = np.concatenate(
        [
            [source],
            np.full(len(graph.founders), s_out),
            reachable,  # in -> sink
            reachable,  # in -> out
            n + graph.src,  # out -> in of the vouchee
        ]
    )
    cols = np.concatenate(
        [[s_out], graph.founders, np.full(len(reachable), sink), n + reachable, graph.dst]
    )
    data = np.concatenate(
        [
            [max(source_cap - 1, 0)],
            np.full(len(graph.founders), unlimited),
            np.ones(len(reachable)),
            caps[reachable] - 1,
            np.full(graph.m, unlimited),
        ]
    ).astype(np.int32)
    network = sparse.csr_matrix((data, (rows, cols)), shape=(2 * n + 3, 2 * n + 3))
    network.sum_duplicates()
    network.data = np.minimum(network.data, unlimited).astype(np.int32)
    flow = maximum_flow(network, source, sink, method="dinic").flow
    into_sink = flow.tocsc()[:, sink].toarray().ravel()[:n]
    accepted[into_sink > 0] = True
    return accepted


# Up to this many vouches, a community with its own fixed capacities is computed in the
# original's exact order (seconds); beyond it, by scipy's max-flow in discovery order.
CLASSIC_ORDER_MAX_VOUCHES = 250_000


class AdvogatoMetric:
    """A member's level is the strongest vouch level whose network accepts them.

    With growing capacities (Pledge's own) every level is one scipy max-flow. A
    community imported with its own fixed capacities gets the original computation
    order, so the levels its old site published are reproduced member for member.
    """

    name = "advogato"

    def compute(self, graph: TrustGraph) -> TrustResult:
        if graph.capacities and graph.m <= CLASSIC_ORDER_MAX_VOUCHES:
            result = ClassicAdvogatoMetric().compute(graph)
            return TrustResult(self.name, result.vouched, result.score, result.level)
        level = np.zeros(graph.n, dtype=np.int8)
        for lvl in LEVELS:
            accepted = accepted_by_flow(graph.at_level(lvl), original_order=bool(graph.capacities))
            level[accepted] = lvl
        level[graph.founders] = max(LEVELS)
        return TrustResult(
            metric=self.name,
            vouched=level > 0,
            score=level / max(LEVELS),
            level=level,
        )


class ClassicAdvogatoMetric:
    """Advogato in mod_virgule's own order, with fixed capacities (Advogato's by default).

    Reproduces the levels that Advogato-style sites published, member for member; for
    communities imported from them. Its augmenting paths are found one at a time, so it
    suits communities of thousands, not millions.
    """

    name = "advogato-classic"

    def compute(self, graph: TrustGraph) -> TrustResult:
        source = -1  # member ids are positive: no clash with the supersource
        levels = classic_levels(
            list(zip(graph.src.tolist(), graph.dst.tolist(), graph.strength.tolist(), strict=True)),
            seeds=graph.founders.tolist(),
            capacities=graph.capacities or ADVOGATO_CAPACITIES,
            levels=LEVELS,
            source=source,
        )
        level = np.zeros(graph.n, dtype=np.int8)
        for node, lvl in levels.items():
            level[node] = lvl
        level[graph.founders] = max(LEVELS)
        return TrustResult(
            metric=self.name, vouched=level > 0, score=level / max(LEVELS), level=level
        )
