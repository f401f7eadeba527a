"""Introductions: who could introduce two people, and the introductions a member is part of."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from vouching import selectors as vouching_selectors
from vouching.models import Member

from ..models import Introduction
from .visibility import reachable_only


def mutual_connections(
    *, viewer: Member, member: Member, trust: vouching_selectors.TrustNeighbourhood | None = None
) -> list[Member]:
    """Members with a vouch link to both: the people who could introduce them. ``trust``:
    the viewer's neighbourhood, when the caller has read it already."""
    trust = trust or vouching_selectors.trust_neighbourhood(member=viewer)
    links = trust.links([viewer.pk, member.pk])
    mine = {link.other for link in links.get(viewer.pk, ())}
    theirs = {link.other for link in links.get(member.pk, ())}
    shared = (mine & theirs) - trust.blocked - vouching_selectors.blocked_ids(member=member)
    return list(Member.objects.in_good_standing().filter(pk__in=shared).order_by("display_name"))


def people_known(*, member: Member) -> list[Member]:
    """Members linked to ``member`` by an accepted vouch who date on Pledge: the people a
    matchmaker can introduce to each other. Not those who hide their profile from the
    people they know directly: ``member`` is one of them."""
    trust = vouching_selectors.trust_neighbourhood(member=member)
    linked = {link.other for link in trust.links([member.pk])[member.pk]}
    linked -= trust.blocked
    return list(
        Member.objects.in_good_standing()
        .filter(pk__in=linked, profile__is_dating=True, profile__paused_at__isnull=True)
        .filter(profile__hide_from_connections=False)
        .order_by("display_name")
    )


def introductions_for(*, member: Member) -> dict[str, QuerySet[Introduction]]:
    base = reachable_only(
        Introduction.objects.select_related("intermediary", "person_a", "person_b"),
        member,
        "intermediary_id",
        "person_a_id",
        "person_b_id",
    )
    return {
        # Asked of me as the friend in the middle, waiting for me.
        "to_make": base.filter(intermediary=member, status=Introduction.Status.WITH_INTERMEDIARY),
        # Introductions waiting for my answer.
        "to_answer": base.filter(status=Introduction.Status.WITH_PEOPLE).filter(
            Q(person_b=member, b_accepted_at__isnull=True)
            | Q(person_a=member, a_accepted_at__isnull=True)
        ),
        # What I asked for, or offered, still open.
        "mine": base.filter(
            Q(person_a=member, kind=Introduction.Kind.REQUESTED)
            | Q(intermediary=member, kind=Introduction.Kind.OFFERED)
        ).filter(created_at__gte=timezone.now() - timedelta(days=90)),
    }


def introduction_for_member(*, member: Member, introduction_id: int) -> Introduction:
    introduction = (
        Introduction.objects.select_related("intermediary", "person_a", "person_b")
        .filter(pk=introduction_id)
        .filter(Q(intermediary=member) | Q(person_a=member) | Q(person_b=member))
        .first()
    )
    if introduction is None:
        raise Http404
    others = {introduction.intermediary, introduction.person_a, introduction.person_b} - {member}
    if any(vouching_selectors.is_blocked(member, other) for other in others):
        raise Http404
    return introduction
