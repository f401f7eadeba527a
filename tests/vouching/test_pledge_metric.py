"""The default trust metric: shares of trust that flow from the founders (vouching/trust/pledge.py).

Small graphs pin each rule; random graphs hold the flow against networkx's own maximum
flow, an independent implementation.
"""

import random

import networkx as nx
import numpy as np
import pytest

from vouching.trust import TrustGraph, pledge
from vouching.trust.pledge import (
    UNLIMITED,
    PledgeMetric,
    established_members,
    layer_capacities,
    share_flow,
)


def graph(founders, edges, members=None, **kwargs):
    members = members or {n for edge in edges for n in edge[:2]} | set(founders)
    edges = [e if len(e) == 3 else (*e, 2) for e in edges]
    kwargs.setdefault("min_vouches_to_vouch", 2)
    return TrustGraph.build(founders=founders, members=members, edges=edges, **kwargs)


def by_id(g, values):
    return {int(member_id): values[node] for node, member_id in enumerate(g.ids)}


def honest_core(size=12):
    """Two founders and members who each have two of the earlier members' vouches."""
    edges = [(1, 3), (2, 3), (1, 4), (2, 4)]
    for m in range(5, size + 1):
        edges += [(m - 1, m), (m - 2, m)]
    return edges


def ring(fakes, each=4):
    return [
        (a, fakes[(i + k) % len(fakes)], 3) for i, a in enumerate(fakes) for k in range(1, each + 1)
    ]


# SHARES AND THE JOINING RULE ------------------------------------------------------------


def test_a_vouch_from_someone_not_yet_allowed_to_vouch_carries_nothing():
    g = graph([1], [(1, 2), (2, 3)])
    vouched = by_id(g, PledgeMetric().compute(g).vouched)
    assert vouched[2] and not vouched[3], "2 has one vouch: under the two-vouch rule 2 cannot vouch"
    g = graph([1], [(1, 2), (2, 3)], min_vouches_to_vouch=0)
    assert by_id(g, PledgeMetric().compute(g).vouched)[3]


def test_a_member_passes_shares_on_once_two_established_members_vouch_for_them():
    # 2 and 4 are established (a founder vouched for each, and each may vouch). 3 has one
    # established voucher: it gets its own share but passes none on, so 10 is pending...
    base = [(1, 2), (9, 2), (1, 9), (8, 9), (1, 8), (1, 4), (7, 4), (1, 7)]
    edges = [*base, (2, 3), (5, 3), (3, 10)]
    g = graph([1], edges, members=set(range(1, 11)))
    result = PledgeMetric().compute(g)
    vouched = by_id(g, result.vouched)
    assert vouched[3] and not vouched[10]
    carrying = {(int(g.ids[g.src[i]]), int(g.ids[g.dst[i]])) for i in result.carrying}
    assert (2, 3) in carrying and (5, 3) not in carrying, "5 is pending: its vouch carries nothing"
    # ...until a second established member vouches for 3.
    g = graph([1], [*edges, (4, 3)], members=set(range(1, 11)))
    assert by_id(g, PledgeMetric().compute(g).vouched)[10]


def test_direction_fakes_vouching_for_honest_members_gain_nothing():
    edges = honest_core(12)
    fakes = list(range(100, 140))
    back = [(f, 3 + i % 10) for i, f in enumerate(fakes)]
    g = graph([1, 2], edges + ring(fakes) + back)
    vouched = by_id(g, PledgeMetric().compute(g).vouched)
    assert all(vouched[m] for m in range(1, 13))
    assert not any(vouched[f] for f in fakes)


@pytest.mark.parametrize("attack_vouches", [1, 3, 8])
def test_a_ring_gets_one_fake_per_attack_vouch_however_dense(attack_vouches):
    edges = honest_core(20)
    fakes = list(range(100, 400))
    attacks = [(5 + i, fakes[i * 37], 1) for i in range(attack_vouches)]
    g = graph([1, 2], edges + ring(fakes, each=12) + attacks)
    vouched = by_id(g, PledgeMetric().compute(g).vouched)
    assert sum(vouched[f] for f in fakes) == attack_vouches
    assert all(vouched[m] for m in range(1, 21))


