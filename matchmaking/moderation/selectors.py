"""What the console's pages show: the queues, the report's evidence, a member's dossier,
the log, and what an action would cost before the moderator confirms it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.models import Appeal, Member, ModerationRecord, PledgeForfeit, Vouch

from ..models import Photo, Report

# A reporter with at least this many dismissed reports in the window, most of what they
# reported, is flagged to the moderators.
FLAG_DISMISSED = 3
FLAG_WINDOW_DAYS = 180
# The investigation page walks at most this many steps towards the founders.
CHAIN_MAX_STEPS = 6
# The log page shows the latest records only; the CSV export has them all.
LOG_PAGE_ROWS = 200


# QUEUES -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleSummary:
    """The dashboard: what waits for the moderators, and what they did last."""

    open_reports: int
    open_appeals: int
    recent: QuerySet[ModerationRecord]


def console_summary() -> ConsoleSummary:
    return ConsoleSummary(
        open_reports=Report.objects.filter(status=Report.Status.OPEN).count(),
        open_appeals=Appeal.objects.filter(status=Appeal.Status.OPEN).count(),
        recent=ModerationRecord.objects.select_related("actor", "member")[:10],
    )


def flagged_reporters() -> set[int]:
    """Members whose reports the moderators mostly dismissed lately."""
    since = timezone.now() - timedelta(days=FLAG_WINDOW_DAYS)
    rows = (
        Report.objects.filter(created_at__gte=since, reporter__isnull=False)
        .exclude(status=Report.Status.OPEN)
        .values("reporter")
        .annotate(
            dismissed=Count("pk", filter=Q(status=Report.Status.DISMISSED)),
            closed=Count("pk"),
        )
    )
    return {
        r["reporter"]
        for r in rows
        if r["dismissed"] >= FLAG_DISMISSED and r["dismissed"] * 2 >= r["closed"]
    }


def report_queue() -> QuerySet[Report]:
    return (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("reporter", "reported", "claimed_by", "vouch__voucher", "vouch__vouchee")
        .order_by("created_at")
    )


def appeal_queue() -> QuerySet[Appeal]:
    return Appeal.objects.filter(status=Appeal.Status.OPEN).select_related(
        "member", "record__actor"
    )


# A REPORT AND ITS EVIDENCE ------------------------------------------------------------


def reports_with_evidence() -> QuerySet[Report]:
    """Reports with what was reported and who is involved, for the report's page."""
    return Report.objects.select_related(
        "reporter", "reported", "claimed_by", "profile", "photo", "message", "vouch"
    )


def report_vouches(*, report: Report) -> list[Vouch]:
    """How the reported member got in: the vouches that stand for them."""
    return list(Vouch.objects.accepted().received_by(report.reported).select_related("voucher"))


def reported_photos() -> QuerySet[Photo]:
    """The photos a moderator may look at: reported ones, and those of reported members."""
    return Photo.objects.filter(
        Q(report__isnull=False) | Q(profile__member__reports_received__isnull=False)
    ).distinct()


# A MEMBER'S DOSSIER -------------------------------------------------------------------


def console_members() -> QuerySet[Member]:
    """Every member, as the console looks one up: with their trust row."""
    return Member.objects.select_related("trust")


def console_vouches() -> QuerySet[Vouch]:
    """Every vouch, as the console looks one up: with both of its ends."""
    return Vouch.objects.select_related("voucher", "vouchee")


@dataclass(frozen=True)
class MemberDossier:
    """What the investigation page shows about one member."""

    received: QuerySet[Vouch]
    given: QuerySet[Vouch]
    chain: list[list[Member]]  # their vouchers, then those vouchers' vouchers...
    chain_cut: bool  # the walk stopped at CHAIN_MAX_STEPS before reaching every founder
    explanation: object  # vouching_selectors.standing_explanation
    reports: QuerySet[Report]
    forfeits: QuerySet[PledgeForfeit]
    records: QuerySet[ModerationRecord]


def member_dossier(*, member: Member) -> MemberDossier:
    chain, chain_cut = chain_to_founders(member=member)
    return MemberDossier(
        received=Vouch.objects.received_by(member).select_related("voucher__trust"),
        given=Vouch.objects.given_by(member)
        .select_related("vouchee__trust")
        .annotate(reports=Count("vouchee__reports_received"))
        .order_by("-created_at"),
        chain=chain,
        chain_cut=chain_cut,
        explanation=vouching_selectors.standing_explanation(member=member),
        reports=Report.objects.filter(reported=member).select_related("reporter"),
        forfeits=PledgeForfeit.objects.of(member).select_related("vouchee"),
        records=ModerationRecord.objects.filter(member=member).select_related("actor"),
    )


def chain_to_founders(*, member: Member) -> tuple[list[list[Member]], bool]:
    """Who vouched for them, and who vouched for those, up to the founders; and whether
    the walk stopped at ``CHAIN_MAX_STEPS`` before reaching them all."""
    layers: list[list[Member]] = []
    seen = {member.pk}
    frontier = [member.pk]

    def vouchers_of(ids):
        return list(
            Vouch.objects.accepted()
            .filter(vouchee_id__in=ids)
            .exclude(voucher_id__in=seen)
            .values_list("voucher_id", flat=True)
            .distinct()
        )

    for _depth in range(CHAIN_MAX_STEPS):
        vouchers = vouchers_of(frontier)
        if not vouchers:
            return layers, False
        seen.update(vouchers)
        layers.append(
            list(Member.objects.filter(pk__in=vouchers).select_related("trust").order_by("pk"))
        )
        frontier = [m.pk for m in layers[-1] if not m.is_founder]
        if not frontier:
            return layers, False
    return layers, bool(vouchers_of(frontier))


def members_chosen(*, public_ids: list[uuid.UUID], moderator: Member) -> list[Member]:
    """The members a moderator ticked, never the moderator themselves."""
    return list(
        Member.objects.filter(public_id__in=public_ids)
        .exclude(pk=moderator.pk)
        .order_by("display_name", "pk")
    )


# THE LOG ------------------------------------------------------------------------------


def log_records(*, member_public_id: str = "") -> QuerySet[ModerationRecord]:
    """The latest records, of one member when ``member_public_id`` is given (none when
    it names nobody)."""
    records = ModerationRecord.objects.select_related("actor", "member", "vouch")
    if member_public_id:
        try:
            records = records.filter(member__public_id=uuid.UUID(member_public_id))
        except ValueError:
            records = records.none()
    return records[:LOG_PAGE_ROWS]


def log_export_records():
    """Every record, oldest first, read in chunks."""
    return ModerationRecord.objects.select_related("actor", "member").order_by("pk").iterator()


# WHAT AN ACTION WOULD COST ------------------------------------------------------------


def vouches_given(*, members: list[Member], revoke_given: bool) -> list[Vouch]:
    """The vouches these members gave that "also revoke every vouch they gave" takes."""
    if not revoke_given:
        return []
    return list(Vouch.objects.active().filter(voucher__in=members))


def removal_preview(*, members: list[Member], revoke_given: bool) -> vouching_services.Preview:
    """What suspending or banning ``members`` would cost, with the vouches they gave
    when those go too."""
    return vouching_services.moderation_preview(
        remove=members, revoke=vouches_given(members=members, revoke_given=revoke_given)
    )


def revocation_preview(*, vouch: Vouch, reason: str) -> vouching_services.Preview:
    """What revoking ``vouch`` would cost; as a bad vouch, the voucher's pledge too."""
    bad = [vouch] if reason == "bad_vouch" else []
    return vouching_services.moderation_preview(revoke=[vouch], bad_vouches=bad)
