"""Introductions: the human pledge at work.

A single asks a friend they have in common with someone to introduce them; the friend
declines quietly or introduces them with a note; the other person accepts or declines,
and acceptance makes a match. A matchmaker may also introduce two people they know on
their own initiative; then both must accept.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.models import Member, Vouch

from .. import selectors
from ..models import Introduction, Match, Notification, Profile
from .matches import _open_to_interest, match_create
from .notifications import notification_create
from .quotas import check_daily, lock_member, since_a_day


def introduction_request_refusal(profile: Profile) -> str | None:
    """Why nobody can be asked to introduce someone to this profile's owner, or None.
    Hiding from the people they know directly rules it out: each friend in the middle
    is one of those, and the request would tell them."""
    if profile.hide_from_connections:
        return _(
            "%(name)s keeps their profile from the people who know them directly, so "
            "none of them can be asked to introduce you."
        ) % {"name": profile.member.display_name}
    return None


def _linked(a: Member, b: Member) -> bool:
    """An accepted vouch between them, either way: they know each other."""
    return Vouch.objects.accepted().between(a, b).exists()


def _check_reachable(*people: Member) -> None:
    """Nobody in it is banned, suspended or gone: they are hidden from everything."""
    if Member.objects.hidden().filter(pk__in=[p.pk for p in people]).exists():
        raise ValidationError(
            _("This introduction is not possible right now: someone in it cannot be reached."),
            code="hidden",
        )


def _check_people(intermediary: Member, a: Member, b: Member) -> None:
    """Three different people, none blocking another or hidden, the middle one knowing
    both."""
    if len({intermediary.pk, a.pk, b.pk}) < 3:
        raise ValidationError(_("An introduction needs three different people."), code="people")
    _check_reachable(intermediary, a, b)
    for x, y in ((intermediary, a), (intermediary, b), (a, b)):
        if vouching_selectors.is_blocked(x, y):
            raise ValidationError(_("This introduction is not possible."), code="blocked")
    if not (_linked(intermediary, a) and _linked(intermediary, b)):
        raise ValidationError(
            _("Only someone who knows both of you through a vouch can introduce you."),
            code="not_mutual",
        )


def _check_three(intermediary: Member, a: Member, b: Member) -> None:
    _check_people(intermediary, a, b)
    if Match.objects.active().between(a, b).exists():
        raise ValidationError(_("You are already matched."), code="matched")
    open_one = Introduction.objects.filter(status__in=Introduction.OPEN_STATUSES).filter(
        Q(person_a=a, person_b=b) | Q(person_a=b, person_b=a)
    )
    if open_one.exists():
        raise ValidationError(
            _("An introduction between the two of you is already under way."), code="duplicate"
        )


@transaction.atomic
def introduction_request(
    *, requester: Member, target: Member, intermediary: Member, message: str = ""
) -> Introduction:
    vouching_services.member_check_active(member=requester)
    lock_member(requester)
    refusal = introduction_request_refusal(_open_to_interest(requester, target))
    if refusal:
        raise ValidationError(refusal, code="hidden_from_connections")
    _check_three(intermediary, requester, target)
    if not intermediary.in_good_standing:
        raise ValidationError(_("This member cannot make introductions now."), code="standing")
    used = Introduction.objects.filter(
        person_a=requester, kind=Introduction.Kind.REQUESTED, created_at__gte=since_a_day()
    ).count()
    check_daily("INTRODUCTION_DAILY_QUOTA", used)
    introduction = Introduction(
        kind=Introduction.Kind.REQUESTED,
        intermediary=intermediary,
        person_a=requester,
        person_b=target,
        request_message=message.strip(),
        status=Introduction.Status.WITH_INTERMEDIARY,
        a_accepted_at=timezone.now(),
    )
    introduction.full_clean()
    introduction.save()
    notification_create(
        recipient=intermediary,
        kind=Notification.Kind.INTRODUCTION_REQUEST,
        actor=requester,
        introduction=introduction,
    )
    return introduction


def _lock(introduction: Introduction) -> Introduction:
    return (
        Introduction.objects.select_for_update()
        .select_related("intermediary", "person_a", "person_b")
        .get(pk=introduction.pk)
    )


@transaction.atomic
def introduction_decline_quietly(*, introduction: Introduction, member: Member) -> Introduction:
    """The friend in the middle says no; the one who asked is not told why."""
    vouching_services.member_check_active(member=member)
    introduction = _lock(introduction)
    if introduction.intermediary_id != member.pk:
        raise ValidationError(_("Only the friend asked can decline."), code="owner")
    if introduction.status == Introduction.Status.WITH_INTERMEDIARY:
        introduction.status = Introduction.Status.DECLINED
        introduction.closed_at = timezone.now()
        introduction.save(update_fields=["status", "closed_at"])
    return introduction


@transaction.atomic
def introduction_introduce(
    *, introduction: Introduction, member: Member, note: str
) -> Introduction:
    vouching_services.member_check_active(member=member)
    introduction = _lock(introduction)
    if introduction.intermediary_id != member.pk:
        raise ValidationError(_("Only the friend asked can introduce."), code="owner")
    if introduction.status != Introduction.Status.WITH_INTERMEDIARY:
        raise ValidationError(_("This introduction is no longer open."), code="closed")
    if not note.strip():
        raise ValidationError({"note": _("Write a few words to introduce them.")}, code="note")
    _check_people(member, introduction.person_a, introduction.person_b)
    introduction.note = note.strip()
    introduction.status = Introduction.Status.WITH_PEOPLE
    introduction.introduced_at = timezone.now()
    introduction.full_clean()
    introduction.save(update_fields=["note", "status", "introduced_at"])
    notification_create(
        recipient=introduction.person_b,
        kind=Notification.Kind.INTRODUCTION,
        actor=member,
        introduction=introduction,
    )
    return introduction


@transaction.atomic
def introduction_offer(
    *, intermediary: Member, person_a: Member, person_b: Member, note: str
) -> Introduction:
    """A matchmaker introduces two people they know; both must accept."""
    vouching_services.member_check_active(member=intermediary)
    lock_member(intermediary)
    if not intermediary.in_good_standing:
        raise ValidationError(_("Only members in good standing can introduce."), code="standing")
    _check_three(intermediary, person_a, person_b)
    profiles = []
    for person in (person_a, person_b):
        profile = Profile.objects.filter(member=person).first()
        # Hidden from the people they know directly, the intermediary among them: the
        # same answer as for someone not dating, so the refusal tells nothing.
        hidden = profile is not None and profile.hide_from_connections
        if profile is None or not profile.is_shown or hidden or not person.in_good_standing:
            raise ValidationError(
                _("%(name)s is not dating on Pledge right now.") % {"name": person.display_name},
                code="not_dating",
            )
        profiles.append(profile)
    if not selectors.compatible(viewer=profiles[0], other=profiles[1]):
        raise ValidationError(
            _(
                "%(a)s and %(b)s are not looking for someone like each other: who they "
                "want to meet, or of what age, does not match."
            )
            % {"a": person_a.display_name, "b": person_b.display_name},
            code="incompatible",
        )
    if not note.strip():
        raise ValidationError({"note": _("Write a few words to introduce them.")}, code="note")
    used = Introduction.objects.filter(
        intermediary=intermediary, kind=Introduction.Kind.OFFERED, created_at__gte=since_a_day()
    ).count()
    check_daily("INTRODUCTION_DAILY_QUOTA", used)
    now = timezone.now()
    introduction = Introduction(
        kind=Introduction.Kind.OFFERED,
        intermediary=intermediary,
        person_a=person_a,
        person_b=person_b,
        note=note.strip(),
        status=Introduction.Status.WITH_PEOPLE,
        introduced_at=now,
    )
    introduction.full_clean()
    introduction.save()
    for person in (person_a, person_b):
        notification_create(
            recipient=person,
            kind=Notification.Kind.INTRODUCTION,
            actor=intermediary,
            introduction=introduction,
        )
    return introduction


@transaction.atomic
def introduction_respond(
    *, introduction: Introduction, member: Member, accept: bool
) -> Introduction:
    """One of the two people answers; when both have accepted, they are matched."""
    vouching_services.member_check_active(member=member)
    introduction = _lock(introduction)
    if member.pk not in (introduction.person_a_id, introduction.person_b_id):
        raise ValidationError(_("This introduction is not yours to answer."), code="owner")
    if introduction.status != Introduction.Status.WITH_PEOPLE:
        if introduction.status == Introduction.Status.ACCEPTED and accept:
            return introduction
        raise ValidationError(_("This introduction is no longer open."), code="closed")
    now = timezone.now()
    if not accept:
        introduction.status = Introduction.Status.DECLINED
        introduction.closed_at = now
        introduction.save(update_fields=["status", "closed_at"])
        return introduction
    _check_reachable(introduction.person_a, introduction.person_b)
    field = "a_accepted_at" if member.pk == introduction.person_a_id else "b_accepted_at"
    if getattr(introduction, field) is None:
        setattr(introduction, field, now)
    if introduction.a_accepted_at and introduction.b_accepted_at:
        introduction.status = Introduction.Status.ACCEPTED
        introduction.closed_at = now
        match_create(
            introduction.person_a,
            introduction.person_b,
            source=Match.Source.INTRODUCTION,
            introduction=introduction,
        )
        notification_create(
            recipient=introduction.intermediary,
            kind=Notification.Kind.INTRODUCTION_ACCEPTED,
            actor=member,
            introduction=introduction,
        )
    introduction.save(update_fields=[field, "status", "closed_at"])
    return introduction


@transaction.atomic
def introduction_withdraw(*, introduction: Introduction, member: Member) -> Introduction:
    """Whoever started it takes it back while it is open."""
    vouching_services.member_check_active(member=member)
    introduction = _lock(introduction)
    starter = (
        introduction.person_a_id
        if introduction.kind == Introduction.Kind.REQUESTED
        else introduction.intermediary_id
    )
    if member.pk != starter:
        raise ValidationError(_("Only whoever started it can withdraw it."), code="owner")
    if introduction.is_open:
        introduction.status = Introduction.Status.WITHDRAWN
        introduction.closed_at = timezone.now()
        introduction.save(update_fields=["status", "closed_at"])
    return introduction