def test_a_persona_vouched_by_established_members_gets_at_most_what_their_vouches_carry():
    edges = honest_core(20)
    fakes = list(range(100, 400))
    persona = fakes[0]
    attacks = [(m, persona, 3) for m in (6, 7, 8)]
    g = graph([1, 2], edges + ring(fakes, each=12) + attacks)
    shares = share_flow(g)
    index = {int(m): node for node, m in enumerate(g.ids)}
    into_persona = [
        i
        for i in range(g.m)
        if g.dst[i] == index[persona] and g.src[i] in {index[m] for m in (6, 7, 8)}
    ]
    bound = int(shares.capacity[into_persona].sum())
    fakes_vouched = int(shares.vouched[[index[f] for f in fakes]].sum())
    assert 1 < fakes_vouched <= bound, "shares are conserved: the three vouches bound the fakes"


def test_founders_hand_out_as_many_shares_as_asked():
    edges = [(1, m) for m in range(2, 60)]
    g = graph([1], edges)
    assert PledgeMetric().compute(g).vouched.all()
    assert set(share_flow(g).capacity.tolist()) == {UNLIMITED}


# ESTABLISHED MEMBERS AND CAPACITIES -----------------------------------------------------


def test_established_members_are_founders_their_vouchees_and_members_two_vouch_for():
    edges = [(1, 2), (3, 2), (1, 3), (4, 3), (2, 4), (3, 4), (1, 4), (2, 5), (6, 5), (4, 6), (2, 6)]
    g = graph([1], edges)
    established = by_id(g, established_members(g, g.may_vouch()))
    assert established[1] and established[2] and established[3] and established[4]
    # 5 has vouches from 2 (established) and 6 (not yet: 6's vouchers are 4 and 2, so 6
    # is established too, and 5 with 2 and 6 follows).
    assert established[6] and established[5]
    g = graph([1], [(1, 2), (3, 2), (1, 3), (4, 3), (2, 7), (8, 7)], members=range(1, 9))
    assert not by_id(g, established_members(g, g.may_vouch()))[7], "one established voucher"


def test_layer_capacities_carry_what_lies_beyond_each_distance():
    distance = np.array([0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, -1])
    # Two amplified vouches leave distance 1, four leave distance 2.
    src_distance = np.array([1, 1, 2, 2, 2, 2])
    forward = np.ones(6, dtype=bool)
    served = np.ones(len(distance), dtype=bool)
    caps = layer_capacities(distance, served, forward, src_distance)
    slack = 1 + pledge.CAPACITY_SLACK
    assert caps[1] == int(np.ceil(slack * 12 / 2)), "12 members beyond distance 1, shared by 2"
    assert caps[2] == int(np.ceil(slack * 8 / 4))
    assert caps[3] == 1, "nobody beyond: one share"
    # Members no share could reach (nobody established vouches for them) are not counted.
    served[10:] = False
    caps = layer_capacities(distance, served, forward, src_distance)
    assert caps[1] == int(np.ceil(slack * 7 / 2)) and caps[2] == int(np.ceil(slack * 3 / 4))


def test_members_behind_a_narrow_passage_are_reached_through_established_members():
    # A founder vouches for two members; everyone else hangs below them in a tree where
    # each member has two established vouchers: only amplified vouches can reach them all.
    edges = [(1, 2), (1, 3), (2, 3), (3, 2)]
    layer, nxt = [2, 3], 4
    for _ in range(4):
        new = []
        for i in range(len(layer) * 2):
            a, b = layer[i % len(layer)], layer[(i + 1) % len(layer)]
            edges += [(a, nxt), (b, nxt)]
            new.append(nxt)
            nxt += 1
        layer = new
    g = graph([1], edges)
    assert PledgeMetric().compute(g).vouched.all()


# INCUMBENTS, SPARE SHARES, LEVELS, FORFEITS ---------------------------------------------


def crowded(incumbents=None):
    """b and e are established (a and c vouch for both); b vouches for five newcomers.
    Without slack, what reaches b falls short of its five vouchees' shares."""
    edges = [(1, "a"), ("c", "a"), (1, "c"), ("a", "c")]
    edges += [("a", "b"), ("c", "b"), ("a", "e"), ("c", "e")]
    edges += [("b", f"v{i}") for i in range(5)]
    ids = {
        name: i for i, name in enumerate([1, "a", "c", "b", "e"] + [f"v{i}" for i in range(5)], 1)
    }
    numbered = [(ids[a], ids[b]) for a, b in edges]
    levels = {ids[m]: level for m, level in (incumbents or {}).items()}
    return graph([1], numbered, incumbent_levels=levels if incumbents else None), ids


