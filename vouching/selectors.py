"""Reads about membership and trust. Views and other apps ask these, not the models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

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
from .trust.pledge import ESTABLISHING_VOUCHES

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


@dataclass(frozen=True)
class StandingCard:
    """The short account of a member's standing on their home page."""

    standing: Standing
    state: TrustState
    forfeits_in_force: int

    @property
    def refreshing(self) -> bool:
        return self.state.dirty or self.state.is_stale


def standing_card(*, member: Member) -> StandingCard:
    state = TrustState.load()  # before the member's trust row, as ``standing_explanation``
    return StandingCard(
        standing=member.standing,
        state=state,
        forfeits_in_force=forfeits_of(member=member).filter(until__gt=timezone.now()).count(),
    )


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


class VouchRole:
    """What one accepted vouch does for the member it vouches for, as the page says it."""

    CARRIES = "carries"  # it carries the member's share of trust
    NOT_NEEDED = "not_needed"  # the member is vouched through other vouches
    MAY_NOT_VOUCH = "may_not_vouch"  # the voucher has too few vouches to vouch
    VOUCHER_PENDING = "voucher_pending"  # the voucher is not vouched themselves
    NOT_ESTABLISHED = "not_established"  # the voucher's vouches cannot pass trust on yet
    NO_SPARE = "no_spare"  # established, but every share that reaches them is in use
    NEXT_RUN = "next_run"  # it will count when the pending recalculation lands
    COUNTS = "counts"  # another metric than the default: the vouch counts


@dataclass(frozen=True)
class VouchExplained:
    vouch: Vouch
    role: str
    voucher_received: int  # accepted vouches the voucher has from visible members
    voucher_established_vouchers: int  # of those, from established members
    forfeited_until: object = None


@dataclass(frozen=True)
class StandingExplanation:
    member: Member
    standing: Standing
    level: int
    state: TrustState
    # The metric of the stored result; the share-by-share explanation is the default's.
    metric: str
    shares: bool
    established: bool
    spare: bool
    received: int
    established_vouchers: int
    vouches: tuple[VouchExplained, ...]
    # Pending members: vouches waiting for their answer that would vouch them once
    # accepted, and members they vouched for who could vouch them now.
    waiting_that_would_vouch: tuple[Vouch, ...]
    could_vouch: tuple[Member, ...]
    lost: StandingLoss | None

    @property
    def needed_to_vouch(self) -> int:
        return settings.MIN_VOUCHES_TO_VOUCH

    @property
    def needed_to_establish(self) -> int:
        return ESTABLISHING_VOUCHES

    @property
    def refreshing(self) -> bool:
        """A recalculation is on its way: the page asks again until it lands."""
        return self.state.dirty or self.state.is_stale

    @property
    def carriers(self) -> tuple[Member, ...]:
        return tuple(v.vouch.voucher for v in self.vouches if v.role == VouchRole.CARRIES)

    @property
    def carrier_names(self) -> str:
        return name_list(self.carriers)

    @property
    def could_vouch_names(self) -> str:
        return name_list(self.could_vouch)


def name_list(members) -> str:
    """Members' names as a sentence lists them, in the reader's language."""
    # Translators: the separator between names in a list ("Mei, Jon, Lena").
    return gettext(", ").join(member.display_name for member in members)


