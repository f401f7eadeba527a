"""Everything membership holds about a member, as they may download it.

What other members wrote stays out unless the member already reads it on the site: the
vouches they received and wrote, with statements, are in; reports filed about them and
moderators' names are not (a reporter's words and name are the reporter's, and showing
them invites retaliation): the actions taken and the notes the member was shown are in.
Secrets never leave: no password hash, no second-factor secret or recovery codes.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from ..models import (
    Appeal,
    Block,
    Invitation,
    Member,
    ModerationRecord,
    PledgeForfeit,
    TrustScore,
    Vouch,
)
from .standing import standing_explanation

# Report work is the moderators' own queue, not an action on the member.
MEMBER_FACING_ACTIONS = [
    ModerationRecord.Action.REVOKE_VOUCH,
    ModerationRecord.Action.SUSPEND,
    ModerationRecord.Action.BAN,
    ModerationRecord.Action.REINSTATE,
    ModerationRecord.Action.FORFEIT,
    ModerationRecord.Action.STANDING_LOST,
    ModerationRecord.Action.APPEAL_UPHELD,
    ModerationRecord.Action.APPEAL_REJECTED,
    ModerationRecord.Action.MODERATOR_GRANTED,
    ModerationRecord.Action.MODERATOR_REMOVED,
]


def person(member: Member | None) -> dict | None:
    """Another member as the member sees them: their name and their page's id."""
    if member is None:
        return None
    return {"name": member.display_name, "id": str(member.public_id)}


def _vouch(vouch: Vouch, *, other: Member) -> dict:
    return {
        "person": person(other),
        "relationship": vouch.relationship,
        "known_for": vouch.known_for,
        "strength": vouch.strength,
        "statement": vouch.statement,
        "status": vouch.status,
        "created_at": vouch.created_at,
        "responded_at": vouch.responded_at,
        "ended_at": vouch.ended_at,
        "revocation_reason": vouch.revocation_reason,
    }


def _account(member: Member) -> dict:
    return {
        "email": member.email,
        "display_name": member.display_name,
        "id": str(member.public_id),
        "joined": member.date_joined,
        "last_login": member.last_login,
        "language": member.language,
        "founder": member.is_founder,
        "photo": "avatar.jpg" if member.avatar else None,
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=member).order_by("pk")
        ],
        "two_factor_on": is_mfa_enabled(member),
        "two_factor": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=member).order_by("pk")
        ],
    }


def _trust(member: Member) -> dict:
    explanation = standing_explanation(member=member)
    score = TrustScore.objects.filter(member=member).first()
    return {
        "standing": explanation.standing,
        "level": explanation.level,
        "score": score.score if score else None,
        "established": explanation.established,
        "computed_at": explanation.state.computed_at,
        "vouches_counted": [
            {"from": person(v.vouch.voucher), "role": v.role} for v in explanation.vouches
        ],
        "carried_by": [person(m) for m in explanation.carriers],
        "forfeits": [
            {
                "reason": f.reason,
                "vouched_for": person(f.vouchee),
                "note": f.note,
                "weight": f.weight,
                "created_at": f.created_at,
                "until": f.until,
                "vouching_suspended_until": f.vouching_suspended_until,
                "lifted_at": f.lifted_at,
            }
            for f in PledgeForfeit.objects.of(member).select_related("vouchee")
        ],
    }


def _moderation(member: Member) -> list[dict]:
    appeals = {a.record_id: a for a in Appeal.objects.filter(member=member)}
    records = ModerationRecord.objects.filter(member=member, action__in=MEMBER_FACING_ACTIONS)
    return [
        {
            "action": record.action,
            "reason": record.reason,
            "note": record.note,
            "created_at": record.created_at,
            "appeal": {
                "text": appeal.text,
                "status": appeal.status,
                "created_at": appeal.created_at,
                "decided_at": appeal.decided_at,
                "decision_note": appeal.decision_note,
            }
            if (appeal := appeals.get(record.pk))
            else None,
        }
        for record in records.order_by("created_at", "pk")
    ]


def membership_export(*, member: Member) -> dict:
    """The membership part of a member's download: account, vouches, trust, moderation."""
    given = Vouch.objects.given_by(member).select_related("vouchee").order_by("created_at", "pk")
    received = (
        Vouch.objects.received_by(member).select_related("voucher").order_by("created_at", "pk")
    )
    invitations = Invitation.objects.sent_by(member).order_by("created_at", "pk")
    blocks = Block.objects.filter(blocker=member).select_related("blocked").order_by("pk")
    return {
        "account": _account(member),
        "vouches_given": [_vouch(v, other=v.vouchee) for v in given],
        "vouches_received": [_vouch(v, other=v.voucher) for v in received],
        "invitations_sent": [
            {
                "email": i.email,
                "relationship": i.relationship,
                "known_for": i.known_for,
                "strength": i.strength,
                "statement": i.statement,
                "status": i.status,
                "created_at": i.created_at,
                "expires_at": i.expires_at,
                "sent_at": i.sent_at,
            }
            for i in invitations
        ],
        "blocks": [{"person": person(b.blocked), "created_at": b.created_at} for b in blocks],
        "trust": _trust(member),
        "moderation": _moderation(member),
    }
