"""Blocking and reporting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import services as vouching_services
from vouching.models import Member

from ..models import Introduction, Match, Report
from .quotas import check_daily, lock_member, since_a_day


@transaction.atomic
def member_block(*, member: Member, other: Member):
    """Block someone: at once and both ways, out of browsing, matches, introductions,
    messages and trust paths."""
    created = vouching_services.member_block(member=member, other=other)
    now = timezone.now()
    Match.objects.active().between(member, other).update(ended_at=now, ended_by=member)
    Introduction.objects.filter(status__in=Introduction.OPEN_STATUSES).filter(
        Q(intermediary=member) | Q(person_a=member) | Q(person_b=member)
    ).filter(Q(intermediary=other) | Q(person_a=other) | Q(person_b=other)).update(
        status=Introduction.Status.WITHDRAWN, closed_at=now
    )
    return created


def member_unblock(*, member: Member, other: Member) -> None:
    """Lift a block; ended matches stay ended."""
    vouching_services.member_unblock(member=member, other=other)


@transaction.atomic
def report_file(
    *, reporter: Member, reported: Member, reason: str, note: str = "", **target
) -> Report:
    """Record a report for the moderators: about a profile, photo, message or vouch.
    Once per thing while the report is open, and at most ``REPORT_DAILY_QUOTA`` a day:
    the reporter's row is locked so that parallel requests count right."""
    vouching_services.member_check_active(member=reporter)
    if reporter.pk == reported.pk:
        raise ValidationError(_("You cannot report yourself."), code="self")
    lock_member(reporter)
    mine = Report.objects.filter(reporter=reporter)
    if mine.filter(status=Report.Status.OPEN, reported=reported, **target).exists():
        raise ValidationError(
            _("You already reported this. The moderators will look at it."), code="duplicate"
        )
    check_daily("REPORT_DAILY_QUOTA", mine.filter(created_at__gte=since_a_day()).count())
    report = Report(
        reporter=reporter, reported=reported, reason=reason, note=note.strip(), **target
    )
    report.full_clean()
    report.save()
    return report