def _voucher_counts(voucher_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """For each voucher: accepted vouches received from visible members, and how many of
    those come from established members (founders count as established)."""
    vouches = Vouch.objects.accepted().filter(
        vouchee_id__in=voucher_ids, voucher__in=Member.objects.visible()
    )
    received = dict(
        vouches.values("vouchee_id").annotate(n=Count("pk")).values_list("vouchee_id", "n")
    )
    established = dict(
        vouches.filter(Q(voucher__is_founder=True) | Q(voucher__trust__established=True))
        .values("vouchee_id")
        .annotate(n=Count("pk"))
        .values_list("vouchee_id", "n")
    )
    return received, established


def _vouch_role(vouch: Vouch, *, carried_by: set[int], vouched: bool, shares: bool, counts):
    voucher = vouch.voucher
    received, established = counts
    trust = getattr(voucher, "trust", None)
    if voucher.pk in carried_by:
        return VouchRole.CARRIES
    if not voucher.is_founder and received.get(voucher.pk, 0) < settings.MIN_VOUCHES_TO_VOUCH:
        return VouchRole.MAY_NOT_VOUCH
    if not voucher.in_good_standing:
        return VouchRole.VOUCHER_PENDING
    if not shares:
        return VouchRole.NOT_NEEDED if vouched else VouchRole.COUNTS
    if vouched:
        return VouchRole.NOT_NEEDED
    if not voucher.is_founder and not (trust and trust.established):
        return VouchRole.NOT_ESTABLISHED
    if voucher.is_founder or (trust and trust.spare):
        # A share to spare and a pending vouchee: the stored result predates the vouch.
        return VouchRole.NEXT_RUN
    return VouchRole.NO_SPARE


def standing_explanation(*, member: Member) -> StandingExplanation:
    """Why a member stands where they do, vouch by vouch, and what would change it.

    With the default metric the stored result says which vouches carry the member's share
    of trust, who is established and who has a share to spare, so every sentence on the
    page is exact: a vouch shown as carrying standing carries it, and a vouch waiting for
    an answer is said to vouch them only if its author has a share to give.
    """
    # The state first: a recalculation that lands while this reads leaves the state
    # saying "on its way", and the page asks again, rather than the other way round.
    state = TrustState.load()
    member = Member.objects.select_related("trust").get(pk=member.pk)
    trust = getattr(member, "trust", None)
    shares = state.metric == "pledge"
    standing = member.standing
    vouched = standing == Standing.VOUCHED
    carried_by = set(trust.carrier_ids) if trust else set()
    received_vouches = list(
        vouches_received(member=member, viewer=member)
        .select_related("voucher__trust")
        .order_by("pk")
    )
    counts = _voucher_counts([v.voucher_id for v in received_vouches] + [member.pk])
    forfeits: dict[int, object] = {}
    for voucher_id, until in (
        PledgeForfeit.objects.in_force()
        .filter(voucher_id__in=[v.voucher_id for v in received_vouches])
        .values_list("voucher_id", "until")
    ):
        forfeits[voucher_id] = max(until, forfeits.get(voucher_id, until))
    explained = [
        VouchExplained(
            vouch=vouch,
            role=_vouch_role(
                vouch,
                carried_by=carried_by,
                vouched=vouched,
                shares=shares,
                counts=counts,
            ),
            voucher_received=counts[0].get(vouch.voucher_id, 0),
            voucher_established_vouchers=counts[1].get(vouch.voucher_id, 0),
            forfeited_until=forfeits.get(vouch.voucher_id),
        )
        for vouch in received_vouches
    ]
    order = [VouchRole.CARRIES, VouchRole.NEXT_RUN, VouchRole.COUNTS, VouchRole.NOT_NEEDED]
    explained.sort(key=lambda v: (order.index(v.role) if v.role in order else 9, v.vouch.pk))
    waiting, could = (), ()
    if shares and standing == Standing.PENDING:
        can_give = Q(voucher__is_founder=True) | Q(voucher__trust__spare=True)
        waiting = tuple(vouches_awaiting(member=member).filter(can_give).order_by("pk"))
        could = tuple(
            Member.objects.in_good_standing()
            .filter(Q(is_founder=True) | Q(trust__spare=True))
            .filter(
                pk__in=Vouch.objects.active().given_by(member).values("vouchee_id"),
            )
            .exclude(pk__in=Vouch.objects.active().received_by(member).values("voucher_id"))
            .exclude(pk__in=blocked_ids(member=member))
            .order_by("display_name")[:5]
        )
    lost = None
    if standing == Standing.PENDING:
        record = (
            ModerationRecord.objects.filter(
                member=member, action=ModerationRecord.Action.STANDING_LOST
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        lost = standing_loss(record=record) if record else None
    return StandingExplanation(
        member=member,
        standing=standing,
        level=trust.level if trust else (3 if member.is_founder else 0),
        state=state,
        metric=state.metric,
        shares=shares,
        established=bool(member.is_founder or (trust and trust.established)),
        spare=bool(member.is_founder or (trust and trust.spare)),
        received=counts[0].get(member.pk, 0),
        established_vouchers=counts[1].get(member.pk, 0),
        vouches=tuple(explained),
        waiting_that_would_vouch=waiting,
        could_vouch=could,
        lost=lost,
    )


@dataclass(frozen=True)
class LossReason:
    voucher: Member
    code: str


class LossCode:
    """Why a vouch that carried a member's standing no longer does (today's state)."""

    VOUCH_GONE = "vouch_gone"  # the vouch was withdrawn or revoked
    VOUCHER_GONE = "voucher_gone"  # its author's account no longer counts
    VOUCHER_PENDING = "voucher_pending"  # its author is no longer vouched
    VOUCHER_NOT_ESTABLISHED = "voucher_not_established"  # their vouches pass nothing on
    VOUCHER_NO_SPARE = "voucher_no_spare"  # the trust reaching them is used up
    OTHER = "other"


@dataclass(frozen=True)
class StandingLoss:
    record: ModerationRecord
    reasons: tuple[LossReason, ...]


def standing_loss(*, record: ModerationRecord) -> StandingLoss:
    """What became of the vouches that carried a member's standing until they lost it.

    Discreet on purpose: a voucher who was suspended or banned is only said to count no
    longer, nobody else's moderation is named, and nobody blocked either way is named.
    """
    member_id = record.member_id
    blocked = blocked_ids(member=record.member)
    carried = [int(v) for v in (record.before or {}).get("carried_by", []) if int(v) not in blocked]
    vouchers = Member.objects.select_related("trust").in_bulk(carried)
    standing = set(
        Vouch.objects.accepted()
        .filter(vouchee_id=member_id, voucher_id__in=carried)
        .values_list("voucher_id", flat=True)
    )
    visible = set(Member.objects.visible().filter(pk__in=carried).values_list("pk", flat=True))
    reasons = []
    for voucher_id in carried:
        voucher = vouchers.get(voucher_id)
        if voucher is None:
            continue
        trust = getattr(voucher, "trust", None)
        if voucher_id not in standing:
            code = LossCode.VOUCH_GONE
        elif voucher_id not in visible:
            code = LossCode.VOUCHER_GONE
        elif not voucher.in_good_standing:
            code = LossCode.VOUCHER_PENDING
        elif not voucher.is_founder and not (trust and trust.established):
            code = LossCode.VOUCHER_NOT_ESTABLISHED
        elif not voucher.is_founder and not (trust and trust.spare):
            code = LossCode.VOUCHER_NO_SPARE
        else:
            code = LossCode.OTHER
        reasons.append(LossReason(voucher=voucher, code=code))
    return StandingLoss(record=record, reasons=tuple(reasons))
