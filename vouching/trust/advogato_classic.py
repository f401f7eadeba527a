"""The original Advogato trust metric, step for step as mod_virgule's ``net_flow.c`` ran it.

Any correct maximum flow accepts the same *number* of members, but *which* members are
accepted at the capacity boundary depends on the order in which the flow is built. This
module reproduces Raph Levien's order exactly, so it gives the levels robots.net published
in 2005 for all 1,280 users, and the same levels as ``net_flow.c`` on advogato.org's 2005
graph. It is a reference for checking other implementations against real data.

The computation, for one flow network:

1. Nodes are numbered by first appearance as edges are added (giver, then recipient); each
   node keeps its successors in insertion order.
2. Capacities come from a breadth-first search from the source over those successor lists.
3. A greedy spanning tree is grown one depth at a time, each node taking as many unclaimed
   successors as its residual capacity allows; the tree is the initial flow.
4. Unit augmenting paths, each found by a breadth-first search over (node, in/out) states,
   are added until none is left. A node is accepted when its unit reaches the supersink.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

DEFAULT_SOURCE = "-"


class _Network:
    """Flat-list flow network in the original's node and edge order."""

    def __init__(self, edges: Iterable[tuple[Hashable, Hashable]]) -> None:
        self.ids: dict[Hashable, int] = {}
        self.succs: list[list[int]] = []
        for giver, recipient in edges:
            src = self._node(giver)
            dst = self._node(recipient)
            self.succs[src].append(dst)
        n = len(self.succs)

        # Edges are numbered source node by source node, so each node's in-edges are sorted
        # by giver number, not by insertion order; the augmenting search depends on that.
        # Only the first copy of a repeated edge is kept: in the original a later copy never
        # carries flow (every lookup finds the first) and is skipped as already visited.
        self.out_adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (dst, edge)
        self.edge_of: dict[tuple[int, int], int] = {}
        self.edge_src: list[int] = []
        self.edge_dst: list[int] = []
        for src in range(n):
            for dst in self.succs[src]:
                if src == dst or (src, dst) in self.edge_of:
                    continue
                edge = self.edge_of[src, dst] = len(self.edge_src)
                self.edge_src.append(src)
                self.edge_dst.append(dst)
                self.out_adj[src].append((dst, edge))
        self.edge_flow = [0] * len(self.edge_src)
        # Per node, its in-edges that carry flow, in edge order. The search only follows
        # those backwards, and scanning every in-edge would dominate the run time.
        self.flowing_in: list[list[int]] = [[] for _ in range(n)]
        self.node_flow = [0] * n
        self.node_sink = [0] * n
        self.capacity: list[int] = []

    def _node(self, name: Hashable) -> int:
        node = self.ids.get(name)
        if node is None:
            node = self.ids[name] = len(self.succs)
            self.succs.append([])
        return node

    def assign_capacities(self, seed: int, caps: Sequence[int]) -> None:
        """Capacity by breadth-first distance from ``seed``; -1 where unreachable."""
        capacity = [-1] * len(self.succs)
        capacity[seed] = caps[0]
        frontier = [seed]
        depth = 0
        while frontier:
            depth += 1
            cap = caps[min(depth, len(caps) - 1)]
            next_frontier = []
            for node in frontier:
                for succ in self.succs[node]:
                    if capacity[succ] == -1:
                        capacity[succ] = cap
                        next_frontier.append(succ)
            frontier = next_frontier
        self.capacity = capacity

    def greedy_tree(self, seed: int, n_levels: int) -> list[int]:
        """Parent of every node in the greedy tree (the seed is its own parent; -1 if absent).

        Depth ``level`` is added on pass ``level``: a depth-first walk down the tree built so
        far carries the smallest residual capacity met on the way, lowering each visited
        node's residual to it, and charges ancestors for the nodes added below them when it
        climbs back. This mirrors the original's quirks, which decide the initial flow.
        """
        tree = _GreedyTree(self.succs, self.capacity, seed, n_levels)
        for level in range(n_levels):
            tree.add_depth(level)
        return tree.parent

    def flow_from_tree(self, parent: list[int]) -> None:
        """Send one unit along the tree path to every tree node, then move to the
        augmenting form: node flow excludes the node's own unit and capacity loses it."""
        edge_of, edge_flow, node_flow = self.edge_of, self.edge_flow, self.node_flow
        for node, up in enumerate(parent):
            if up == -1:
                continue
            self.node_sink[node] = 1
            while True:
                node_flow[node] += 1
                if up == node:
                    break
                edge_flow[edge_of[up, node]] += 1
                node, up = up, parent[up]
        for edge, flow in enumerate(edge_flow):
            if flow:
                self.flowing_in[self.edge_dst[edge]].append(edge)
        for node in range(len(parent)):
            node_flow[node] -= self.node_sink[node]
            self.capacity[node] -= 1

    def augment(self, seed: int) -> bool:
        """Add one unit augmenting path to a node not yet accepted; False if there is none.

        States are (node, in) and (node, out), searched breadth first in the original's
        queue order. The original stops when it dequeues an unaccepted "in" state; with a
        FIFO queue that is the first such state enqueued, so stopping there is the same.
        """
        path = self._find_path(seed)
        if path is None:
            return False
        self._apply_path(path)
        return True

    def _find_path(self, seed: int) -> _Queue | None:
        """The search's queue, whose last entry is the unaccepted "in" state the path ends
        on; None if there is no such state."""
        node_flow, node_sink, capacity = self.node_flow, self.node_sink, self.capacity
        out_adj, flowing_in, edge_src = self.out_adj, self.flowing_in, self.edge_src
        seen_in = bytearray(len(node_flow))
        seen_out = bytearray(len(node_flow))
        q_node, q_out, q_pred, q_edge = queue = _Queue([seed], [False], [-1], [-1])
        seen_in[seed] = 1
        if not node_sink[seed]:
            return queue
        head = 0
        while head < len(q_node):
            node = q_node[head]
            if q_out[head]:
                if node_flow[node] > 0 and not seen_in[node]:
                    # Undo flow through the node (residual step from "out" back to "in").
                    seen_in[node] = 1
                    q_node.append(node)
                    q_out.append(False)
                    q_pred.append(head)
                    q_edge.append(-1)
                    if not node_sink[node]:
                        return queue
                for dst, edge in out_adj[node]:
                    if not seen_in[dst]:
                        seen_in[dst] = 1
                        q_node.append(dst)
                        q_out.append(False)
                        q_pred.append(head)
                        q_edge.append(edge)
                        if not node_sink[dst]:
                            return queue
            else:
                if node_flow[node] < capacity[node] and not seen_out[node]:
                    seen_out[node] = 1
                    q_node.append(node)
                    q_out.append(True)
                    q_pred.append(head)
                    q_edge.append(-1)
                for edge in flowing_in[node]:
                    src = edge_src[edge]
                    if not seen_out[src]:
                        seen_out[src] = 1
                        q_node.append(src)
                        q_out.append(True)
                        q_pred.append(head)
                        q_edge.append(edge)
            head += 1
        return None

    def _apply_path(self, path: _Queue) -> None:
        """Accept the node the path ends on, and move one unit along the path back to the
        seed: through nodes, along edges, or back against the flow on an edge."""
        node_flow, edge_flow, flowing_in = self.node_flow, self.edge_flow, self.flowing_in
        entry = len(path.node) - 1
        self.node_sink[path.node[entry]] = 1
        while entry != 0:
            edge = path.edge[entry]
            if edge < 0:
                node_flow[path.node[entry]] += 1 if path.out[entry] else -1
            elif path.out[entry]:
                # Reached an "out" state backwards along an edge: cancel a unit on it.
                edge_flow[edge] -= 1
                if not edge_flow[edge]:
                    flowing_in[self.edge_dst[edge]].remove(edge)
            else:
                edge_flow[edge] += 1
                if edge_flow[edge] == 1:
                    insort(flowing_in[self.edge_dst[edge]], edge)
            entry = path.pred[entry]


