"""Reads about membership and trust. Views and other apps ask these, not the models."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Invitation, Member, TrustState, Vouch

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


def member_by_email(email: str) -> Member | None:
    return Member.objects.filter(email=email.strip().lower()).first()


def member_visible(*, viewer: Member, public_id) -> Member:
    """A member page the viewer may open, or 404."""
    if not viewer.is_authenticated or not viewer.is_active:
        raise Http404
    member = Member.objects.visible().select_related("trust").filter(public_id=public_id).first()
    if member is None:
        raise Http404
    return member


def vouches_received(*, member: Member) -> QuerySet[Vouch]:
    """Accepted vouches a member received: what shows on their page."""
    return (
        Vouch.objects.accepted()
        .received_by(member)
        .filter(voucher__in=Member.objects.visible())
        .select_related("voucher")
    )


def vouches_awaiting(*, member: Member) -> QuerySet[Vouch]:
    """Vouches written for a member that they have not accepted or declined yet."""
    return (
        Vouch.objects.awaiting_response()
        .received_by(member)
        .filter(voucher__in=Member.objects.visible())
        .select_related("voucher")
    )


def vouches_given(*, member: Member) -> QuerySet[Vouch]:
    """Vouches a member wrote that still stand or await an answer."""
    return Vouch.objects.active().given_by(member).select_related("vouchee")


def invitations_sent(*, member: Member) -> QuerySet[Invitation]:
    """Invitations a member sent in the last few weeks, newest first."""
    since = timezone.now() - settings.INVITATION_TTL * 2
    return (
        Invitation.objects.sent_by(member)
        .filter(created_at__gte=since)
        .prefetch_related(Prefetch("member", queryset=Member.objects.only("display_name")))
    )


def vouch_for_member(*, member: Member, vouch_id: int) -> Vouch:
    """A vouch the member wrote or received, or 404."""
    vouch = Vouch.objects.filter(Q(voucher=member) | Q(vouchee=member), pk=vouch_id).first()
    if vouch is None:
        raise Http404
    return vouch


def invitation_for_inviter(*, member: Member, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.sent_by(member).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


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


def trust_state() -> TrustState:
    return TrustState.load()
