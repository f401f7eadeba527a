"""Who blocked whom: members who blocked each other, either way, never see each other."""

from __future__ import annotations

from ..models import Block, Member

# Where ``blocked_ids`` keeps its answer on a member object: a request asks it several
# times (browsing, trust paths, the header's counts) about the same signed-in member.
MEMO = "_blocked_ids_memo"


def blocked_ids(*, member: Member) -> frozenset[int]:
    """Everyone the member blocked or was blocked by: they never see each other.

    Read once per member object (a request's ``request.user`` lives for one request);
    blocking and unblocking forget it (``blocks_forget``)."""
    found = getattr(member, MEMO, None)
    if found is None:
        rows = Block.objects.involving(member).values_list("blocker_id", "blocked_id")
        found = frozenset(blocked if blocker == member.pk else blocker for blocker, blocked in rows)
        setattr(member, MEMO, found)
    return found


def blocks_forget(*members: Member) -> None:
    """Drop what ``blocked_ids`` remembered on these member objects."""
    for member in members:
        if getattr(member, MEMO, None) is not None:
            setattr(member, MEMO, None)


def is_blocked(a: Member, b: Member) -> bool:
    return b.pk in blocked_ids(member=a)