def test_whoever_already_stood_keeps_the_share_several_wait_for(monkeypatch):
    from vouching.trust import pledge

    monkeypatch.setattr(pledge, "CAPACITY_SLACK", 0.0)
    g, ids = crowded()
    vouched = by_id(g, PledgeMetric().compute(g).vouched)
    newcomers = [ids[f"v{i}"] for i in range(5)]
    waiting = [v for v in newcomers if not vouched[v]]
    assert waiting and len(waiting) < 5, "some of b's vouchees get a share, not all"
    standing = sum(vouched[v] for v in newcomers)
    # Whoever stood before keeps their share: mark the pending ones as incumbents.
    g, ids = crowded(dict.fromkeys([k for k, v in ids.items() if v in waiting], 1))
    kept = by_id(g, PledgeMetric().compute(g).vouched)
    assert all(kept[v] for v in waiting)
    assert sum(kept[v] for v in newcomers) == standing


def test_spare_marks_who_could_carry_one_more_member():
    edges = [(1, 2), (9, 2), (1, 9), (8, 9), (1, 8), (2, 3), (6, 3), (1, 6), (3, 10)]
    g = graph([1], edges, members=set(range(1, 11)) | {11})
    result = PledgeMetric().compute(g)
    spare, vouched = by_id(g, result.spare), by_id(g, result.vouched)
    assert spare[1] and spare[2], "a founder, and a member with unlimited shares from one"
    assert not spare[10], "10 has no vouches of its own and may not vouch"
    # Whoever is marked spare really does carry one more: add a vouch to the stranger 11.
    for voucher in (m for m in spare if spare[m] and m != 11):
        again = graph([1], [*edges, (voucher, 11)], members=set(range(1, 12)))
        assert by_id(again, PledgeMetric().compute(again).vouched)[11], voucher
    for voucher in (m for m in spare if not spare[m] and vouched[m] and m not in (10, 11)):
        again = graph([1], [*edges, (voucher, 11)], members=set(range(1, 12)))
        assert not by_id(again, PledgeMetric().compute(again).vouched)[11], voucher


def test_levels_follow_vouch_strength():
    edges = [(1, 2, 3), (4, 2, 3), (1, 4, 3), (5, 4, 3), (1, 5, 1), (2, 6, 3), (4, 6, 1)]
    g = graph([1], edges)
    level = by_id(g, PledgeMetric().compute(g).level)
    assert level[1] == 3 and level[2] == 3 and level[4] == 3
    assert level[5] == 1, "only a strength-1 vouch reaches 5"
    assert level[6] == 3, "2's strength-3 vouch alone still carries 6"


def test_a_forfeited_pledge_passes_on_fewer_shares():
    edges = [(1, 2), (9, 2), (1, 9), (2, 3), (2, 4), (2, 5), (2, 6)]
    full = graph([1], edges, min_vouches_to_vouch=0)
    halved = graph([1], edges, min_vouches_to_vouch=0, pledge_weights={2: 0.5})
    assert PledgeMetric().compute(full).vouched.sum() == 7
    # 2's four vouches could carry four shares (2 is established, the others are not:
    # one share each); half of that passes.
    assert PledgeMetric().compute(halved).vouched.sum() == 5


# AGAINST NETWORKX -----------------------------------------------------------------------


def networkx_vouched_count(g, shares) -> int:
    """The same flow network built and solved by networkx (an independent max flow)."""
    net = nx.DiGraph()
    for f in g.founders.tolist():
        net.add_edge("s", f)  # no capacity attribute: unlimited
    for v in range(g.n):
        net.add_edge(v, "t", capacity=1)
    gates = dict(zip(shares.throttled.tolist(), shares.gates.tolist(), strict=True))
    for i in range(g.m):
        cap = int(shares.capacity[i])
        if not cap:
            continue
        u, v = int(g.src[i]), int(g.dst[i])
        source = u
        if u in gates:
            source = ("gate", u)
            net.add_edge(u, source, capacity=gates[u])
        previous = net.get_edge_data(source, v, default={}).get("capacity", 0)
        net.add_edge(source, v, capacity=previous + cap)
    value, flow = nx.maximum_flow(net, "s", "t")
    return sum(1 for v in range(g.n) if flow[v]["t"] > 0 or v in set(g.founders.tolist()))


