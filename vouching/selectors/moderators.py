"""Whether a member moderates, as the header of every page asks it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

from ..models import Member

PERMISSION = "vouching.moderate"
# A grant or withdrawal forgets the answer at once (``vouching.receivers``); this only
# bounds how long one lost in a race between two requests could last.
CACHE_SECONDS = 5 * 60


def _key(member_id: int) -> str:
    return f"vouching:moderator:{member_id}"


def member_is_moderator(*, member: Member) -> bool:
    """``member.has_perm("vouching.moderate")``: the permission given to the member or to
    one of their groups is remembered in the cache, since the header of every page asks
    it and Django answers it with two queries. The console itself asks Django."""
    if not member.is_active:
        return False
    if member.is_superuser:
        return True
    found = cache.get(_key(member.pk))
    if found is None:
        found = member.has_perm(PERMISSION)
        cache.set(_key(member.pk), found, CACHE_SECONDS)
    return found


def moderators_forget(member_ids: Iterable[int]) -> None:
    """Forget the remembered answers of these members (their permissions changed)."""
    cache.delete_many([_key(m) for m in member_ids])
