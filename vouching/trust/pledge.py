"""Pledge's default metric: standing as shares of trust that flow out from the founders.

Every member needs one share to be vouched. Founders hand out as many shares as they are
asked for; everyone else keeps the first share that reaches them and passes the rest on,
along the vouches they gave:

- Only members allowed to vouch pass shares on: founders, and members who have received
  the vouches the site requires before anyone may vouch (``min_vouches_to_vouch``).
- A vouch carries one share. A vouch between two *established* members carries more: as
  many shares as each such vouch leaving that distance from the founders must carry for
  trust to reach everyone farther out, with slack (``layer_capacities``).
- Established members are the founders, the members a founder vouched for, and members two
  established members vouch for (all of them allowed to vouch): the site's own rule for
  vouching, applied to the people who vouch. A member who is not established never has a
  share to pass on: at most one of their vouchers is established, and the others have
  none to spare either.
- A voucher whose pledge is forfeited passes on only its weight's part of what it would
  pass on otherwise, rounded up.

A maximum flow decides who receives a share. Shares are conserved, so fake accounts get
no more of them than the vouches honest members gave them carry, however many fakes there
are and however densely they vouch for each other: one fake per attack vouch from a
member who is not a founder, unless two established members vouch for the same fake, and
then at most what vouches between established members carry. A ring of fakes cannot make
shares of its own, and neither can a ring that grows a little after every recalculation.

Where several members wait for the same spare share, those who already stood keep theirs
(``TrustGraph.incumbent_level``): in the same network, a newcomer never takes a member's
share. (Capacities follow the community at every run, so a change elsewhere in it can
still narrow a vouch.) The result also says who is established, which vouches carry each
member's share and who has a share to spare, which is what the standing page explains.

Levels, as in Advogato: a member's level is the strongest vouch strength whose vouches
alone still give them a share. The score orders members for browsing and ranking: vouched
members, then pending members who are established, then pending members a vouched member
vouches for, then the rest; ``pagerank.relative_trust`` orders each group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .graph import TrustGraph, TrustResult
from .pagerank import relative_trust

# Vouches from established members that make a member established themselves: two, the
# site's own rule before anyone may vouch. Three left a community that grows as the demo
# one does (newcomers get one to three vouches) with a quarter of its members pending.
ESTABLISHING_VOUCHES = 2
# How much more than the average a vouch leaving a distance may carry: trust does not spread
# evenly, and members behind a narrow passage still need theirs.
CAPACITY_SLACK = 3.0
LEVELS = (1, 2, 3)
# Capacity of the founders' own vouches and of the flow network's virtual edges.
UNLIMITED = 2**30


@dataclass(frozen=True)
class Shares:
    """Who receives a share in one flow network, and what explains it."""

    vouched: np.ndarray  # bool per member
    flow: np.ndarray  # shares carried by each vouch of the graph
    spare: np.ndarray  # bool per member: could pass one more share along a new vouch
    capacity: np.ndarray  # shares each vouch may carry (0 where its voucher may not vouch)
    established: np.ndarray  # bool per member
    # Members whose pledge is forfeited, and the shares each may still pass on in all.
    throttled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def established_members(
    graph: TrustGraph, may_vouch: np.ndarray, needed: int = ESTABLISHING_VOUCHES
) -> np.ndarray:
    """Founders, the members they vouched for, and (repeatedly) members at least
    ``needed`` established members vouch for; all allowed to vouch."""
    n = graph.n
    established = np.zeros(n, dtype=bool)
    if not n or not len(graph.founders):
        return established
    established[graph.founders] = True
    from_founder = established[graph.src]
    established[graph.dst[from_founder]] = True
    established &= may_vouch
    established[graph.founders] = True
    order = np.argsort(graph.src, kind="stable")
    targets = graph.dst[order]
    starts = np.searchsorted(graph.src[order], np.arange(n + 1))
    counts = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(established)
    while len(frontier):
        lengths = starts[frontier + 1] - starts[frontier]
        offsets = np.repeat(starts[frontier] - np.cumsum(lengths) + lengths, lengths)
        reached = targets[offsets + np.arange(lengths.sum())]
        counts += np.bincount(reached, minlength=n)
        new = np.flatnonzero(~established & may_vouch & (counts >= needed))
        established[new] = True
        frontier = new
    return established


def layer_capacities(
    distance: np.ndarray, served: np.ndarray, forward: np.ndarray, src_distance: np.ndarray
) -> np.ndarray:
    """Shares an amplified vouch leaving each distance may carry.

    ``distance`` is every member's distance from the founders (-1 if unreachable) and
    ``served`` marks the members a share can reach at all (established members, and
    members an established member vouches for); ``forward`` marks the amplified vouches
    that lead one step farther out and ``src_distance`` gives their voucher's distance. A
    vouch leaving distance d carries what the served members beyond d need, shared among
    those vouches, times 1 + slack. Counting only served members keeps a ring of fakes
    that nobody established vouches for from raising every capacity.
    """
    counted = (distance >= 0) & served
    if not counted.any():
        return np.ones(max(int(distance.max(initial=-1)) + 2, 1), dtype=np.int64)
    depth = int(distance.max()) + 2
    sizes = np.bincount(distance[counted], minlength=depth)
    beyond = np.concatenate([np.cumsum(sizes[::-1])[::-1][1:], [0]])
    leaving = np.bincount(src_distance[forward], minlength=depth)
    needed = (1 + CAPACITY_SLACK) * beyond / np.maximum(leaving, 1)
    return np.maximum(1, np.ceil(needed)).astype(np.int64)


def vouch_capacities(graph: TrustGraph, may_vouch: np.ndarray, established: np.ndarray):
    """Shares each vouch may carry, and every member's distance from the founders."""
    carries = may_vouch[graph.src]
    distance = graph.distances(carries)
    carries &= distance[graph.src] >= 0
    amplified = carries & established[graph.src] & established[graph.dst]
    forward = amplified & (distance[graph.dst] == distance[graph.src] + 1)
    served = established.copy()
    served[graph.dst[carries & established[graph.src]]] = True
    per_distance = layer_capacities(distance, served, forward, distance[graph.src])
    capacity = np.where(amplified, per_distance[np.maximum(distance[graph.src], 0)], 1)
    is_founder = np.zeros(graph.n, dtype=bool)
    is_founder[graph.founders] = True
    capacity = np.where(is_founder[graph.src], UNLIMITED, capacity)
    return np.where(carries, capacity, 0).astype(np.int64), distance


