"""The classic Advogato metric (mod_virgule's ``net_flow.c`` re-implemented) against real data.

Any correct maximum flow accepts the same number of members per level, but which members
are accepted at the capacity boundary depends on the original's exact order of work, so the
dataset tests compare every user's level, not only the counts. Datasets are read from the
directory in ``PLEDGE_DATASETS``; those tests are skipped when it is unset. The small graphs
pin the behaviour that a refactoring could break.
"""

import os
import random
from collections import Counter, deque
from functools import cache
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest

from vouching.trust.advogato_classic import _max_flow, classic_accepted, classic_levels

LEVEL_NAMES = {"Apprentice": 1, "Journeyer": 2, "Master": 3}

ROBOTS_SEEDS = ("steve", "The Swirling Brain", "Rog-a-matic")
ROBOTS_CAPACITIES = (800, 200, 50, 12, 4, 2, 1)
# Titus Brown's guess at advogato.org's parameters (see the dataset's PROVENANCE.md).
ADVOGATO_SEEDS = ("raph", "miguel", "federico", "alan")
ADVOGATO_CAPACITIES = (3200, 800, 200, 50, 12, 4, 2, 1)


# DATASETS -------------------------------------------------------------------------------


def dataset_dir(name: str) -> Path:
    root = os.environ.get("PLEDGE_DATASETS")
    if not root:
        pytest.skip(
            "PLEDGE_DATASETS is not set: point it at the shared datasets directory "
            "to compare with the levels the real sites published"
        )
    path = Path(root) / name
    if not path.is_dir():
        pytest.skip(f"dataset {name} not found under PLEDGE_DATASETS ({root})")
    return path


