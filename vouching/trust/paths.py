"""Trust paths: how a viewer is connected to another member ("You → Mei → Jon → Lena").

A request never loads the whole graph. A breadth-first search runs from both ends at
once over the indexed table of accepted vouches, always widening the smaller side, until
the two meet or four hops are used. Each member's links are cached under the current
graph generation, so a change to the vouch graph makes every cached neighbourhood stale at
once and nothing needs invalidating by hand.

Among the shortest paths the strongest wins: the one whose weakest vouch is strongest,
then the one with the greatest total strength. A vouch links two people whichever way it
points; a hop records who vouched for whom.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
    relationship: str
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


class _Side:
    """One end of the bidirectional search: distances and the links that reached them."""

    def __init__(self, start: int):
        self.distance = {start: 0}
        self.parents: dict[int, list[tuple[int, Link]]] = {start: []}
        self.frontier = [start]
        self.depth = 0

    def expand(self, generation: int, hidden: frozenset[int]) -> None:
        links = member_links(self.frontier, generation)
        self.depth += 1
        reached: list[int] = []
        for member in self.frontier:
            for link in links.get(member, ()):
                other = link.other
                if other in hidden:
                    continue
                seen = self.distance.get(other)
                if seen is None:
                    self.distance[other] = self.depth
                    self.parents[other] = [(member, link)]
                    reached.append(other)
                elif seen == self.depth:
                    self.parents[other].append((member, link))
        self.frontier = reached

    def best_routes(self) -> dict[int, tuple[tuple[int, int], list[tuple[int, Link]]]]:
        """For every member reached: (weakest, total) strength of its strongest route
        from the start, and that route as (member, link) steps from the start outward."""
        routes: dict[int, tuple[tuple[int, int], list[tuple[int, Link]]]] = {}
        for member in sorted(self.distance, key=self.distance.__getitem__):
            if not self.parents[member]:
                routes[member] = ((MAX_HOPS + 9, 0), [])
                continue
            candidates = []
            for parent, link in self.parents[member]:
                (weakest, total), steps = routes[parent]
                quality = (min(weakest, link.strength), total + link.strength)
                candidates.append((quality, -link.vouch_id, steps + [(parent, link)]))
            quality, _tiebreak, steps = max(candidates, key=lambda c: (c[0], c[1]))
            routes[member] = (quality, steps)
        return routes


def _search(viewer_id: int, target_id: int, generation: int) -> TrustPath | None:
    hidden = _hidden_members(generation)
    if viewer_id in hidden or target_id in hidden:
        return None
    if viewer_id == target_id:
        return TrustPath(member_ids=(viewer_id,), hops=())
    ahead, behind = _Side(viewer_id), _Side(target_id)
    meeting: list[int] = []
    while ahead.depth + behind.depth < MAX_HOPS:
        side = ahead if len(ahead.frontier) <= len(behind.frontier) else behind
        if not side.frontier:
            return None
        side.expand(generation, hidden)
        other = behind if side is ahead else ahead
        meeting = [m for m in side.frontier if m in other.distance]
        if meeting:
            break
    if not meeting:
        return None
    shortest = min(ahead.distance[m] + behind.distance[m] for m in meeting)
    meeting = [m for m in meeting if ahead.distance[m] + behind.distance[m] == shortest]
    forward, backward = ahead.best_routes(), behind.best_routes()

    def combined(m):
        (w1, t1), _ = forward[m]
        (w2, t2), _ = backward[m]
        return (min(w1, w2), t1 + t2, -m)

    middle = max(meeting, key=combined)
    first_half = forward[middle][1]
    second_half = backward[middle][1]
    member_ids = [viewer_id]
    hops: list[tuple[int, int, Link]] = []
    for parent, link in first_half:
        member_ids.append(link.other)
        hops.append((parent, link.other, link))
    for parent, link in reversed(second_half):
        # Walking back from the target's side: the hop goes from link.other to parent.
        member_ids.append(parent)
        hops.append((link.other, parent, link))
    relationships = dict(
        Vouch.objects.filter(pk__in=[link.vouch_id for _a, _b, link in hops]).values_list(
            "pk", "relationship"
        )
    )
    path_hops = []
    for a, b, link in hops:
        # ``link`` is seen from the member it was loaded for; put voucher and vouchee right.
        owner, other = (a, b) if link.other == b else (b, a)
        voucher, vouchee = (owner, other) if link.outgoing else (other, owner)
        path_hops.append(
            Hop(
                voucher_id=voucher,
                vouchee_id=vouchee,
                strength=link.strength,
                relationship=relationships.get(link.vouch_id, ""),
                vouch_id=link.vouch_id,
            )
        )
    return TrustPath(member_ids=tuple(member_ids), hops=tuple(path_hops))


def find_trust_path(viewer_id: int, target_id: int, generation: int | None = None):
    """The strongest shortest path of at most four hops, or None; cached per generation."""
    if generation is None:
        generation = current_generation()
    key = f"trust:path:{generation}:{viewer_id}:{target_id}"
    cached = cache.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    path = _search(viewer_id, target_id, generation)
    cache.set(key, path, CACHE_SECONDS)
    return path
