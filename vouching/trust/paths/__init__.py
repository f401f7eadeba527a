"""Trust paths: how a viewer is connected to another member ("You → Mei → Jon → Lena").

A request never loads the whole graph. A breadth-first search runs from both ends at
once over the indexed table of accepted vouches, two links from each end, and the two
sides meet in the middle (``search``). Each member's links are cached under the current
graph generation (``generation``), so a change to the vouch graph makes every cached
neighbourhood stale at once and nothing needs invalidating by hand. The queries
themselves are in ``sql``; how far a member is from others, for browsing, in
``neighbourhood``.

Among the shortest paths the strongest wins: the one whose weakest vouch is strongest,
then the one with the greatest total strength. A vouch links two people whichever way it
points; a hop records who vouched for whom.

This module is the trust engine's door for the rest of ``vouching``; other apps ask
``vouching.selectors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial

from django.core.cache import cache

from ...models import Vouch
from ...sql import sql_in
from .generation import CACHE_SECONDS, current_generation, hidden_members, member_links, view_key
from .neighbourhood import Neighbourhood
from .search import Hop, TrustPath, ViewerSearches, search
from .sql import Link


class LinkBook:
    """Members' links as one request reads them: each member's from the cache (or the
    database) at most once, however many searches of the request follow them."""

    def __init__(self, generation: int):
        self.generation = generation
        self.known: dict[int, list[Link]] = {}

    def __call__(self, member_ids: Iterable[int]) -> dict[int, list[Link]]:
        member_ids = list(member_ids)
        missing = [m for m in member_ids if m not in self.known]
        if missing:
            self.known.update(member_links(missing, self.generation))
        return {m: self.known[m] for m in member_ids}


def find_trust_path(
    viewer_id: int,
    target_id: int,
    generation: int | None = None,
    avoid: frozenset[int] = frozenset(),
) -> TrustPath | None:
    """The strongest shortest path of at most four hops, or None; cached per generation.

    ``avoid``: members the path may not pass through (those the viewer blocked or who
    blocked the viewer).
    """
    if generation is None:
        generation = current_generation()
    return find_trust_paths(viewer_id, [target_id], generation, avoid)[target_id]


def find_trust_paths(
    viewer_id: int,
    target_ids: list[int],
    generation: int,
    avoid: frozenset[int] = frozenset(),
    book: LinkBook | None = None,
) -> dict[int, TrustPath | None]:
    """``find_trust_path`` to several targets: the cached answers in one cache round trip,
    and the others searched with the viewer's side shared between them. ``book``: the
    links the request has read already (a browse page's neighbourhood)."""
    hidden = hidden_members(generation) | avoid
    view = view_key(generation, hidden)
    keys = {target: f"trust:route:{viewer_id}:{target}:{view}" for target in target_ids}
    cached = cache.get_many(list(keys.values()))
    found = {target: cached[key] for target, key in keys.items() if key in cached}
    missing = [target for target in target_ids if target not in found]
    if missing:
        searched = _search_missing(viewer_id, missing, generation, hidden, book)
        searched = _with_relationships(searched)
        cache.set_many({keys[t]: path for t, path in searched.items()}, CACHE_SECONDS)
        found.update(searched)
    return found


def _search_missing(
    viewer_id: int,
    targets: list[int],
    generation: int,
    hidden: frozenset[int],
    book: LinkBook | None,
) -> dict[int, TrustPath | None]:
    """The searches for the targets no cached answer covers."""
    if len(targets) == 1:  # one search alone asks only for what can meet (``staged``)
        read = partial(member_links, generation=generation)
        return {targets[0]: search(viewer_id, targets[0], hidden, read=read)}
    book = book or LinkBook(generation)
    book([viewer_id, *targets])  # every end's links in one batch
    shared = ViewerSearches(viewer_id, hidden, book)
    return {t: search(viewer_id, t, hidden, read=book, shared=shared) for t in targets}


def _with_relationships(found: dict[int, TrustPath | None]) -> dict[int, TrustPath | None]:
    """The paths with each hop's relationship, read in one query when they are found, so
    that a cached answer is all a page needs besides the members' names."""
    ids = {hop.vouch_id for path in found.values() if path for hop in path.hops}
    if not ids:
        return found
    names = dict(Vouch.objects.filter(pk__in=ids).order_by().values_list("pk", "relationship"))
    return {
        target: path
        and replace(
            path,
            hops=tuple(replace(hop, relationship=names.get(hop.vouch_id, "")) for hop in path.hops),
        )
        for target, path in found.items()
    }


# sql_in's home is vouching.sql; tests/vouching/test_paths.py still reads it here.
__all__ = [
    "Hop",
    "Link",
    "LinkBook",
    "Neighbourhood",
    "TrustPath",
    "current_generation",
    "find_trust_path",
    "find_trust_paths",
    "hidden_members",
    "member_links",
    "sql_in",
]
