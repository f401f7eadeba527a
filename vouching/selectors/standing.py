"""A member's standing: the short card on their home page, and the page that explains it
vouch by vouch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ..models import Member, ModerationRecord, PledgeForfeit, Standing, TrustState, Vouch
from ..trust.pledge import ESTABLISHING_VOUCHES
from .blocks import blocked_ids
from .vouches import vouches_awaiting, vouches_received


def forfeits_of(*, member: Member) -> QuerySet[PledgeForfeit]:
    """The member's pledge forfeits of the last year, newest first."""
    since = timezone.now() - timedelta(days=365)
    return PledgeForfeit.objects.of(member).filter(created_at__gte=since).select_related("vouchee")


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
    received_vouches = list(
        vouches_received(member=member, viewer=member)
        .select_related("voucher__trust")
        .order_by("pk")
    )
    counts = _voucher_counts([v.voucher_id for v in received_vouches] + [member.pk])
    explained = _explained_vouches(member, standing, received_vouches, counts, shares=shares)
    pending = standing == Standing.PENDING
    waiting, could = _would_vouch(member) if shares and pending else ((), ())
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
        vouches=explained,
        waiting_that_would_vouch=waiting,
        could_vouch=could,
        lost=_latest_loss(member) if pending else None,
    )


def _explained_vouches(
    member: Member, standing: Standing, received: list[Vouch], counts, *, shares: bool
) -> tuple[VouchExplained, ...]:
    """Each accepted vouch with what it does for the member; those that count first."""
    trust = getattr(member, "trust", None)
    carried_by = set(trust.carrier_ids) if trust else set()
    vouched = standing == Standing.VOUCHED
    forfeits = _forfeited_until([v.voucher_id for v in received])
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
        for vouch in received
    ]
    order = [VouchRole.CARRIES, VouchRole.NEXT_RUN, VouchRole.COUNTS, VouchRole.NOT_NEEDED]
    explained.sort(key=lambda v: (order.index(v.role) if v.role in order else 9, v.vouch.pk))
    return tuple(explained)


def _forfeited_until(voucher_ids: list[int]) -> dict[int, object]:
    """For each voucher with a pledge forfeit in force, when the last one ends."""
    forfeits: dict[int, object] = {}
    for voucher_id, until in (
        PledgeForfeit.objects.in_force()
        .filter(voucher_id__in=voucher_ids)
        .values_list("voucher_id", "until")
    ):
        forfeits[voucher_id] = max(until, forfeits.get(voucher_id, until))
    return forfeits


def _would_vouch(member: Member) -> tuple[tuple[Vouch, ...], tuple[Member, ...]]:
    """For a pending member: the vouches waiting for their answer that would vouch them
    once accepted, and members they vouched for who could vouch them now."""
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
    return waiting, could


def _latest_loss(member: Member) -> StandingLoss | None:
    """What became of the vouches that carried the member's standing, the last time they
    lost it."""
    record = (
        ModerationRecord.objects.filter(member=member, action=ModerationRecord.Action.STANDING_LOST)
        .order_by("-created_at", "-pk")
        .first()
    )
    return standing_loss(record=record) if record else None


@dataclass(frozen=True)
class LossReason:
    voucher: Member | None  # None: they closed their account
    code: str


class LossCode:
    """Why a vouch that carried a member's standing no longer does (today's state)."""

    VOUCH_GONE = "vouch_gone"  # the vouch was withdrawn or revoked
    VOUCHER_GONE = "voucher_gone"  # its author's account no longer counts
    VOUCHER_PENDING = "voucher_pending"  # its author is no longer vouched
    VOUCHER_NOT_ESTABLISHED = "voucher_not_established"  # their vouches pass nothing on
    VOUCHER_NO_SPARE = "voucher_no_spare"  # the trust reaching them is used up
    VOUCHER_CLOSED = "voucher_closed"  # its author closed their account (said once)
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
            closed = LossReason(voucher=None, code=LossCode.VOUCHER_CLOSED)
            if closed not in reasons:
                reasons.append(closed)
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