class _Queue(NamedTuple):
    """The augmenting search's queue of states, one entry per state: its node, its side
    (True for "out"), the entry it came from, and the edge used to reach it (-1 for a step
    between a node's "in" and "out")."""

    node: list[int]
    out: list[bool]
    pred: list[int]
    edge: list[int]


class _GreedyTree:
    """The greedy tree while it grows, and the walk that grows it one depth per pass.

    Per depth of the current walk it keeps the index of the next child to walk into and the
    additions already charged to the ancestor at that depth; ``added`` counts the nodes
    added on this pass.
    """

    def __init__(self, succs: list[list[int]], capacity: list[int], seed: int, n_levels: int):
        self.succs = succs
        self.seed = seed
        self.resid = list(capacity)
        self.parent = [-1] * len(succs)
        self.children: list[list[int] | None] = [None] * len(succs)
        self.parent[seed] = seed
        self.resid[seed] -= 1  # the seed's own unit to the supersink
        self.next_child = [0] * n_levels
        self.charged = [0] * n_levels
        self.added = 0

    def add_depth(self, level: int) -> None:
        """One pass: walk the tree from the seed; every node at depth ``level`` adopts its
        unclaimed successors."""
        next_child, children = self.next_child, self.children
        self.added = 0
        node, depth, cap = self.seed, 0, self.resid[self.seed]
        next_child[0] = 0
        self.charged[0] = 0
        while True:
            if depth == level:
                self._adopt(node, cap)
                if level == 0:
                    break
                while depth > 0:
                    node, depth, cap = self._climb(node, depth)
                    if next_child[depth] < len(children[node]):
                        break
                if depth == 0 and next_child[0] == len(children[node]):
                    break
            elif next_child[depth] < len(children[node]):
                node, cap = self._descend(node, depth, cap)
                depth += 1
            else:
                if depth == 0:
                    break
                node, depth, cap = self._climb(node, depth)

    def _adopt(self, node: int, cap: int) -> None:
        """``node`` takes as many unclaimed successors as ``cap`` allows, in order."""
        parent, resid = self.parent, self.resid
        kids = []
        for succ in self.succs[node]:
            if cap <= 0:
                break
            if parent[succ] == -1:
                parent[succ] = node
                kids.append(succ)
                resid[succ] -= 1
                self.added += 1
                cap -= 1
        self.children[node] = kids
        resid[node] = cap

    def _descend(self, node: int, depth: int, cap: int) -> tuple[int, int]:
        """Into ``node``'s next child, carrying the smaller of ``cap`` and its residual
        (which is lowered to it); returns the child and the capacity carried."""
        child = self.children[node][self.next_child[depth]]
        if cap > self.resid[child]:
            cap = self.resid[child]
        else:
            self.resid[child] = cap
        self.next_child[depth] += 1
        self.next_child[depth + 1] = 0
        self.charged[depth + 1] = self.added
        return child, cap

    def _climb(self, node: int, depth: int) -> tuple[int, int, int]:
        """Up to ``node``'s parent, charging it for the nodes added below it since it was
        last charged; returns the parent, its depth and its residual capacity."""
        depth -= 1
        node = self.parent[node]
        self.resid[node] -= self.added - self.charged[depth]
        self.charged[depth] = self.added
        return node, depth, self.resid[node]


