"""Invitations: the signed link a voucher sends, and what a member sent lately."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from ..models import Invitation, Member

INVITATION_TOKEN_SALT = "vouching.invitation"


class InvitationUnusable(Exception):
    """An invitation link that cannot be used, with the reason a person can be told."""

    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    WITHDRAWN = "withdrawn"

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_token(invitation: Invitation) -> str:
    """The signed, expiring token carried by an invitation link."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_TOKEN_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a token stands for, or ``InvitationUnusable`` saying why not."""
    try:
        data = signing.loads(
            token,
            salt=INVITATION_TOKEN_SALT,
            max_age=settings.INVITATION_TTL,
        )
    except signing.SignatureExpired:
        raise InvitationUnusable(InvitationUnusable.EXPIRED) from None
    except signing.BadSignature:
        raise InvitationUnusable(InvitationUnusable.TAMPERED) from None
    if not isinstance(data, dict):
        raise InvitationUnusable(InvitationUnusable.TAMPERED)
    invitation = (
        Invitation.objects.select_related("inviter")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(InvitationUnusable.TAMPERED)
    invitation_check_usable(invitation)
    return invitation


def invitation_check_usable(invitation: Invitation) -> None:
    status = Invitation.Status
    if invitation.status in (status.ACCEPTED, status.CONVERTED):
        raise InvitationUnusable(InvitationUnusable.USED, invitation)
    if invitation.status == status.WITHDRAWN:
        raise InvitationUnusable(InvitationUnusable.WITHDRAWN, invitation)
    if invitation.status == status.EXPIRED or invitation.is_expired:
        raise InvitationUnusable(InvitationUnusable.EXPIRED, invitation)
    inviter = invitation.inviter
    if not inviter.is_active or inviter.is_banned or inviter.is_suspended:
        # A pledge from someone moderators removed carries nothing.
        raise InvitationUnusable(InvitationUnusable.WITHDRAWN, invitation)
    if Member.objects.filter(email=invitation.email).exists():
        raise InvitationUnusable(InvitationUnusable.USED, invitation)


def invitations_sent(*, member: Member) -> QuerySet[Invitation]:
    """Invitations a member sent in the last few weeks, newest first."""
    since = timezone.now() - settings.INVITATION_TTL * 2
    return (
        Invitation.objects.sent_by(member)
        .filter(created_at__gte=since)
        .prefetch_related(Prefetch("member", queryset=Member.objects.only("display_name")))
    )


def invitation_for_inviter(*, member: Member, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.sent_by(member).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation
