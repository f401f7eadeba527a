"""What the trust paths keep in the cache, under the current graph generation.

A change to the vouch graph bumps the generation, so every cached neighbourhood and answer
is stale at once and nothing needs invalidating by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.cache import cache

from ...models import Member, TrustState
from .sql import Link, load_links

# Neighbourhoods outlive a generation only by accident; the key changes with it anyway.
CACHE_SECONDS = 60 * 60


def current_generation() -> int:
    generation = TrustState.objects.order_by().values_list("generation", flat=True)[:1]
    return generation[0] if generation else 0


def _avoid_key(avoid: frozenset[int]) -> str:
    return hashlib.blake2b(repr(sorted(avoid)).encode(), digest_size=8).hexdigest()


def view_key(generation: int, hidden: frozenset[int]) -> str:
    """The part of a cache key that fixes what a search may pass through: the graph
    generation and everyone out of bounds. Suspensions end and accounts close without a
    new generation; with the hidden members in the key, an answer computed while someone
    was hidden is never served once they are back (nor the other way round)."""
    return f"{generation}:{_avoid_key(hidden)}"


def hidden_members(generation: int) -> frozenset[int]:
    """Members nobody may be connected through: banned, suspended or inactive."""
    key = f"trust:hidden:{generation}"
    hidden = cache.get(key)
    if hidden is None:
        hidden = frozenset(Member.objects.hidden().values_list("pk", flat=True))
        # Suspensions end by the clock, not by a graph change: keep this one short.
        cache.set(key, hidden, 60)
    return hidden


def member_links(member_ids: Iterable[int], generation: int) -> dict[int, list[Link]]:
    """Each member's links, from the cache where this generation already has them."""
    member_ids = list(member_ids)
    keys = {f"trust:links:{generation}:{m}": m for m in member_ids}
    found = cache.get_many(list(keys))
    links = {keys[k]: v for k, v in found.items()}
    missing = [m for m in member_ids if m not in links]
    if missing:
        loaded = load_links(missing)
        cache.set_many(
            {f"trust:links:{generation}:{m}": v for m, v in loaded.items()}, CACHE_SECONDS
        )
        links.update(loaded)
    return links
