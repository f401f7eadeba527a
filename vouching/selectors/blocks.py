"""Who blocked whom: members who blocked each other, either way, never see each other."""

from __future__ import annotations

from django.db.models import Q

from ..models import Block, Member


def blocked_ids(*, member: Member) -> frozenset[int]:
    """Everyone the member blocked or was blocked by: they never see each other."""
    rows = Block.objects.involving(member).values_list("blocker_id", "blocked_id")
    return frozenset(blocked if blocker == member.pk else blocker for blocker, blocked in rows)


def is_blocked(a: Member, b: Member) -> bool:
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()