def _network(rows, cols, caps, size) -> sparse.csr_matrix:
    """A flow network's capacities: repeated edges add up (in 64 bits, then capped at
    ``UNLIMITED`` for scipy's 32-bit capacities)."""
    data = np.minimum(np.asarray(caps, dtype=np.int64), UNLIMITED)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(size, size), dtype=np.int64)
    matrix.sum_duplicates()
    matrix.data = np.minimum(matrix.data, UNLIMITED).astype(np.int32)
    matrix.eliminate_zeros()
    return matrix.astype(np.int32)


def share_flow(
    graph: TrustGraph, incumbents: np.ndarray | None = None, *, explain: bool = True
) -> Shares:
    """One flow network: who receives a share, along which vouches, who has one to spare
    (``explain``; the levels' networks skip it).

    With ``incumbents`` (bool per member), a first flow serves only them and a second
    serves the others with what is left: a flow never takes a share back from a member it
    reaches, so the incumbents keep every share the rules let them keep.

    A voucher whose pledge is forfeited passes on only its weight's part of what it
    would pass on otherwise (rounded up): a first flow without the forfeits measures it,
    and the vouches of each such voucher leave from a node of their own behind an edge
    that carries no more.
    """
    n, m = graph.n, graph.m
    may_vouch = graph.may_vouch()
    established = established_members(graph, may_vouch)
    capacity, _distance = vouch_capacities(graph, may_vouch, established)
    if not n or not len(graph.founders):
        return Shares(
            vouched=np.zeros(n, bool),
            flow=np.zeros(m, np.int64),
            spare=np.zeros(n, bool),
            capacity=capacity,
            established=established,
        )
    throttled = np.flatnonzero((graph.pledge_weight < 1) & may_vouch)
    gates = np.full(len(throttled), UNLIMITED, dtype=np.int64)
    if len(throttled):
        free = _solve(graph, capacity, throttled, gates, incumbents)
        passed = np.bincount(graph.src, weights=free.flow, minlength=n)[throttled]
        gates = np.ceil(passed * graph.pledge_weight[throttled]).astype(np.int64)
    solved = _solve(graph, capacity, throttled, gates, incumbents)
    vouched = (solved.consumed > 0) | solved.is_founder
    spare = _spare(graph, solved, may_vouch) if explain else np.zeros(n, dtype=bool)
    return Shares(
        vouched=vouched,
        flow=solved.flow,
        spare=spare,
        capacity=capacity,
        established=established,
        throttled=throttled,
        gates=gates,
    )


