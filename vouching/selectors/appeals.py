"""What moderators did about a member, as the member sees it, and what they may appeal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

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


def removal_notice(*, member: Member) -> str | None:
    """Why a member may not use Pledge right now (banned, or suspended until when), in
    their words, or None when they may."""
    if member.is_banned:
        return _("Your account is banned: you cannot sign in to Pledge.")
    if member.is_suspended:
        return _("Your account is suspended until %(date)s: you cannot sign in until then.") % {
            "date": formats.date_format(
                timezone.localtime(member.suspended_until), "DATETIME_FORMAT"
            )
        }
    return None
