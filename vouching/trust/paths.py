"""Trust paths: how a viewer is connected to another member ("You → Mei → Jon → Lena").

A request never loads the whole graph. A breadth-first search runs from both ends at
once over the indexed table of accepted vouches, two links from each end, and the two
sides meet in the middle. Each member's links are cached under the current
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

from django.core.cache import cache
from django.db.models import F, Value

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
    generation = TrustState.objects.order_by().values_list("generation", flat=True)[:1]
    return generation[0] if generation else 0


def _avoid_key(avoid: frozenset[int]) -> str:
    return hashlib.blake2b(repr(sorted(avoid)).encode(), digest_size=8).hexdigest()


def _hidden_members(generation: int) -> frozenset[int]:
    """Members nobody may be connected through: banned, suspended or inactive."""
    key = f"trust:hidden:{generation}"
    hidden = cache.get(key)
    if hidden is None:
        hidden = frozenset(Member.objects.hidden().values_list("pk", flat=True))
        # Suspensions end by the clock, not by a graph change: keep this one short.
        cache.set(key, hidden, 60)
    return hidden


def _load_links(member_ids: list[int]) -> dict[int, list[Link]]:
    """Links of members straight from the vouch table: one query over the two covering
    indexes of accepted vouches (by voucher and by vouchee)."""
    best: dict[int, dict[int, Link]] = {m: {} for m in member_ids}
    accepted = Vouch.objects.accepted().order_by()
    columns = ("owner", "other", "strength", "pk", "outgoing")
    for start in range(0, len(member_ids), 5_000):
        chunk = member_ids[start : start + 5_000]
        given = accepted.filter(voucher_id__in=chunk).annotate(
            owner=F("voucher_id"), other=F("vouchee_id"), outgoing=Value(True)
        )
        received = accepted.filter(vouchee_id__in=chunk).annotate(
            owner=F("vouchee_id"), other=F("voucher_id"), outgoing=Value(False)
        )
        rows = given.values_list(*columns).union(received.values_list(*columns), all=True)
        for owner, other, strength, pk, outgoing in rows:
            current = best[owner].get(other)
            if current is None or strength > current.strength:
                best[owner][other] = Link(other, strength, pk, bool(outgoing))
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


def prefetch_links(member_ids: list[int], generation: int) -> None:
    """Warm the cache with the links of several search targets in one batch, before
    searching paths to all of them one by one."""
    member_links(member_ids, generation)


Route = tuple  # (distance, total strength, parent member id or None, Link from the parent)


def _routes(
    start: int, generation: int, hidden: frozenset[int], weakest: int, depth: int = 2
) -> dict:
    """Best routes from ``start`` to everyone within ``depth`` links over vouches of at
    least ``weakest`` strength: for each member, (distance, greatest total strength on a
    shortest route, the previous member, the link from them)."""
    routes: dict[int, Route] = {start: (0, 0, None, None)}
    frontier = [start]
    for distance in range(1, depth + 1):
        links = member_links(frontier, generation)
        reached: dict[int, Route] = {}
        for member in frontier:
            total = routes[member][1]
            for link in links.get(member, ()):
                other = link.other
                if link.strength < weakest or other in hidden or other in routes:
                    continue
                candidate = (distance, total + link.strength, member, link)
                current = reached.get(other)
                # Greater total first; then the smaller ids, so that answers are stable.
                if current is None or (candidate[1], -member, -link.vouch_id) > (
                    current[1],
                    -current[2],
                    -current[3].vouch_id,
                ):
                    reached[other] = candidate
        routes.update(reached)
        frontier = sorted(reached)
    return routes


def _hops(routes: dict, end: int, towards_start: bool) -> list[tuple[int, int, Link]]:
    """The route's steps as (from, to, link seen from the member nearer ``start``)."""
    steps = []
    node = end
    while routes[node][2] is not None:
        _distance, _total, parent, link = routes[node]
        steps.append((node, parent, link) if towards_start else (parent, node, link))
        node = parent
    return steps if towards_start else steps[::-1]


def _meet(ahead: dict, behind: dict, length: int | None = None):
    """The best meeting member of two route sets: shortest total, then greatest strength."""
    best = None
    for member in ahead.keys() & behind.keys():
        hops = ahead[member][0] + behind[member][0]
        if length is not None and hops != length:
            continue
        key = (-hops, ahead[member][1] + behind[member][1], -member)
        if best is None or key > best[0]:
            best = (key, member)
    return None if best is None else (-best[0][0], best[1])