@dataclass(frozen=True)
class _Solved:
    network: sparse.csr_matrix  # every edge of the flow network, sink edges included
    gate: np.ndarray  # the node each member's vouches leave from
    throttled: np.ndarray
    flow: np.ndarray  # shares on each vouch
    consumed: np.ndarray  # 1 where the member keeps a share
    is_founder: np.ndarray
    source: int
    sink: int


def _solve(graph, capacity, throttled, gates, incumbents) -> _Solved:
    """The maximum flow of shares, incumbents first, every member keeping a share before
    passing any on (``_keep_first``)."""
    n = graph.n
    source, sink = n, n + 1
    gate = np.arange(n, dtype=np.int64)
    gate[throttled] = n + 2 + np.arange(len(throttled))
    size = n + 2 + len(throttled)
    used = capacity > 0
    base_rows = np.concatenate(
        [np.full(len(graph.founders), source), throttled, gate[graph.src[used]]]
    )
    base_cols = np.concatenate([graph.founders, gate[throttled], graph.dst[used]])
    base_caps = np.concatenate([np.full(len(graph.founders), UNLIMITED), gates, capacity[used]])
    is_founder = np.zeros(n, dtype=bool)
    is_founder[graph.founders] = True
    first = np.ones(n, dtype=bool) if incumbents is None else (incumbents | is_founder)
    members = np.arange(n)
    network = _network(
        np.concatenate([base_rows, members[first]]),
        np.concatenate([base_cols, np.full(first.sum(), sink)]),
        np.concatenate([base_caps, np.ones(first.sum())]),
        size,
    )
    total = maximum_flow(network, source, sink, method="dinic").flow
    if not first.all():
        later = _network(
            members[~first], np.full((~first).sum(), sink), np.ones((~first).sum()), size
        )
        # What the first flow left, plus the others' edges to the sink; nothing may leave
        # the sink, or the second flow could undo the first one's shares.
        residual = _residual(network + later, total, drop_row=sink)
        second = maximum_flow(residual, source, sink, method="dinic").flow
        network = (network + later).tocsr()
        total = (total + second).tocsr()
    consumed = np.asarray(total[:, [sink]].todense()).ravel()[:n].astype(np.int64)
    flow = np.zeros(graph.m, dtype=np.int64)
    if used.any():
        # The flow between two nodes, given once (the site holds one vouch per pair; a
        # repeated pair gets it on its first vouch).
        edges = np.flatnonzero(used)
        key = gate[graph.src[edges]] * (size + 1) + graph.dst[edges]
        _unique, first_of = np.unique(key, return_index=True)
        edges = edges[first_of]
        carried = np.asarray(total[gate[graph.src[edges]], graph.dst[edges]]).ravel()
        flow[edges] = np.maximum(carried, 0)
    _keep_first(graph, flow, consumed, is_founder, incumbents)
    return _Solved(network, gate, throttled, flow, consumed, is_founder, source, sink)


