"""Vouches as a member's pages show them, and how many more a member may write."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ..models import Invitation, Member, Vouch
from .blocks import blocked_ids


def vouches_received(*, member: Member, viewer: Member | None = None) -> QuerySet[Vouch]:
    """Accepted vouches a member received: what shows on their page (to ``viewer``,
    without the vouches of anyone blocked either way)."""
    vouches = (
        Vouch.objects.accepted()
        .received_by(member)
        .filter(voucher__in=Member.objects.visible())
        .select_related("voucher")
    )
    if viewer is not None:
        vouches = vouches.exclude(voucher_id__in=blocked_ids(member=viewer))
    return vouches


def vouches_awaiting(*, member: Member) -> QuerySet[Vouch]:
    """Vouches written for a member that they have not accepted or declined yet (none
    from anyone blocked either way)."""
    return (
        Vouch.objects.awaiting_response()
        .received_by(member)
        .filter(voucher__in=Member.objects.visible())
        .exclude(voucher_id__in=blocked_ids(member=member))
        .select_related("voucher")
    )


def vouches_given(*, member: Member) -> QuerySet[Vouch]:
    """Vouches a member wrote that still stand or await an answer."""
    return (
        Vouch.objects.active()
        .given_by(member)
        .exclude(vouchee_id__in=blocked_ids(member=member))
        .select_related("vouchee")
    )


def vouch_for_member(*, member: Member, vouch_id: int) -> Vouch:
    """A vouch the member wrote or received, or 404."""
    vouch = Vouch.objects.filter(Q(voucher=member) | Q(vouchee=member), pk=vouch_id).first()
    if vouch is None:
        raise Http404
    return vouch


def vouch_quota_used(*, member: Member) -> int:
    """New vouches and invitations the member wrote in the current quota window."""
    since = timezone.now() - settings.VOUCH_QUOTA_WINDOW
    # Vouches made from an invitation were counted as that invitation.
    vouches = (
        Vouch.objects.given_by(member).filter(invitation__isnull=True).created_since(since).count()
    )
    invitations = Invitation.objects.sent_by(member).created_since(since).count()
    return vouches + invitations


def vouch_quota_remaining(*, member: Member) -> int:
    return max(0, settings.VOUCH_QUOTA - vouch_quota_used(member=member))


def accepted_vouch_count(*, member: Member) -> int:
    return Vouch.objects.accepted().received_by(member).count()
