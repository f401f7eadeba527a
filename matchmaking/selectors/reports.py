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
    """An accepted vouch exactly as a member page ``member`` may open shows it: both
    members visible (neither hidden by moderation nor gone) and neither blocked either
    way. Any other id is the same 404 as one that does not exist."""
    vouchee_id = Vouch.objects.accepted().filter(pk=vouch_id).values_list("vouchee", flat=True)
    vouchee = Member.objects.visible().filter(pk__in=vouchee_id).first()
    if vouchee is None:
        raise Http404
    vouchee = vouching_selectors.member_visible(viewer=member, public_id=vouchee.public_id)
    shown = vouching_selectors.vouches_received(member=vouchee, viewer=member)
    vouch = shown.select_related("vouchee").filter(pk=vouch_id).first()
    if vouch is None:
        raise Http404
    return vouch
