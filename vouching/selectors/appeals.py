"""What moderators did about a member, as the member sees it, and what they may appeal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from ..models import Appeal, Member, ModerationRecord


@dataclass(frozen=True)
class ModerationNotice:
    record: ModerationRecord
    appeal: Appeal | None


def moderation_notices(*, member: Member) -> list[ModerationNotice]:
    """What moderators did about a member lately, why, and whether they appealed."""
    since = timezone.now() - timedelta(days=180)
    records = ModerationRecord.objects.filter(
        member=member, action__in=ModerationRecord.APPEALABLE, created_at__gte=since
    ).select_related("vouch__vouchee")
    appeals = {a.record_id: a for a in Appeal.objects.filter(member=member, record__in=records)}
    return [ModerationNotice(record=r, appeal=appeals.get(r.pk)) for r in records]


def record_for_appeal(*, member: Member, record_id: int) -> ModerationRecord:
    entry = (
        ModerationRecord.objects.filter(
            pk=record_id, member=member, action__in=ModerationRecord.APPEALABLE
        )
        .select_related("vouch__vouchee")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def appeal_of(*, member: Member, record: ModerationRecord) -> Appeal | None:
    """The member's appeal of ``record``, if they made one (they may appeal once)."""
    return record.appeals.filter(member=member).first()