def _max_flow(
    edges: Iterable[tuple[Hashable, Hashable]], source: Hashable, capacities: Sequence[int]
) -> _Network | None:
    """Run the whole computation; returns the network (None if the source has no edges)."""
    if not capacities:
        raise ValueError("capacities must not be empty")
    net = _Network(edges)
    seed = net.ids.get(source)
    if seed is None:
        return None
    net.assign_capacities(seed, capacities)
    net.flow_from_tree(net.greedy_tree(seed, len(capacities)))
    while net.augment(seed):
        pass
    return net


def classic_accepted(
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    source: Hashable,
    capacities: Sequence[int],
) -> set:
    """Nodes (other than ``source``) accepted by one max-flow run.

    ``edges``: (giver, recipient) pairs of hashable node names, in insertion order,
    including the source->seed edges placed first (in seed order) by the caller; the order
    decides which nodes are accepted at the capacity boundary. Self-edges are ignored and
    repeated edges add nothing.
    ``capacities``: e.g. (800, 200, 50, 12, 4, 2, 1): capacity by breadth-first distance from
    ``source`` (the source gets ``capacities[0]``); nodes farther than the list get the last
    value. Nodes unreachable from the source are never accepted.
    """
    net = _max_flow(edges, source, capacities)
    if net is None:
        return set()
    names = list(net.ids)
    seed = net.ids[source]
    return {names[node] for node, sink in enumerate(net.node_sink) if sink and node != seed}


def classic_levels(
    certs: Sequence[tuple[Hashable, Hashable, int]],
    *,
    seeds: Sequence[Hashable],
    capacities: Sequence[int],
    levels: Sequence[int] = (1, 2, 3),
    source: Hashable = DEFAULT_SOURCE,
) -> dict:
    """``{node: highest level whose network accepts it}`` for accepted nodes (absent = 0).

    ``certs``: (giver, recipient, level) in insertion order. For each level L the network is
    ``[(source, s) for s in seeds]`` followed by the certs of level >= L, in order, run
    through :func:`classic_accepted`. The per-level accepted sets are not nested, so a node
    accepted at L but not at a lower level still gets L.
    """
    result: dict = {}
    for level in levels:
        edges = [(source, seed) for seed in seeds]
        edges += [(giver, recipient) for giver, recipient, lvl in certs if lvl >= level]
        for node in classic_accepted(edges, source=source, capacities=capacities):
            if level > result.get(node, 0):
                result[node] = level
    return result
