"""Interest, passes and matches. Interest is private until it is mutual."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import services as vouching_services
from vouching.models import Member

from .. import selectors
from ..models import Match, Notification, Profile, Reaction
from .notifications import notification_create
from .quotas import check_daily, lock_members, since_a_day


def _visible_profile(viewer: Member, member: Member) -> Profile:
    profile = Profile.objects.select_related("member").filter(member=member).first()
    if (
        profile is None
        or member.pk == viewer.pk
        or not selectors.may_see_profile(viewer=viewer, profile=profile)
    ):
        raise ValidationError(_("This profile is not available."), code="unavailable")
    return profile


def _open_to_interest(viewer: Member, member: Member) -> Profile:
    """The profile ``viewer`` may show interest in, or ask to be introduced to."""
    profile = Profile.objects.select_related("member").filter(member=member).first()
    if profile is None or not selectors.may_express_interest(viewer=viewer, profile=profile):
        raise ValidationError(_("This profile is not available."), code="unavailable")
    return profile


def match_create(a: Member, b: Member, *, source: str, introduction=None) -> Match:
    """The match between two members, made once; both are told."""
    low, high = sorted([a, b], key=lambda m: m.pk)
    existing = Match.objects.active().between(low, high).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            match = Match.objects.create(
                member_a=low, member_b=high, source=source, introduction=introduction
            )
    except IntegrityError:
        # Both liked each other in the same instant: the other request made it.
        return Match.objects.active().between(low, high).get()
    notification_create(recipient=low, kind=Notification.Kind.MATCH, actor=high, match=match)
    notification_create(recipient=high, kind=Notification.Kind.MATCH, actor=low, match=match)
    return match


@transaction.atomic
def reaction_interest(*, actor: Member, target: Member) -> Match | None:
    """Show interest; returns the match when the interest is mutual."""
    vouching_services.member_check_active(member=actor)
    lock_members(actor, target)
    _open_to_interest(actor, target)
    existing = Reaction.objects.filter(actor=actor, target=target).first()
    if existing and existing.kind == Reaction.Kind.INTEREST:
        return Match.objects.active().between(actor, target).first()
    # People shown interest in today, passed since or not (showing it again to the same
    # person is not one more).
    used = (
        Reaction.objects.filter(actor=actor, interested_at__gte=since_a_day())
        .exclude(target=target)
        .count()
    )
    check_daily("INTEREST_DAILY_QUOTA", used)
    now = timezone.now()
    Reaction.objects.update_or_create(
        actor=actor,
        target=target,
        defaults={"kind": Reaction.Kind.INTEREST, "created_at": now, "interested_at": now},
    )
    mutual = Reaction.objects.filter(
        actor=target, target=actor, kind=Reaction.Kind.INTEREST
    ).exists()
    if mutual:
        return match_create(actor, target, source=Match.Source.MUTUAL_INTEREST)
    return None


@transaction.atomic
def reaction_pass(*, actor: Member, target: Member) -> Reaction:
    """Not for me: they leave the browse list. Nobody is told."""
    vouching_services.member_check_active(member=actor)
    _visible_profile(actor, target)
    if Match.objects.active().between(actor, target).exists():
        raise ValidationError(_("You are matched: unmatch instead."), code="matched")
    reaction, _created = Reaction.objects.update_or_create(
        actor=actor,
        target=target,
        defaults={"kind": Reaction.Kind.PASS, "created_at": timezone.now()},
    )
    return reaction


@transaction.atomic
def match_end(*, member: Member, match: Match) -> Match:
    """Unmatch: it ends for both, and the conversation closes."""
    vouching_services.member_check_active(member=member)
    # The same locks, in the same order, as interest between them takes.
    lock_members(match.member_a, match.member_b)
    match = Match.objects.select_for_update().get(pk=match.pk)
    if not match.involves(member):
        raise ValidationError(_("This is not your match."), code="owner")
    if match.ended_at is None:
        match.ended_at = timezone.now()
        match.ended_by = member
        match.save(update_fields=["ended_at", "ended_by"])
        # Neither comes back into the other's browsing: a pass each way, whether the
        # match came from interest (the interests turn into passes) or an introduction.
        for actor, target in ((match.member_a, match.member_b), (match.member_b, match.member_a)):
            Reaction.objects.update_or_create(
                actor=actor, target=target, defaults={"kind": Reaction.Kind.PASS}
            )
    return match
