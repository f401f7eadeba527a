"""How far a member is from others, up to three links: what browsing orders by."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.core.cache import cache

from .generation import CACHE_SECONDS, hidden_members, member_links, view_key
from .search import routes
from .sql import LinkReader, linked_ends, linked_to


class Neighbourhood:
    """How far a member is from others, up to three links, as one request sees it.

    Everyone within two links comes from the member's routes. The third ring is read
    whole only when it is small (``third_ring``). Otherwise whether another member is
    three links away is asked of the database for the members in question alone: a
    query over their own links towards the second ring, so its cost follows the members
    asked about, not the tens of thousands a popular member's third ring can hold. All
    of it is cached per generation and set of hidden members, and the answers grow as
    more members are asked about (the next page, another city). One object reads the
    cache once, so everything a request asks agrees.
    """

    def __init__(
        self,
        member_id: int,
        generation: int,
        avoid: frozenset[int] = frozenset(),
        book: LinkReader | None = None,
    ):
        self.hidden = hidden_members(generation) | avoid
        self.key = f"trust:hood:{member_id}:{view_key(generation, self.hidden)}"
        entry = cache.get(self.key)
        if entry is None:
            read = book or partial(member_links, generation=generation)
            found = routes(member_id, read, self.hidden, weakest=1)
            entry = ({member: route.distance for member, route in found.items()}, {}, None)
            cache.set(self.key, entry, CACHE_SECONDS)
        # ball: everyone within two links (the member: 0); third: asked about → whether
        # three links away; ring: the whole third ring, False when too large, None when
        # not read yet.
        self.ball, self.third, self.ring = entry

    def _store(self) -> None:
        cache.set(self.key, (self.ball, self.third, self.ring), CACHE_SECONDS)

    def third_ring(self, links: int) -> frozenset[int] | None:
        """Everyone exactly three links away, when the second ring has at most ``links``
        vouches (a member with few connections): reading them costs less than asking
        about candidates. Otherwise None, and ``distances`` asks about candidates."""
        if self.ring is None:
            second = [member for member, distance in self.ball.items() if distance == 2]
            ends = linked_ends(second, links) if len(second) <= links else None
            self.ring = False if ends is None else frozenset(ends - self.ball.keys() - self.hidden)
            self._store()
        return None if self.ring is False else self.ring

    def distances(self, among: Iterable[int]) -> dict[int, int]:
        """Links (one to three) to each of ``among``; farther or hidden: left out."""
        among = list(among)
        if isinstance(self.ring, frozenset):  # read whole: nothing to ask
            return {m: self.ball.get(m, 3) for m in among if m in self.ball or m in self.ring}
        unknown = [m for m in among if m not in self.ball and m not in self.third]
        if unknown:
            second = {member for member, distance in self.ball.items() if distance == 2}
            linked = linked_to(unknown, second)
            for member in unknown:
                self.third[member] = member in linked and member not in self.hidden
            self._store()
        found = {}
        for member in among:
            if member in self.ball:
                found[member] = self.ball[member]
            elif self.third.get(member):
                found[member] = 3
        return found
