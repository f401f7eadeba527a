"""Reads about membership and trust. Views and other apps ask these, not the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from .models import (
    Appeal,
    Block,
    Invitation,
    Member,
    ModerationRecord,
    PledgeForfeit,
    Relationship,
    Standing,
    Strength,
    TrustState,
    Vouch,
)
from .trust import paths

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


def blocked_ids(*, member: Member) -> frozenset[int]:
    """Everyone the member blocked or was blocked by: they never see each other."""
    rows = Block.objects.involving(member).values_list("blocker_id", "blocked_id")
    return frozenset(blocked if blocker == member.pk else blocker for blocker, blocked in rows)


def is_blocked(a: Member, b: Member) -> bool:
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def member_visible(*, viewer: Member, public_id) -> Member:
    """A member page the viewer may open, or 404."""
    if not viewer.is_authenticated or not viewer.is_active:
        raise Http404
    member = Member.objects.visible().select_related("trust").filter(public_id=public_id).first()
    if member is None or (member.pk != viewer.pk and is_blocked(viewer, member)):
        raise Http404
    return member


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


def forfeits_of(*, member: Member) -> QuerySet[PledgeForfeit]:
    """The member's pledge forfeits of the last year, newest first."""
    since = timezone.now() - timedelta(days=365)
    return PledgeForfeit.objects.of(member).filter(created_at__gte=since).select_related("vouchee")


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


def trust_state() -> TrustState:
    return TrustState.load()


# TRUST PATHS --------------------------------------------------------------------------


@dataclass(frozen=True)
class PathStep:
    """One hop as a page shows it: who vouched for whom, how strongly, and as what."""

    voucher: Member
    vouchee: Member
    strength: int
    relationship: str

    @property
    def strength_label(self) -> str:
        return Strength(self.strength).label

    @property
    def relationship_label(self) -> str:
        return Relationship(self.relationship).label if self.relationship else ""


@dataclass(frozen=True)
class TrustPathView:
    members: tuple[Member, ...]  # the viewer first, the other member last
    steps: tuple[PathStep, ...]

    @property
    def length(self) -> int:
        return len(self.steps)

    @property
    def between(self) -> tuple[Member, ...]:
        """The people in the middle: those who could introduce the two ends."""
        return self.members[1:-1]

    @property
    def legs(self) -> tuple[tuple[PathStep, Member, bool], ...]:
        """Each hop with the person it leads to, and whether the vouch points that way."""
        return tuple(
            (step, self.members[i + 1], step.voucher.pk == self.members[i].pk)
            for i, step in enumerate(self.steps)
        )


def trust_paths(
    *,
    viewer: Member,
    targets: list[Member],
    generation: int | None = None,
    avoid: frozenset[int] | None = None,
    book: paths.LinkBook | None = None,
) -> dict[int, TrustPathView | None]:
    """How the viewer is connected to each target (member id → path, or None beyond
    four hops). Reads every member on every path in one query. A caller
    that already read the graph generation, the viewer's blocks or members' links
    (``book``) passes them on."""
    if generation is None:
        generation = paths.current_generation()
    if avoid is None:
        avoid = blocked_ids(member=viewer)
    reachable = [t.pk for t in targets if t.pk not in avoid]
    found = {t.pk: None for t in targets}
    found.update(paths.find_trust_paths(viewer.pk, reachable, generation, avoid, book=book))
    # The hops carry their relationships (read when the path was found): only the
    # members' current names and pictures are read here, in one query.
    ids = {m for path in found.values() if path for m in path.member_ids} - {viewer.pk}
    members = {viewer.pk: viewer, **(Member.objects.in_bulk(ids) if ids else {})}
    views: dict[int, TrustPathView | None] = {}
    for target_id, path in found.items():
        if path is None or any(m not in members for m in path.member_ids):
            views[target_id] = None
            continue
        views[target_id] = TrustPathView(
            members=tuple(members[m] for m in path.member_ids),
            steps=tuple(
                PathStep(
                    voucher=members[hop.voucher_id],
                    vouchee=members[hop.vouchee_id],
                    strength=hop.strength,
                    relationship=hop.relationship,
                )
                for hop in path.hops
            ),
        )
    return views


def trust_path(*, viewer: Member, target: Member) -> TrustPathView | None:
    """How the viewer is connected to ``target``: the strongest shortest chain of
    accepted vouches, at most four hops, or None."""
    return trust_paths(viewer=viewer, targets=[target])[target.pk]


# STANDING EXPLAINED -------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    vouch: Vouch
    share: float  # of the member's trust, 0..1, roughly
    carries: bool  # whether the voucher's own standing lets this vouch count
    forfeited_until: object = None

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class StandingExplanation:
    member: Member
    standing: Standing
    level: int
    score: float
    contributions: tuple[Contribution, ...]
    state: TrustState


def standing_explanation(*, member: Member) -> StandingExplanation:
    """Which vouches carry a member's standing and roughly how much each contributes.

    Trust reaches a member through each voucher in proportion to the voucher's own trust
    and the strength of the vouch, divided among everyone that voucher vouches for: the
    same propagation the default metric computes, read off the stored scores.
    """
    member = Member.objects.select_related("trust").get(pk=member.pk)
    received = list(vouches_received(member=member).select_related("voucher__trust").order_by("pk"))
    voucher_ids = [v.voucher_id for v in received]
    out_weight = dict(
        Vouch.objects.accepted()
        .filter(voucher_id__in=voucher_ids)
        .values("voucher_id")
        .annotate(total=Sum("strength"))
        .values_list("voucher_id", "total")
    )
    forfeits: dict[int, tuple[float, object]] = {}
    for voucher_id, weight, until in (
        PledgeForfeit.objects.in_force()
        .filter(voucher_id__in=voucher_ids)
        .values_list("voucher_id", "weight", "until")
    ):
        previous_weight, previous_until = forfeits.get(voucher_id, (1.0, until))
        forfeits[voucher_id] = (previous_weight * weight, max(previous_until, until))
    raw = []
    for vouch in received:
        voucher = vouch.voucher
        trust = getattr(voucher, "trust", None)
        voucher_score = 1.0 if voucher.is_founder else (trust.score if trust else 0.0)
        weight, until = forfeits.get(voucher.pk, (1.0, None))
        carries = voucher.in_good_standing
        amount = (
            voucher_score * vouch.strength * weight / max(out_weight.get(voucher.pk, 1), 1)
            if carries
            else 0.0
        )
        raw.append((vouch, amount, carries, until))
    total = sum(amount for _v, amount, _c, _u in raw) or 1.0
    contributions = sorted(
        (
            Contribution(vouch=v, share=amount / total, carries=c, forfeited_until=u)
            for v, amount, c, u in raw
        ),
        key=lambda c: (-c.share, c.vouch.pk),
    )
    trust = getattr(member, "trust", None)
    return StandingExplanation(
        member=member,
        standing=member.standing,
        level=trust.level if trust else (3 if member.is_founder else 0),
        score=trust.score if trust else 0.0,
        contributions=tuple(contributions),
        state=TrustState.load(),
    )
