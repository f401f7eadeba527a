"""Trust paths: how a viewer is connected to another member ("You → Mei → Jon → Lena").

A request never loads the whole graph. A breadth-first search runs from both ends at
once over the indexed table of accepted vouches, always widening the smaller side, until
the two meet or four hops are used; networkx then picks the path on the small graph of
links the search explored. Each member's links are cached under the current
graph generation, so a change to the vouch graph makes every cached neighbourhood stale at
once and nothing needs invalidating by hand.

Among the shortest paths the strongest wins: the one whose weakest vouch is strongest,
then the one with the greatest total strength. A vouch links two people whichever way it
points; a hop records who vouched for whom.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
from django.core.cache import cache
from django.db.models import Q

from ..models import Member, TrustState, Vouch

MAX_HOPS = 4
# Neighbourhoods outlive a generation only by accident; the key changes with it anyway.
CACHE_SECONDS = 60 * 60
_MISSING = object()


@dataclass(frozen=True)
class Link:
    """The strongest accepted vouch between two members, seen from one of them."""

    other: int
    strength: int
    vouch_id: int
    outgoing: bool  # True if "this" member vouched for ``other``


@dataclass(frozen=True)
class Hop:
    voucher_id: int
    vouchee_id: int
    strength: int
    vouch_id: int


@dataclass(frozen=True)
class TrustPath:
    member_ids: tuple[int, ...]  # viewer first, target last
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


def current_generation() -> int:
    generation = TrustState.objects.values_list("generation", flat=True).first()
    return generation or 0


def _avoid_key(avoid: frozenset[int]) -> str:
    return hashlib.blake2b(repr(sorted(avoid)).encode(), digest_size=8).hexdigest()


def _hidden_members(generation: int) -> frozenset[int]:
    """Members nobody may be connected through: banned, suspended or inactive."""
    key = f"trust:hidden:{generation}"
    hidden = cache.get(key)
    if hidden is None:
        hidden = frozenset(
            Member.objects.filter(
                Q(is_active=False) | Q(pk__in=Member.objects.moderated())
            ).values_list("pk", flat=True)
        )
        # Suspensions end by the clock, not by a graph change: keep this one short.
        cache.set(key, hidden, 60)
    return hidden


def _load_links(member_ids: list[int]) -> dict[int, list[Link]]:
    """Links of members straight from the vouch table: two index scans."""
    best: dict[int, dict[int, Link]] = {m: {} for m in member_ids}

    def keep(owner: int, link: Link) -> None:
        current = best[owner].get(link.other)
        if current is None or link.strength > current.strength:
            best[owner][link.other] = link

    accepted = Vouch.objects.accepted()
    for voucher, vouchee, strength, pk in accepted.filter(voucher_id__in=member_ids).values_list(
        "voucher_id", "vouchee_id", "strength", "pk"
    ):
        keep(voucher, Link(vouchee, strength, pk, True))
    for voucher, vouchee, strength, pk in accepted.filter(vouchee_id__in=member_ids).values_list(
        "voucher_id", "vouchee_id", "strength", "pk"
    ):
        keep(vouchee, Link(voucher, strength, pk, False))
    return {m: list(links.values()) for m, links in best.items()}


def member_links(member_ids: Iterable[int], generation: int) -> dict[int, list[Link]]:
    """Each member's links, from the cache where this generation already has them."""
    member_ids = list(member_ids)
    keys = {f"trust:links:{generation}:{m}": m for m in member_ids}
    found = cache.get_many(list(keys))
    links = {keys[k]: v for k, v in found.items()}
    missing = [m for m in member_ids if m not in links]
    if missing:
        loaded = _load_links(missing)
        cache.set_many(
            {f"trust:links:{generation}:{m}": v for m, v in loaded.items()}, CACHE_SECONDS
        )
        links.update(loaded)
    return links


# Above this many neighbours, warming their links costs more than the searches save.
PREFETCH_LIMIT = 2_000


def prefetch_links(member_ids: list[int], generation: int) -> None:
    """Warm the cache with the links of several search targets and of their neighbours,
    in a few queries, before searching paths to all of them one by one."""
    links = member_links(member_ids, generation)
    neighbours = {link.other for found in links.values() for link in found}
    if len(neighbours) <= PREFETCH_LIMIT:
        member_links(sorted(neighbours), generation)


