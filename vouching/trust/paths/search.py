"""The search behind a trust path: route sets from both ends meet in the middle.

Every path of at most four links has a member at most two links from each end, and a
path of three has one at most two from one end and one from the other. The routes keep
the greatest total strength on the way, and a second pass over vouches of strength 2 or
more finds the strongest weakest link.

The search reads members' links through a ``LinkReader`` and the database through
``sql``: it keeps nothing itself, beyond what the searches from one viewer share for the
length of a request (``ViewerSearches``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .sql import Link, LinkReader, links_to, links_towards


@dataclass(frozen=True)
class Hop:
    voucher_id: int
    vouchee_id: int
    strength: int
    vouch_id: int
    relationship: str = ""  # how the voucher knows the vouchee, as the vouch says


@dataclass(frozen=True)
class TrustPath:
    member_ids: tuple[int, ...]  # viewer first, target last
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


class Route(NamedTuple):
    """The best way found from a search's start to one member."""

    distance: int  # links from the start
    total: int  # the greatest total strength on a shortest route
    parent: int | None  # the member before (None: this is the start)
    link: Link | None  # the link from the parent, seen from the parent

    def rank(self) -> tuple[int, int, int]:
        """Greater total first; then the smaller ids, so that answers are stable."""
        return (self.total, -self.parent, -self.link.vouch_id)


Routes = dict[int, Route]


class Meeting(NamedTuple):
    """Where the two sides of a search meet: the path's length, the member in the middle,
    and the two route sets that reach them."""

    length: int
    middle: int
    ahead: Routes  # from the viewer
    behind: Routes  # from the target


def routes(
    start: int,
    read: LinkReader,
    hidden: frozenset[int],
    weakest: int,
    depth: int = 2,
    second: dict[int, list[Link]] | None = None,
) -> Routes:
    """Best routes from ``start`` to everyone within ``depth`` links over vouches of at
    least ``weakest`` strength, never through ``hidden``. ``second``: the links to follow
    from the first ring instead of all of theirs (a search that knows where it must meet
    the other side)."""
    found: Routes = {start: Route(0, 0, None, None)}
    frontier = [start]
    for distance in range(1, depth + 1):
        links = second if distance == 2 and second is not None else read(frontier)
        reached: Routes = {}
        for member in frontier:
            total = found[member].total
            for link in links.get(member, ()):
                other = link.other
                if link.strength < weakest or other in hidden or other in found:
                    continue
                candidate = Route(distance, total + link.strength, member, link)
                current = reached.get(other)
                if current is None or candidate.rank() > current.rank():
                    reached[other] = candidate
        found.update(reached)
        frontier = sorted(reached)
    return found


def _steps(found: Routes, end: int) -> list[tuple[int, int, Link]]:
    """The route's steps from its start to ``end`` as (from, to, link seen from the
    member nearer the start)."""
    steps = []
    node = end
    while found[node].parent is not None:
        parent, link = found[node].parent, found[node].link
        steps.append((parent, node, link))
        node = parent
    return steps[::-1]


def _meet(ahead: Routes, behind: Routes, length: int | None = None) -> Meeting | None:
    """The best meeting member of two route sets: shortest total, then greatest strength;
    only at ``length`` links when given."""
    best = None
    for member in ahead.keys() & behind.keys():
        hops = ahead[member].distance + behind[member].distance
        if length is not None and hops != length:
            continue
        key = (-hops, ahead[member].total + behind[member].total, -member)
        if best is None or key > best[0]:
            best = (key, member)
    if best is None:
        return None
    key, member = best
    return Meeting(-key[0], member, ahead, behind)


def _best_meeting(
    ahead_for: Callable[[int], Routes], behind_for: Callable[[int], Routes]
) -> Meeting | None:
    """The best meeting: the shortest length over all vouches, then at that length the
    greatest total over vouches of strength 2 or more if they connect, else over all.

    No pass over strength 3 alone is needed: a path of strength-3 vouches only has the
    greatest total any path of its length can have, so the strength-2 pass finds it.
    """
    found = _meet(ahead_for(1), behind_for(1))
    if found is None:
        return None
    return _meet(ahead_for(2), behind_for(2), found.length) or found


