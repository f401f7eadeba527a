"""The vouch graph as compact arrays: what every trust metric computes on.

Members are numbered 0..n-1 (founders first, then by member id); vouches are parallel
arrays in the order they were made, which the classic Advogato computation depends on.
A graph of a million members and ten million vouches takes about 100 MB this way,
where networkx would need several gigabytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
from scipy import sparse


@dataclass(frozen=True, eq=False)
class TrustGraph:
    """Accepted, active vouches between members who may carry trust."""

    ids: np.ndarray  # int64 member id of each node
    founders: np.ndarray  # int32 nodes of the founders, in founding order
    src: np.ndarray  # int32 voucher node of each vouch
    dst: np.ndarray  # int32 vouchee node of each vouch
    strength: np.ndarray  # int8 strength 1..3 of each vouch
    # How much a member's vouches count: 1, or less while their pledge is forfeited.
    pledge_weight: np.ndarray = field(default=None)  # float32 per node
    # Fixed Advogato capacities by distance from the founders, or None to scale them.
    capacities: tuple[int, ...] | None = None
    # The community's rule: vouches a member must have received before they may vouch.
    min_vouches_to_vouch: int = 0
    # Each member's level in the stored result this graph replaces (-1: none yet). Metrics
    # that must choose between equally placed members keep those who already stand.
    incumbent_level: np.ndarray | None = None

    def __post_init__(self):
        if self.pledge_weight is None:
            object.__setattr__(self, "pledge_weight", np.ones(len(self.ids), dtype=np.float32))

    @classmethod
    def build(
        cls,
        *,
        members: Iterable[int],
        founders: Sequence[int],
        edges: Iterable[tuple[int, int, int]],
        pledge_weights: dict[int, float] | None = None,
        capacities: Sequence[int] | None = None,
        min_vouches_to_vouch: int = 0,
        incumbent_levels: dict[int, int] | None = None,
    ) -> TrustGraph:
        """A graph from member ids and ``(voucher, vouchee, strength)`` triples.

        Vouches touching a member outside ``members`` and self-vouches are dropped;
        founders not among ``members`` are ignored.
        """
        member_set = set(members)
        founder_list = [f for f in dict.fromkeys(founders) if f in member_set]
        others = sorted(member_set.difference(founder_list))
        ids = np.array(founder_list + others, dtype=np.int64)
        return cls.from_id_arrays(
            ids=ids,
            n_founders=len(founder_list),
            edges=np.array(list(edges), dtype=np.int64).reshape(-1, 3),
            pledge_weights=pledge_weights,
            capacities=capacities,
            min_vouches_to_vouch=min_vouches_to_vouch,
            incumbent_levels=incumbent_levels,
        )

    @classmethod
    def from_id_arrays(
        cls,
        *,
        ids: np.ndarray,
        n_founders: int,
        edges: np.ndarray,
        pledge_weights: dict[int, float] | None = None,
        capacities: Sequence[int] | None = None,
        min_vouches_to_vouch: int = 0,
        incumbent_levels: dict[int, int] | tuple[np.ndarray, np.ndarray] | None = None,
    ) -> TrustGraph:
        """From member ids (founders first) and an (m, 3) array of id triples.

        ``incumbent_levels`` maps member ids to their stored level (as a dict, or as two
        arrays of ids and levels); members it leaves out have none.
        """
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]

        def nodes_of(member_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if not len(sorted_ids):
                return np.zeros(len(member_ids), np.int32), np.zeros(len(member_ids), bool)
            pos = np.minimum(np.searchsorted(sorted_ids, member_ids), len(sorted_ids) - 1)
            return order[pos].astype(np.int32), sorted_ids[pos] == member_ids

        edges = edges.reshape(-1, 3)
        src, src_ok = nodes_of(edges[:, 0])
        dst, dst_ok = nodes_of(edges[:, 1])
        keep = src_ok & dst_ok & (edges[:, 0] != edges[:, 1])
        src, dst, strength = src[keep], dst[keep], edges[keep, 2].astype(np.int8)
        weight = np.ones(len(ids), dtype=np.float32)
        if pledge_weights:
            nodes, found = nodes_of(np.fromiter(pledge_weights, dtype=np.int64))
            values = np.fromiter(pledge_weights.values(), dtype=np.float32)
            weight[nodes[found]] = values[found]
        incumbent = None
        if incumbent_levels is not None:
            if isinstance(incumbent_levels, dict):
                known = np.fromiter(incumbent_levels, dtype=np.int64, count=len(incumbent_levels))
                levels = np.fromiter(
                    incumbent_levels.values(), dtype=np.int8, count=len(incumbent_levels)
                )
            else:
                known, levels = incumbent_levels
            incumbent = np.full(len(ids), -1, dtype=np.int8)
            nodes, found = nodes_of(np.asarray(known, dtype=np.int64))
            incumbent[nodes[found]] = np.asarray(levels, dtype=np.int8)[found]
        return cls(
            ids=ids.astype(np.int64),
            founders=np.arange(n_founders, dtype=np.int32),
            src=np.ascontiguousarray(src, dtype=np.int32),
            dst=np.ascontiguousarray(dst, dtype=np.int32),
            strength=np.ascontiguousarray(strength, dtype=np.int8),
            pledge_weight=weight,
            capacities=tuple(capacities) if capacities else None,
            min_vouches_to_vouch=min_vouches_to_vouch,
            incumbent_level=incumbent,
        )

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.src)

    @cached_property
    def index(self) -> dict[int, int]:
        """Member id to node; built on first use (it costs memory on large graphs)."""
        return {int(member_id): node for node, member_id in enumerate(self.ids)}

    def at_level(self, level: int) -> TrustGraph:
        """The same members with only the vouches of at least ``level`` strength."""
        keep = self.strength >= level
        return TrustGraph(
            ids=self.ids,
            founders=self.founders,
            src=self.src[keep],
            dst=self.dst[keep],
            strength=self.strength[keep],
            pledge_weight=self.pledge_weight,
            capacities=self.capacities,
            min_vouches_to_vouch=self.min_vouches_to_vouch,
            incumbent_level=self.incumbent_level,
        )

    def may_vouch(self) -> np.ndarray:
        """Members whose vouches count under the site's rule: founders, and members who
        have received at least ``min_vouches_to_vouch`` vouches."""
        received = np.bincount(self.dst, minlength=self.n)
        allowed = received >= self.min_vouches_to_vouch
        allowed[self.founders] = True
        return allowed

    def adjacency(self, weights: np.ndarray | None = None) -> sparse.csr_matrix:
        """Voucher-by-vouchee sparse matrix; duplicate vouches add up."""
        data = np.ones(self.m, dtype=np.float64) if weights is None else weights
        return sparse.csr_matrix((data, (self.src, self.dst)), shape=(self.n, self.n))

    def distances(self, vouches: np.ndarray | None = None) -> np.ndarray:
        """Hops from the nearest founder along vouches (only the ``vouches`` selected, a
        boolean per vouch, if given); -1 where no path leads."""
        dist = np.full(self.n, -1, dtype=np.int32)
        if not len(self.founders):
            return dist
        if vouches is None:
            matrix = self.adjacency().tocsr()
        else:
            matrix = sparse.csr_matrix(
                (np.ones(int(vouches.sum())), (self.src[vouches], self.dst[vouches])),
                shape=(self.n, self.n),
            )
        frontier = np.unique(self.founders)
        dist[frontier] = 0
        depth = 0
        while len(frontier):
            depth += 1
            reached = matrix[frontier].indices
            reached = np.unique(reached[dist[reached] < 0])
            dist[reached] = depth
            frontier = reached
        return dist

    def to_networkx(self):
        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(zip(self.src.tolist(), self.dst.tolist(), strict=True))
        return graph


@dataclass(frozen=True, eq=False)
class TrustResult:
    """What a metric says of every node of a graph, as arrays indexed by node."""

    metric: str
    vouched: np.ndarray  # bool
    score: np.ndarray  # float64 in [0, 1]
    level: np.ndarray  # int8 0..3: the strongest vouch level whose network accepts them
    # Metrics that route trust say more (None otherwise): whether a member's vouches can
    # pass trust on at all, whether they can pass it to one more vouchee, and the vouches
    # (indexes into the graph's vouch arrays) that carry each member's standing.
    established: np.ndarray | None = None
    spare: np.ndarray | None = None
    carrying: np.ndarray | None = None

    @classmethod
    def empty(cls, metric: str, n: int) -> TrustResult:
        return cls(
            metric=metric,
            vouched=np.zeros(n, dtype=bool),
            score=np.zeros(n, dtype=np.float64),
            level=np.zeros(n, dtype=np.int8),
        )