def read_rows(path: Path, n_fields: int) -> list[list[str]]:
    """Comma-separated rows; names may contain spaces, so fields are not stripped."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(",")
        assert len(fields) == n_fields, f"{path.name}: unexpected line {line!r}"
        rows.append(fields)
    return rows


@cache
def load_certs(name: str) -> tuple[tuple[str, str, int], ...]:
    path = dataset_dir(name) / "certs.csv"
    return tuple((g, r, LEVEL_NAMES[level]) for g, r, level in read_rows(path, 3))


def load_levels(name: str, filename: str) -> dict[str, int]:
    rows = read_rows(dataset_dir(name) / filename, 2)
    return {user: LEVEL_NAMES[level] for user, level in rows}


@cache
def per_level_accepted(name: str, seeds: tuple, capacities: tuple) -> dict[int, set]:
    certs = load_certs(name)
    accepted = {}
    for level in (1, 2, 3):
        edges = [("-", s) for s in seeds] + [(g, r) for g, r, lvl in certs if lvl >= level]
        accepted[level] = classic_accepted(edges, source="-", capacities=capacities)
    return accepted


def users_of(certs) -> set[str]:
    return {name for giver, recipient, _ in certs for name in (giver, recipient)}


def mismatches(computed: dict, expected: dict, users) -> list[str]:
    return sorted(
        f"{user}: computed {computed.get(user, 0)}, site {expected.get(user, 0)}"
        for user in users
        if computed.get(user, 0) != expected.get(user, 0)
    )


def test_robots_net_2005_levels_match_the_site_exactly():
    name = "robots-net-2005-oracle"
    certs = load_certs(name)
    actual = load_levels(name, "actual.csv")
    users = users_of(certs)
    assert len(certs) == 3338 and len(users) == 1280

    accepted = per_level_accepted(name, ROBOTS_SEEDS, ROBOTS_CAPACITIES)
    assert {level: len(nodes) for level, nodes in accepted.items()} == {1: 401, 2: 401, 3: 112}
    assert not accepted[2] <= accepted[1]  # the per-level sets are not nested

    levels = classic_levels(certs, seeds=ROBOTS_SEEDS, capacities=ROBOTS_CAPACITIES)
    assert len(levels) == 611
    assert Counter(levels.values()) == {1: 210, 2: 289, 3: 112}
    wrong = mismatches(levels, actual, users)
    assert not wrong, f"{len(wrong)} of {len(users)} users differ from robots.net: {wrong}"


def test_advogato_2005_matches_net_flow_and_the_site_as_far_as_its_parameters_allow():
    name = "advogato-2005-oracle"
    certs = load_certs(name)
    users = users_of(certs)
    assert len(certs) == 62289 and len(users) == 4977

    accepted = per_level_accepted(name, ADVOGATO_SEEDS, ADVOGATO_CAPACITIES)
    assert {level: len(nodes) for level, nodes in accepted.items()} == {1: 2204, 2: 2204, 3: 767}

    levels = classic_levels(certs, seeds=ADVOGATO_SEEDS, capacities=ADVOGATO_CAPACITIES)
    # net_flow.c itself, run on the same certs in the same order: every user agrees.
    reference = load_levels(name, "netflow_reference_levels.csv")
    wrong = mismatches(levels, reference, users)
    assert not wrong, f"{len(wrong)} of {len(users)} users differ from net_flow.c: {wrong[:50]}"
    # The live site used unpublished seeds and capacities: net_flow.c gets 4,825 of 4,977.
    actual = load_levels(name, "actual.csv")
    assert len(users) - len(mismatches(levels, actual, users)) == 4825


def test_flow_found_on_real_data_is_a_valid_flow():
    certs = load_certs("robots-net-2005-oracle")
    edges = [("-", s) for s in ROBOTS_SEEDS] + [(g, r) for g, r, _ in certs]
    net = _max_flow(edges, "-", ROBOTS_CAPACITIES)
    seed = net.ids["-"]
    inflow = [0] * len(net.node_flow)
    outflow = [0] * len(net.node_flow)
    for src, dst, flow in zip(net.edge_src, net.edge_dst, net.edge_flow, strict=True):
        assert flow >= 0
        outflow[src] += flow
        inflow[dst] += flow
    for node, through in enumerate(net.node_flow):
        assert net.node_sink[node] in (0, 1)
        # Capacities are stored net of the node's own unit once the flow is built.
        assert 0 <= through <= max(net.capacity[node], 0)
        assert outflow[node] == through
        if node != seed:
            assert inflow[node] == through + net.node_sink[node]
    assert sum(net.node_sink) - 1 == 401


def test_self_certs_on_real_data_change_nothing():
    certs = load_certs("robots-net-2005-oracle")
    users = sorted(users_of(certs))
    with_self = list(certs) + [(user, user, 3) for user in users]
    kwargs = {"seeds": ROBOTS_SEEDS, "capacities": ROBOTS_CAPACITIES}
    assert classic_levels(with_self, **kwargs) == classic_levels(certs, **kwargs)


# SMALL GRAPHS ---------------------------------------------------------------------------


def accepted(edges, capacities):
    return classic_accepted(edges, source="-", capacities=capacities)


def test_nodes_beyond_the_capacity_list_get_its_last_value():
    chain = [f"n{i}" for i in range(1, 11)]
    edges = [("-", chain[0]), *pairwise(chain)]
    # n1 passes on 4 units, n2 passes 3, n3 passes 2; n4 is past the list, still gets 3 and
    # passes its one remaining unit to n5.
    assert accepted(edges, (10, 5, 4, 3)) == set(chain[:5])


def test_capacity_past_the_list_limits_fan_out():
    edges = [("-", "a")] + [("a", b) for b in ("b1", "b2", "b3")]
    edges += [(b, "c") for b in ("b1", "b2", "b3")]
    edges += [("c", f"x{i}") for i in range(1, 11)]
    # c is three hops out, past the list, so its capacity is 4: itself plus three more,
    # though the b's could send it nine units.
    assert accepted(edges, (100, 50, 4)) == {"a", "b1", "b2", "b3", "c", "x1", "x2", "x3"}


def test_unreachable_nodes_are_never_accepted():
    edges = [("-", "a"), ("x", "a"), ("x", "y"), ("y", "x"), ("a", "b")]
    assert accepted(edges, (800, 200, 50, 12, 4, 2, 1)) == {"a", "b"}
    assert accepted([("x", "y")], (800, 200)) == set()  # the source is not in the graph


def test_a_node_whose_only_giver_has_capacity_one_passes_nothing_on():
    edges = [("-", "a"), ("a", "b"), ("b", "c")]
    assert accepted(edges, (10, 5, 1)) == {"a", "b"}
    # A second giver with spare capacity lets c in.
    assert accepted([*edges, ("a", "c")], (10, 5, 1)) == {"a", "b", "c"}


def test_self_edges_change_nothing():
    edges = [("-", "s")] + [("s", n) for n in "pqrtw"] + [("p", "u"), ("q", "u"), ("u", "v")]
    caps = (10, 4, 2, 1)
    interleaved = [e for edge in edges for e in (edge, (edge[1], edge[1]))]
    expected = accepted(edges, caps)
    assert expected == {"s", "p", "q", "r"}  # s can pass on three units: t and w lose out
    assert accepted(interleaved, caps) == expected
    assert accepted([*edges, ("-", "-"), ("s", "s")], caps) == expected


def test_duplicate_edges_add_no_capacity():
    edges = [("-", "s"), ("s", "x"), ("s", "x"), ("s", "x"), ("s", "y"), ("s", "z")]
    # s has capacity 3: its own unit plus two passed on, however many times it vouched for x.
    assert accepted(edges, (10, 3, 1)) == {"s", "x", "y"}
    assert accepted([("-", "s"), *edges], (10, 3, 1)) == {"s", "x", "y"}


def test_insertion_order_decides_who_is_accepted_at_the_boundary():
    forward = [("-", "s"), ("s", "p"), ("s", "q"), ("s", "r")]
    backward = [("-", "s"), ("s", "r"), ("s", "q"), ("s", "p")]
    assert accepted(forward, (10, 3, 1)) == {"s", "p", "q"}
    assert accepted(backward, (10, 3, 1)) == {"s", "r", "q"}


def test_the_greedy_tree_decides_the_boundary_not_the_search_alone():
    edges = [("-", "a"), ("-", "b"), ("a", "g"), ("a", "c"), ("b", "g"), ("b", "f")]
    edges += [("g", "d"), ("f", "e")]
    # a and b can each pass on two units; a spends both on g and c. The tree's walk reaches
    # g through a, with nothing left, so g takes no child, and b's last unit goes through f
    # to e. Augmenting from an empty flow would send it through g (b's first pick) to d.
    assert accepted(edges, (8, 3, 2, 1)) == {"a", "b", "c", "e", "f", "g"}


def test_levels_take_the_highest_accepting_network_even_when_not_nested():
    # At level 1 p takes the seed's only spare unit; at level 2 only q competes for it.
    certs = [("s", "p", 1), ("s", "q", 2)]
    levels = classic_levels(certs, seeds=["s"], capacities=(10, 2, 1))
    assert levels == {"s": 3, "p": 1, "q": 2}


def split_graph_max_flow(edges, capacities) -> int:
    """Members accepted by an independent max flow on the usual node-split network."""
    succs: dict = {}
    for giver, recipient in edges:
        succs.setdefault(giver, []).append(recipient)
        succs.setdefault(recipient, [])
    distance = {"-": 0}
    queue = deque(["-"])
    while queue:
        node = queue.popleft()
        for succ in succs[node]:
            if succ not in distance:
                distance[succ] = distance[node] + 1
                queue.append(succ)
    graph = nx.DiGraph()
    for node, dist in distance.items():
        cap = capacities[min(dist, len(capacities) - 1)]
        graph.add_edge((node, "in"), "sink", capacity=1)
        graph.add_edge((node, "in"), (node, "out"), capacity=cap - 1)
    for giver, recipient in edges:
        if giver in distance and giver != recipient:
            graph.add_edge((giver, "out"), (recipient, "in"))  # no capacity: unlimited
    return nx.maximum_flow_value(graph, ("-", "in"), "sink") - 1


def test_accepted_count_equals_an_independent_max_flow():
    rng = random.Random(20051219)
    for _ in range(40):
        n = rng.randint(5, 40)
        edges = [("-", i) for i in range(rng.randint(1, 3))]
        edges += [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(n, 4 * n))]
        caps = rng.choice([(800, 200, 50, 12, 4, 2, 1), (12, 4, 2, 1), (30, 6, 3), (5, 2)])
        assert len(accepted(edges, caps)) == split_graph_max_flow(edges, caps), (edges, caps)