def staged(
    viewer_id: int, target_id: int, hidden: frozenset[int], read: LinkReader
) -> Meeting | None:
    """One search in three stages, each a query that returns only what can meet.

    Two links: the two ends' own links (cached). Three: the links between the viewer's
    ring and the target's ring. Four: the viewer's ring's links to members linked to the
    target's ring, then the target's ring's links to those members.
    """
    ends = read([viewer_id, target_id])

    def ring(member: int) -> list[int]:
        return sorted({link.other for link in ends[member]} - hidden - {viewer_id, target_id})

    found = _best_meeting(
        lambda w: routes(viewer_id, read, hidden, w, 1),
        lambda w: routes(target_id, read, hidden, w, 1),
    )
    if found is not None:
        return found
    mine, theirs = ring(viewer_id), ring(target_id)
    bridges = links_to(mine, theirs)
    found = _best_meeting(
        lambda w: routes(viewer_id, read, hidden, w, 2, second=bridges),
        lambda w: routes(target_id, read, hidden, w, 1),
    )
    if found is not None:
        return found
    ahead_links = links_towards(mine, theirs)
    middle = {link.other for links in ahead_links.values() for link in links} - hidden
    behind_links = links_to(theirs, middle)
    return _best_meeting(
        lambda w: routes(viewer_id, read, hidden, w, 2, second=ahead_links),
        lambda w: routes(target_id, read, hidden, w, 2, second=behind_links),
    )


class ViewerSearches:
    """What the searches from one viewer to a page of members share, for one graph
    generation and one set of members out of bounds: the viewer's route sets, computed
    once for the whole page, and each target's links towards them. ``read``: the
    request's ``LinkBook``, so that every member's links are read once."""

    def __init__(self, viewer_id: int, hidden: frozenset[int], read: LinkReader):
        self.viewer_id = viewer_id
        self.hidden = hidden
        self.read = read
        self._routes: dict[tuple[int, int, int], Routes] = {}
        self._meeting_links: dict[int, dict[int, list[Link]]] = {}

    def routes(self, start: int, weakest: int, depth: int) -> Routes:
        key = (start, weakest, depth)
        if key not in self._routes:
            second = None
            if start != self.viewer_id and depth == 2:
                second = self.meeting_links(start)
            self._routes[key] = routes(start, self.read, self.hidden, weakest, depth, second=second)
        return self._routes[key]

    def meeting_links(self, start: int) -> dict[int, list[Link]]:
        """A target's friends' links that lead into the viewer's two rings: only there can
        the two sides meet, and a popular friend's thousands of other links stay in the
        database."""
        if start not in self._meeting_links:
            near = self.routes(self.viewer_id, 1, 2)  # the widest of the viewer's route sets
            linked = {link.other for link in self.read([start])[start]}
            ring = sorted(linked - self.hidden - {start})
            self._meeting_links[start] = links_to(ring, near.keys())
        return self._meeting_links[start]

    def meeting(self, target_id: int) -> Meeting | None:
        """The viewer's two-link routes, shared; the target's side widens only as far as
        needed."""
        for near, far in ((2, 1), (2, 2)):
            found = _best_meeting(
                lambda w, near=near: self.routes(self.viewer_id, w, near),
                lambda w, far=far: self.routes(target_id, w, far),
            )
            if found is not None:
                return found
        return None


def search(
    viewer_id: int,
    target_id: int,
    hidden: frozenset[int],
    *,
    read: LinkReader,
    shared: ViewerSearches | None = None,
) -> TrustPath | None:
    """Shortest first, then the strongest weakest vouch, then the strongest in total,
    never through ``hidden`` (the hidden members and those the viewer avoids).

    Alone, a search asks the database only for what can meet (``staged``); ``shared`` by
    the searches from one viewer, the viewer's routes are computed once for a whole page
    of profiles (``ViewerSearches``).
    """
    if viewer_id in hidden or target_id in hidden:
        return None
    if viewer_id == target_id:
        return TrustPath(member_ids=(viewer_id,), hops=())
    if shared is None:
        found = staged(viewer_id, target_id, hidden, read)
    else:
        found = shared.meeting(target_id)
    return None if found is None else _path(viewer_id, found)


def _path(viewer_id: int, found: Meeting) -> TrustPath:
    """The path through the meeting member, each hop saying who vouched for whom."""
    steps = _steps(found.ahead, found.middle) + [
        (a, b, link) for b, a, link in _steps(found.behind, found.middle)[::-1]
    ]
    members = [viewer_id] + [b for _a, b, _link in steps]
    hops = []
    for a, b, link in steps:
        # ``link`` is seen from whichever end of the hop it was loaded for.
        owner, other = (a, b) if link.other == b else (b, a)
        voucher, vouchee = (owner, other) if link.outgoing else (other, owner)
        hops.append(Hop(voucher, vouchee, link.strength, link.vouch_id))
    return TrustPath(member_ids=tuple(members), hops=tuple(hops))