@pytest.mark.parametrize("seed", range(40))
def test_shares_match_networkx_maximum_flow(seed):
    rng = random.Random(seed)
    n = rng.randint(20, 60)
    edges = set()
    while len(edges) < n * rng.randint(2, 4):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            edges.add((a, b, rng.choice((1, 2, 3))))
    weights = dict.fromkeys(rng.sample(range(n), 3), 0.5)
    g = graph(
        [0, 1] if seed % 2 else [0],
        sorted(edges),
        members=range(n),
        pledge_weights=weights,
        min_vouches_to_vouch=rng.choice((0, 1, 2)),
    )
    # Half the runs start from a stored result: some members stood before (incumbents).
    incumbents = None
    if seed % 4 >= 2:
        incumbents = np.array([rng.random() < 0.5 for _ in range(g.n)])
    shares = share_flow(g, incumbents)
    assert int(shares.vouched.sum()) == networkx_vouched_count(g, shares)
    # Every vouch carries no more than its capacity; a member passes on exactly what it
    # receives beyond the share it keeps, and keeps one before passing any on.
    assert (shares.flow <= shares.capacity).all()
    inflow = np.bincount(g.dst, weights=shares.flow, minlength=g.n)
    outflow = np.bincount(g.src, weights=shares.flow, minlength=g.n)
    others = np.setdiff1d(np.arange(g.n), g.founders)
    kept = shares.vouched[others].astype(int)
    assert (outflow[others] == inflow[others] - kept).all()
    assert shares.vouched[others][outflow[others] > 0].all(), "no one passes on what they lack"
    # Members who are not established never pass a share on (the explanations rely on it).
    assert (outflow[others][~shares.established[others]] == 0).all()
    # A forfeited pledge passes on at most its weight's part of what it could otherwise.
    could = np.bincount(g.src, weights=shares.capacity, minlength=g.n)
    for voucher, gate in zip(shares.throttled.tolist(), shares.gates.tolist(), strict=True):
        assert outflow[voucher] <= gate <= np.ceil(could[voucher] * g.pledge_weight[voucher])


def test_scores_rank_vouched_then_established_then_backed_then_the_rest():
    """Vouched members first; then pending members two established members vouch for
    (only trust ran short); then pending members a vouched member vouches for; then the
    rest. Two established members whose pledges are all but forfeited (weight 0.1) vouch
    for six newcomers: they can pass on only a few shares."""
    a, a2, w, p, q = 2, 3, 20, 21, 22
    newcomers = list(range(10, 16))
    edges = [(1, a), (1, a2), (a, a2), (a2, a)]
    edges += [(v, n) for n in newcomers for v in (a, a2)]
    edges += [(1, w), (w, p), (p, q)]  # w has one vouch: may not vouch
    g = graph([1], edges, pledge_weights={a: 0.1, a2: 0.1})
    result = PledgeMetric().compute(g)
    vouched, score = by_id(g, result.vouched), by_id(g, result.score)
    established = by_id(g, result.established)
    waiting = [n for n in newcomers if not vouched[n]]
    assert waiting and len(waiting) < len(newcomers), "the shares ran short"
    assert all(established[n] for n in newcomers)
    assert vouched[w] and not vouched[p] and not vouched[q]
    lowest_vouched = min(score[m] for m in vouched if vouched[m])
    assert lowest_vouched > max(score[n] for n in waiting)
    assert min(score[n] for n in waiting) > score[p] > score[q]


@pytest.mark.parametrize(
    "g",
    [
        TrustGraph.build(founders=[], members=[], edges=[]),
        TrustGraph.build(founders=[], members=[1, 2], edges=[(1, 2, 2)]),
        TrustGraph.build(founders=[1], members=[1], edges=[]),
    ],
    ids=["empty", "no founders", "a founder alone"],
)
def test_small_and_empty_graphs(g):
    result = PledgeMetric().compute(g)
    assert len(result.vouched) == g.n and len(result.score) == g.n
    assert result.vouched.sum() == len(g.founders)