def _keep_first(graph, flow, consumed, is_founder, incumbents) -> None:
    """Make every member who passes a share on keep one first (in place).

    A maximum flow may route a share through a member who keeps none, which would leave
    them pending while their vouch carries someone else's standing. Each such member keeps
    one of the shares passing through them instead; the one who loses it is found by
    following that share downstream to where it was kept, preferring members who did not
    stand before. The number of members vouched does not change.
    """
    n = graph.n
    outflow = np.bincount(graph.src, weights=flow, minlength=n).astype(np.int64)
    relays = np.flatnonzero((consumed == 0) & (outflow > 0) & ~is_founder)
    if not len(relays):
        return
    order = np.argsort(graph.src, kind="stable")
    starts = np.searchsorted(graph.src[order], np.arange(n + 1))
    standing = np.zeros(n, dtype=bool) if incumbents is None else incumbents

    def take_one(node: int) -> int:
        """Take one share off one of ``node``'s vouches; return its vouchee."""
        edges = order[starts[node] : starts[node + 1]]
        carrying = edges[flow[edges] > 0]
        # A vouchee who did not stand before gives way first.
        newcomers = carrying[~standing[graph.dst[carrying]]]
        edge = int((newcomers if len(newcomers) else carrying)[0])
        flow[edge] -= 1
        outflow[node] -= 1
        return int(graph.dst[edge])

    for relay in relays.tolist():
        if consumed[relay] or outflow[relay] == 0:
            continue
        consumed[relay] = 1
        node = take_one(relay)
        # Follow the share to where it was kept: whoever passes shares on gives one less.
        while not is_founder[node] and outflow[node] > 0:
            node = take_one(node)
        if not is_founder[node]:
            consumed[node] -= 1


def _residual(network, flow, drop_row: int | None = None) -> sparse.csr_matrix:
    """Capacities left once ``flow`` runs through ``network``, reverse edges included."""
    residual = (network.astype(np.int64) - flow.astype(np.int64)).tocsr()
    if drop_row is not None:
        residual.data[residual.indptr[drop_row] : residual.indptr[drop_row + 1]] = 0
    residual.data = np.clip(residual.data, 0, UNLIMITED).astype(np.int32)
    residual.eliminate_zeros()
    return residual


def _spare(graph: TrustGraph, solved: _Solved, may_vouch: np.ndarray) -> np.ndarray:
    """Members allowed to vouch that one more share can still reach: a new vouch from
    them would carry it (the flow network's residual graph, searched from the source)."""
    n = graph.n
    gate, source, sink = solved.gate, solved.source, solved.sink
    used = solved.flow > 0
    inflow = np.bincount(graph.dst[used], weights=solved.flow[used], minlength=n)
    outflow = np.bincount(graph.src[used], weights=solved.flow[used], minlength=n)
    founders = np.flatnonzero(solved.is_founder)
    supplied = (solved.consumed + outflow - inflow)[founders]
    rows = np.concatenate(
        [np.full(len(founders), source), solved.throttled, gate[graph.src[used]], np.arange(n)]
    )
    cols = np.concatenate([founders, gate[solved.throttled], graph.dst[used], np.full(n, sink)])
    values = np.concatenate(
        [supplied, outflow[solved.throttled], solved.flow[used], solved.consumed]
    ).astype(np.int64)
    flow = sparse.csr_matrix((values, (rows, cols)), shape=solved.network.shape)
    residual = _residual(solved.network, (flow - flow.T).tocsr())
    reached = np.zeros(solved.network.shape[0], dtype=bool)
    reached[breadth_first_order(residual, source, directed=True, return_predecessors=False)] = True
    return may_vouch & reached[gate]


class PledgeMetric:
    name = "pledge"

    def compute(self, graph: TrustGraph) -> TrustResult:
        incumbent = graph.incumbent_level
        shares = share_flow(graph, None if incumbent is None else incumbent >= 1)
        vouched = shares.vouched
        level = np.zeros(graph.n, dtype=np.int8)
        level[vouched] = 1
        for lvl in LEVELS[1:]:
            stronger = graph.at_level(lvl)
            keep = None if incumbent is None else incumbent >= lvl
            level[vouched & share_flow(stronger, keep, explain=False).vouched] = lvl
        level[graph.founders] = max(LEVELS)
        relative = np.clip(relative_trust(graph), 0.0, 1.0)
        # Vouched members first; then pending members who are established (two established
        # members vouch for them: only trust ran short), then those a vouched member
        # vouches for, then the others; PageRank's relative trust orders each group.
        backed = np.zeros(graph.n, dtype=bool)
        backed[graph.dst[vouched[graph.src]]] = True
        tier = np.select([vouched, shares.established, backed], [3, 2, 1], 0)
        return TrustResult(
            metric=self.name,
            vouched=vouched,
            score=(tier + relative) / 4,
            level=level,
            established=shares.established,
            spare=shares.spare,
            carrying=np.flatnonzero(shares.flow > 0),
        )
