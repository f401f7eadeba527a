"""The privacy rules of the dating side: who may see whose profile, and who may show
interest in it.

Every lookup that takes an id from a request goes through a function of this package that
scopes it to the viewer and raises 404 otherwise: an id belonging to someone else is the
same as an id that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from vouching import selectors as vouching_selectors
from vouching.models import Member, Vouch

from ..models import Introduction, Match, Photo, Profile, Reach


def compatible(*, viewer: Profile, other: Profile) -> bool:
    """Both want to meet someone like the other, of the other's age."""
    return (
        other.gender in viewer.seeking
        and viewer.gender in other.seeking
        and viewer.age_min <= other.age <= viewer.age_max
        and other.age_min <= viewer.age <= other.age_max
    )


def _connected(viewer: Member, member: Member) -> bool:
    """A live match, or an open introduction, between them: they may see each other's
    profile. An accepted introduction made a match, which speaks for itself while it
    lasts; after an unmatch the usual rules apply again."""
    if Match.objects.active().between(viewer, member).exists():
        return True
    return (
        Introduction.objects.filter(
            Q(person_a=viewer, person_b=member) | Q(person_a=member, person_b=viewer)
        )
        .filter(status__in=Introduction.OPEN_STATUSES)
        .exists()
    )


def _introducing(viewer: Member, member: Member) -> bool:
    """The viewer is the friend in the middle of an open introduction of ``member``."""
    return (
        Introduction.objects.filter(intermediary=viewer)
        .filter(Q(person_a=member) | Q(person_b=member))
        .filter(status__in=Introduction.OPEN_STATUSES)
        .exists()
    )


def may_see_profile(*, viewer: Member, profile: Profile) -> bool:
    """The privacy rule, in one place: who may see a dating profile."""
    member = profile.member
    if not viewer.is_active or viewer.is_banned or viewer.is_suspended:
        return False  # before anything else: a match or an introduction opens nothing to them
    if viewer.pk == member.pk:
        return True
    if vouching_selectors.is_blocked(viewer, member) or not member.in_good_standing:
        return False
    if _connected(viewer, member):
        return True
    # The friend in the middle knows them directly: a profile hidden from direct
    # connections stays hidden from them, introduction or not.
    if not profile.hide_from_connections and _introducing(viewer, member):
        return True
    if not profile.is_shown or not viewer.in_good_standing:
        return False
    hops = vouching_selectors.trust_distance(viewer=viewer, member=member)
    if hops == 1 and profile.hide_from_connections:
        return False
    vouched_for_them = Vouch.objects.accepted().given_by(viewer).received_by(member).exists()
    if vouched_for_them:
        return True  # friends who vouched for them may see it, and confirm the photos
    mine = Profile.objects.filter(member=viewer).first()
    if mine is None or not mine.is_shown or not compatible(viewer=mine, other=profile):
        return False
    limit = Reach(profile.reach).max_hops
    return limit is None or (hops is not None and hops <= limit)


def may_express_interest(*, viewer: Member, profile: Profile, seen: bool = False) -> bool:
    """Who may show interest in a profile, or ask to be introduced: someone dating (with
    a shown profile of their own) whom the owner would want to meet as they would want
    to meet the owner, and who may see the profile. A friend who vouched for the owner
    sees the profile to confirm the photos; that alone makes nobody a candidate.
    ``seen``: the caller got the profile from ``profile_for_viewer`` just now."""
    if viewer.pk == profile.member_id or not profile.is_shown:
        return False
    mine = Profile.objects.filter(member=viewer).first()
    if mine is None or not mine.is_shown or not compatible(viewer=mine, other=profile):
        return False
    return seen or may_see_profile(viewer=viewer, profile=profile)


def profile_for_viewer(*, viewer: Member, public_id) -> Profile:
    profile = (
        Profile.objects.select_related("member", "member__trust")
        .prefetch_related("prompts", "photos")
        .filter(member__public_id=public_id, member__is_active=True)
        .first()
    )
    if profile is None or not may_see_profile(viewer=viewer, profile=profile):
        raise Http404
    return profile


def photo_for_viewer(*, viewer: Member, photo_id: int) -> Photo:
    photo = Photo.objects.select_related("profile__member").filter(pk=photo_id).first()
    if photo is None or not may_see_profile(viewer=viewer, profile=photo.profile):
        raise Http404
    return photo


def reachable_only(query: QuerySet, member: Member, *fields: str) -> QuerySet:
    """``query`` without the rows where one of ``fields`` (member ids) is someone
    ``member`` blocked or was blocked by, or a member hidden by moderation or gone."""
    blocked = vouching_selectors.blocked_ids(member=member)
    hidden = Member.objects.hidden().values("pk")
    for field in fields:
        query = query.exclude(**{f"{field}__in": blocked}).exclude(**{f"{field}__in": hidden})
    return query