class _Side:
    """One end of the bidirectional search: how far each member reached is from it."""

    def __init__(self, start: int):
        self.distance = {start: 0}
        self.frontier = [start]
        self.depth = 0

    def expand(self, generation: int, hidden: frozenset[int], explored: nx.Graph) -> None:
        links = member_links(self.frontier, generation)
        self.depth += 1
        reached: list[int] = []
        for member in self.frontier:
            for link in links.get(member, ()):
                other = link.other
                if other in hidden:
                    continue
                voucher, vouchee = (member, other) if link.outgoing else (other, member)
                known = explored.get_edge_data(member, other)
                if known is None or link.strength > known["strength"]:
                    explored.add_edge(
                        member,
                        other,
                        strength=link.strength,
                        vouch_id=link.vouch_id,
                        voucher=voucher,
                        vouchee=vouchee,
                    )
                if other not in self.distance:
                    self.distance[other] = self.depth
                    reached.append(other)
        self.frontier = reached


def strongest_shortest_path(graph: nx.Graph, source: int, target: int) -> list[int] | None:
    """Among the shortest paths in ``graph``, the one whose weakest link is strongest, then
    the one with the greatest total strength."""
    try:
        length = nx.shortest_path_length(graph, source, target)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    from_source = nx.single_source_shortest_path_length(graph, source, cutoff=length)
    from_target = nx.single_source_shortest_path_length(graph, target, cutoff=length)
    # The shortest paths form a layered DAG from source to target.
    layered = nx.DiGraph()
    for u, v, strength in graph.edges(data="strength"):
        for a, b in ((u, v), (v, u)):
            if a in from_source and b in from_target:
                if from_source[a] + 1 + from_target[b] == length:
                    layered.add_edge(a, b, strength=strength)
    for weakest in (3, 2, 1):
        strong = nx.DiGraph(
            (a, b, data) for a, b, data in layered.edges(data=True) if data["strength"] >= weakest
        )
        if source not in strong or target not in strong or not nx.has_path(strong, source, target):
            continue
        on_paths = (nx.descendants(strong, source) & nx.ancestors(strong, target)) | {
            source,
            target,
        }
        return nx.dag_longest_path(strong.subgraph(on_paths), weight="strength")
    return None


def _search(
    viewer_id: int, target_id: int, generation: int, avoid: frozenset[int] = frozenset()
) -> TrustPath | None:
    hidden = _hidden_members(generation) | avoid
    if viewer_id in hidden or target_id in hidden:
        return None
    if viewer_id == target_id:
        return TrustPath(member_ids=(viewer_id,), hops=())
    ahead, behind = _Side(viewer_id), _Side(target_id)
    explored = nx.Graph()
    met = False
    while ahead.depth + behind.depth < MAX_HOPS:
        side = ahead if len(ahead.frontier) <= len(behind.frontier) else behind
        if not side.frontier:
            return None
        side.expand(generation, hidden, explored)
        other = behind if side is ahead else ahead
        if any(m in other.distance for m in side.frontier):
            met = True
            break
    if not met:
        return None
    members = strongest_shortest_path(explored, viewer_id, target_id)
    if members is None or len(members) - 1 > MAX_HOPS:
        return None
    edges = [explored.edges[a, b] for a, b in zip(members, members[1:], strict=False)]
    return TrustPath(
        member_ids=tuple(members),
        hops=tuple(
            Hop(
                voucher_id=e["voucher"],
                vouchee_id=e["vouchee"],
                strength=e["strength"],
                vouch_id=e["vouch_id"],
            )
            for e in edges
        ),
    )


def find_trust_path(
    viewer_id: int,
    target_id: int,
    generation: int | None = None,
    avoid: frozenset[int] = frozenset(),
):
    """The strongest shortest path of at most four hops, or None; cached per generation.

    ``avoid``: members the path may not pass through (those the viewer blocked or who
    blocked the viewer).
    """
    if generation is None:
        generation = current_generation()
    key = f"trust:path:{generation}:{viewer_id}:{target_id}:{_avoid_key(avoid)}"
    cached = cache.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    path = _search(viewer_id, target_id, generation, avoid)
    cache.set(key, path, CACHE_SECONDS)
    return path


def neighbourhood(
    member_id: int, generation: int, depth: int = 3, avoid: frozenset[int] = frozenset()
) -> dict[int, int]:
    """Everyone within ``depth`` links of a member, with their distance (the member: 0).

    Cached per generation: browsing asks it once and then orders every profile by it.
    """
    key = f"trust:ball:{generation}:{member_id}:{depth}:{_avoid_key(avoid)}"
    ball = cache.get(key)
    if ball is not None:
        return ball
    hidden = _hidden_members(generation) | avoid
    ball = {member_id: 0}
    frontier = [member_id]
    for distance in range(1, depth + 1):
        links = member_links(frontier, generation)
        reached = []
        for member in frontier:
            for link in links.get(member, ()):
                if link.other not in ball and link.other not in hidden:
                    ball[link.other] = distance
                    reached.append(link.other)
        frontier = reached
    cache.set(key, ball, CACHE_SECONDS)
    return ball
