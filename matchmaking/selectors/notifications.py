"""A member's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from vouching import selectors as vouching_selectors
from vouching.models import Member

from ..models import Notification


def notifications_of(*, member: Member) -> QuerySet[Notification]:
    blocked = vouching_selectors.blocked_ids(member=member)
    return (
        Notification.objects.filter(recipient=member)
        .exclude(actor_id__in=blocked)
        .select_related("actor", "match", "introduction", "vouch", "record__vouch__vouchee")
    )


def unread_notification_count(*, member: Member) -> int:
    return notifications_of(member=member).filter(read_at__isnull=True).count()