def _search(
    viewer_id: int,
    target_id: int,
    generation: int,
    avoid: frozenset[int] = frozenset(),
    memo: dict | None = None,
) -> TrustPath | None:
    """Shortest first, then the strongest weakest vouch, then the strongest in total.

    Route sets from both ends meet in the middle: every path of at most four links has a
    member at most two links from each end, and a path of three has one at most two from
    one end and one from the other. Trying the strongest vouches first (3, then 2, then
    all) finds the strongest weakest link; the routes keep the greatest total on the way.
    ``memo`` shares route sets between searches from one viewer (same generation and
    ``avoid``): the viewer's side is then computed once for a whole page of profiles.
    """
    hidden = _hidden_members(generation) | avoid
    if viewer_id in hidden or target_id in hidden:
        return None
    if viewer_id == target_id:
        return TrustPath(member_ids=(viewer_id,), hops=())
    memo = {} if memo is None else memo

    def routes(start: int, weakest: int, depth: int) -> dict:
        key = (start, weakest, depth)
        if key not in memo:
            memo[key] = _routes(start, generation, hidden, weakest, depth)
        return memo[key]

    # Stages of growing reach: (1, 1) finds paths of up to two links, one side at two
    # links finds three, both at two find four. The side to widen first is the one whose
    # routes are already known (a page of profiles from one viewer), else the one with
    # fewer links: widening a popular member's side would load thousands of links.
    if (viewer_id, 1, 2) in memo:
        viewer_first = True
    else:
        degrees = member_links([viewer_id, target_id], generation)
        viewer_first = len(degrees[viewer_id]) <= len(degrees[target_id])
    stages = ((1, 1), (2, 1) if viewer_first else (1, 2), (2, 2))
    found = None
    for near, far in stages:
        for weakest in (1, 3, 2):
            ahead = routes(viewer_id, weakest, near)
            behind = routes(target_id, weakest, far)
            meeting = _meet(ahead, behind, None if found is None else found[0])
            if weakest == 1:
                if meeting is None:
                    break
                found = (meeting[0], meeting[1], ahead, behind)
            elif meeting is not None:
                found = (meeting[0], meeting[1], ahead, behind)
                break
        if found is not None:
            break
    if found is None:
        return None
    _length, middle, ahead, behind = found
    steps = _hops(ahead, middle, towards_start=False) + [
        (a, b, link) for b, a, link in _hops(behind, middle, towards_start=False)[::-1]
    ]
    members = [viewer_id] + [b for _a, b, _link in steps]
    hops = []
    for a, b, link in steps:
        # ``link`` is seen from whichever end of the hop it was loaded for.
        owner, other = (a, b) if link.other == b else (b, a)
        voucher, vouchee = (owner, other) if link.outgoing else (other, owner)
        hops.append(Hop(voucher, vouchee, link.strength, link.vouch_id))
    return TrustPath(member_ids=tuple(members), hops=tuple(hops))


def find_trust_path(
    viewer_id: int,
    target_id: int,
    generation: int | None = None,
    avoid: frozenset[int] = frozenset(),
    memo: dict | None = None,
) -> TrustPath | None:
    """The strongest shortest path of at most four hops, or None; cached per generation.

    ``avoid``: members the path may not pass through (those the viewer blocked or who
    blocked the viewer). ``memo``: see ``_search``.
    """
    if generation is None:
        generation = current_generation()
    key = f"trust:path:{generation}:{viewer_id}:{target_id}:{_avoid_key(avoid)}"
    cached = cache.get(key, _MISSING)
    if cached is not _MISSING:
        return cached
    path = _search(viewer_id, target_id, generation, avoid, memo)
    cache.set(key, path, CACHE_SECONDS)
    return path


def neighbourhood(
    member_id: int, generation: int, avoid: frozenset[int] = frozenset()
) -> dict[int, int]:
    """Everyone within three links of a member, with their distance (the member: 0).

    Two links come from the member's cached routes; the third is one query for the
    neighbours of everyone two links away. Cached per generation: browsing asks it once
    and then orders every profile by it.
    """
    key = f"trust:ball:{generation}:{member_id}:{_avoid_key(avoid)}"
    ball = cache.get(key)
    if ball is not None:
        return ball
    hidden = _hidden_members(generation) | avoid
    routes = _routes(member_id, generation, hidden, weakest=1)
    ball = {member: route[0] for member, route in routes.items()}
    second = [member for member, distance in ball.items() if distance == 2]
    for start in range(0, len(second), 5_000):
        chunk = second[start : start + 5_000]
        accepted = Vouch.objects.accepted().order_by()
        beyond = (
            accepted.filter(voucher_id__in=chunk)
            .values_list("vouchee_id", flat=True)
            .union(accepted.filter(vouchee_id__in=chunk).values_list("voucher_id", flat=True))
        )
        for other in beyond:
            if other not in ball and other not in hidden:
                ball[other] = 3
    cache.set(key, ball, CACHE_SECONDS)
    return ball
