"""Profiles: a member's own, and another's page as the viewer sees it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404

from vouching import selectors as vouching_selectors
from vouching.models import Member, Vouch

from ..models import Photo, PhotoConfirmation, Profile, Reaction
from .introductions import mutual_connections
from .visibility import may_express_interest, profile_for_viewer

# A profile page shows this many vouches, strongest first: enough to know someone by,
# few enough that the page of a member many people vouched for stays light.
VOUCHES_SHOWN = 20


def own_profile(*, member: Member, with_content: bool = True) -> Profile | None:
    """The member's own profile; ``with_content``: its prompts and photos read too."""
    profiles = Profile.objects.filter(member=member)
    if with_content:
        profiles = profiles.prefetch_related("prompts", "photos")
    return profiles.first()


def own_photo(*, member: Member, photo_id: int) -> Photo:
    """One of the member's own photos, or 404."""
    photo = Photo.objects.filter(pk=photo_id, profile__member=member).first()
    if photo is None:
        raise Http404
    return photo


def vouch_counts(
    *, viewer: Member, member_ids: list[int], blocked: frozenset[int] | None = None
) -> dict[int, int]:
    """For each member, the accepted vouches their page shows ``viewer``: none from
    members hidden by moderation or inactive, none from anyone blocked either way
    (``vouching.selectors.vouches_received``, counted in one query for a page of cards).
    ``blocked``: the viewer's ``blocked_ids``, when the caller has them already."""
    if blocked is None:
        blocked = vouching_selectors.blocked_ids(member=viewer)
    rows = (
        Vouch.objects.accepted()
        .filter(vouchee_id__in=member_ids, voucher__in=Member.objects.visible())
        .exclude(voucher_id__in=blocked)
        .order_by()
        .values_list("vouchee_id")
        .annotate(count=Count("pk"))
    )
    return dict(rows)


def vouches_shown(*, member: Member, viewer: Member) -> list[Vouch]:
    """The vouches a profile page shows: the strongest, the most recent first among
    equals, at most ``VOUCHES_SHOWN``; ``vouch_counts`` gives how many there are."""
    received = vouching_selectors.vouches_received(member=member, viewer=viewer)
    return list(received.order_by("-strength", "-created_at", "-pk")[:VOUCHES_SHOWN])


def reaction_of(*, viewer: Member, member: Member) -> str | None:
    return (
        Reaction.objects.filter(actor=viewer, target=member).values_list("kind", flat=True).first()
    )


def photo_confirmers(*, profile: Profile) -> dict[int, list[Member]]:
    """For each photo, the vouchers who confirmed it shows this person."""
    confirmers: dict[int, list[Member]] = {}
    for confirmation in PhotoConfirmation.objects.filter(photo__profile=profile).select_related(
        "voucher"
    ):
        confirmers.setdefault(confirmation.photo_id, []).append(confirmation.voucher)
    return confirmers


@dataclass(frozen=True)
class ProfilePage:
    """What another member's dating profile page shows the viewer (or their own)."""

    profile: Profile
    is_self: bool
    path: vouching_selectors.TrustPathView | None  # how the viewer is connected to them
    vouched_for_them: bool  # the viewer's accepted vouch for them
    vouching_for_them: bool  # the viewer's vouch for them, standing or awaiting an answer
    vouches: list[Vouch]  # the strongest of the vouches they received
    vouch_total: int
    reaction: str | None  # the viewer's interest or pass
    mutual: list[Member]  # who could introduce them
    confirmers: dict[int, list[Member]]  # photo id → vouchers who confirmed it
    can_meet: bool  # the viewer may show interest

    @property
    def member(self) -> Member:
        return self.profile.member


def profile_page(*, viewer: Member, public_id) -> ProfilePage:
    """A dating profile's page as the viewer may see it, or 404."""
    profile = profile_for_viewer(viewer=viewer, public_id=public_id)
    member = profile.member
    is_self = member.pk == viewer.pk
    # One graph generation and one read of each member's links for the path and the
    # mutual connections; the statuses of the viewer's vouches for them in one query.
    trust = vouching_selectors.trust_neighbourhood(member=viewer)
    for_them = Vouch.objects.given_by(viewer).received_by(member)
    given = set() if is_self else set(for_them.values_list("status", flat=True))
    return ProfilePage(
        profile=profile,
        is_self=is_self,
        path=None if is_self else trust.paths([member])[member.pk],
        vouched_for_them=Vouch.Status.ACCEPTED in given,
        vouches=vouches_shown(member=member, viewer=viewer),
        vouch_total=vouch_counts(viewer=viewer, member_ids=[member.pk]).get(member.pk, 0),
        reaction=None if is_self else reaction_of(viewer=viewer, member=member),
        mutual=[] if is_self else mutual_connections(viewer=viewer, member=member, trust=trust),
        confirmers=photo_confirmers(profile=profile),
        can_meet=not is_self and may_express_interest(viewer=viewer, profile=profile, seen=True),
        vouching_for_them=not given.isdisjoint(Vouch.ACTIVE_STATUSES),
    )
