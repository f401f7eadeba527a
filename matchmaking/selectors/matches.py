"""Matches and the conversations in them."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from vouching.models import Member

from ..models import Match, Message
from .visibility import reachable_only


def matches_of(*, member: Member) -> QuerySet[Match]:
    """Their matches, without anyone blocked or hidden (banned, suspended, gone)."""
    unread = Message.objects.filter(match=OuterRef("pk"), read_at__isnull=True).exclude(
        sender=member
    )
    return (
        reachable_only(Match.objects.active().of(member), member, "member_a_id", "member_b_id")
        .select_related("member_a", "member_b")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=member),
            ),
            has_unread=Exists(unread),
        )
        .order_by("-created_at")
    )


def match_for_member(*, member: Member, match_id: int) -> Match:
    matches = Match.objects.active().of(member).filter(pk=match_id)
    match = (
        reachable_only(matches, member, "member_a_id", "member_b_id")
        .select_related("member_a", "member_b")
        .first()
    )
    if match is None:
        raise Http404
    return match


def messages_of(*, match: Match) -> QuerySet[Message]:
    return match.messages.select_related("sender")


def unread_message_count(*, member: Member) -> int:
    unread = (
        Message.objects.filter(read_at__isnull=True, match__ended_at__isnull=True)
        .filter(Q(match__member_a=member) | Q(match__member_b=member))
        .exclude(sender=member)
    )
    return reachable_only(unread, member, "sender_id").count()
