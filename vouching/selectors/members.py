"""Members as others may see them: who may open whose page, and what the page shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ..models import Member, Vouch
from .blocks import is_blocked
from .trust import TrustPathView, trust_path
from .vouches import vouches_received


def member_by_email(email: str) -> Member | None:
    return Member.objects.filter(email=email.strip().lower()).first()


def member_visible(*, viewer: Member, public_id) -> Member:
    """A member page the viewer may open, or 404."""
    if not viewer.is_authenticated or not viewer.is_active:
        raise Http404
    if viewer.is_banned or viewer.is_suspended:
        raise Http404
    member = Member.objects.visible().select_related("trust").filter(public_id=public_id).first()
    if member is None or (member.pk != viewer.pk and is_blocked(viewer, member)):
        raise Http404
    return member


@dataclass(frozen=True)
class MemberPage:
    """What a member's page shows the viewer."""

    member: Member
    is_self: bool
    my_vouch: Vouch | None  # the viewer's vouch for them, standing or awaiting an answer
    vouches: QuerySet[Vouch]  # the accepted vouches they received
    path: TrustPathView | None  # how the viewer is connected to them


def member_page(*, viewer: Member, public_id) -> MemberPage:
    """A member's page as the viewer may see it, or 404."""
    member = member_visible(viewer=viewer, public_id=public_id)
    is_self = member.pk == viewer.pk
    my_vouch = None
    if not is_self:
        my_vouch = Vouch.objects.active().given_by(viewer).received_by(member).first()
    return MemberPage(
        member=member,
        is_self=is_self,
        my_vouch=my_vouch,
        vouches=vouches_received(member=member, viewer=viewer),
        path=None if is_self else trust_path(viewer=viewer, target=member),
    )
