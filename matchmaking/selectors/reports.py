"""What a member may report, by an id from a request: only what they were shown."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from vouching import selectors as vouching_selectors
from vouching.models import Member, Vouch

from ..models import Message


def message_to_report(*, member: Member, message_id: int) -> Message:
    """A message the other person wrote in a conversation ``member`` took part in, ended
    or not: blocking or unmatching someone must not stop reporting what they wrote."""
    message = (
        Message.objects.select_related("match", "sender")
        .filter(pk=message_id)
        .filter(Q(match__member_a=member) | Q(match__member_b=member))
        .exclude(sender=member)
        .first()
    )
    if message is None:
        raise Http404
    return message


def vouch_to_report(*, member: Member, vouch_id: int) -> Vouch:
    """An accepted vouch shown on a member page ``member`` may open, by someone they have
    not blocked (nor been blocked by)."""
    vouch = (
        Vouch.objects.accepted().select_related("vouchee", "voucher").filter(pk=vouch_id).first()
    )
    if vouch is None:
        raise Http404
    vouching_selectors.member_visible(viewer=member, public_id=vouch.vouchee.public_id)
    if vouch.voucher_id in vouching_selectors.blocked_ids(member=member):
        raise Http404
    return vouch
