"""Social-looking vouch graphs: heavy-tailed degrees and clustering, as real ones have."""

import random

import networkx as nx


def social_vouch_graph(members: int, vouches_per_member: int = 10, *, seed: int = 7):
    """Edges ``(voucher, vouchee, strength)`` over member indexes ``0..members-1``.

    Holme-Kim growth (preferential attachment with triad closure) gives the degree
    distribution and clustering of friendship networks; each friendship becomes a vouch
    one way or both, with mostly middling strengths.
    """
    rng = random.Random(seed)
    links = max(1, round(vouches_per_member / 1.5))
    graph = nx.powerlaw_cluster_graph(members, links, 0.3, seed=seed)
    edges = []
    for a, b in graph.edges():
        if rng.random() < 0.5:
            a, b = b, a
        edges.append((a, b, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
        if rng.random() < 0.5:
            edges.append((b, a, rng.choices((1, 2, 3), weights=(3, 5, 2))[0]))
    return edges
