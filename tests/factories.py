"""Factories for the whole suite: real rows, built the way the services would."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from vouching.models import Invitation, KnownFor, Member, Relationship, TrustScore, Vouch
from vouching.services import moderator_grant

PASSWORD = "a-long-test-password-42"
STATEMENT = (
    "We have been friends for years; honest, kind and reliable, I would trust them with anything."
)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class ModeratorFactory(MemberFactory):
    """A member with the moderator role, granted (and so on the record) as the
    ``grant_moderator`` command grants it."""

    display_name = "Moderator"

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create:
            moderator_grant(member=obj)


class FounderFactory(MemberFactory):
    is_founder = True
    display_name = factory.Sequence(lambda n: f"Founder {n}")


class VouchedMemberFactory(MemberFactory):
    """A member whose last computed standing is vouched."""

    @factory.post_generation
    def trust(obj, create, extracted, **kwargs):
        if create:
            TrustScore.objects.update_or_create(
                member=obj, defaults={"vouched": True, "score": 0.5, "level": 1}
            )


class VouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vouch

    voucher = factory.SubFactory(MemberFactory)
    vouchee = factory.SubFactory(MemberFactory)
    relationship = Relationship.FRIEND
    known_for = KnownFor.THREE_TO_TEN
    strength = 2
    statement = STATEMENT
    status = Vouch.Status.ACCEPTED


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    inviter = factory.SubFactory(FounderFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    relationship = Relationship.FRIEND
    known_for = KnownFor.ONE_TO_THREE
    strength = 2
    statement = STATEMENT
    expires_at = factory.LazyFunction(lambda: timezone.now() + settings.INVITATION_TTL)
    sent_at = None


def born_years_ago(years: float):
    return timezone.localdate() - timedelta(days=int(years * 365.25) + 1)


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


class ProfileFactory(factory.django.DjangoModelFactory):
    """A dating profile of a vouched member: a woman of 30 in Shanghai looking for men."""

    class Meta:
        model = "matchmaking.Profile"

    member = factory.SubFactory(VouchedMemberFactory)
    birth_date = factory.LazyFunction(lambda: born_years_ago(30))
    gender = "woman"
    seeks_man = True
    age_min = 18
    age_max = 99
    city = "Shanghai"
    reach = "all"
    bio = "I like long walks by the Huangpu and dumplings at midnight."


def man(**kwargs):
    return ProfileFactory(**{"gender": "man", "seeks_man": False, "seeks_woman": True, **kwargs})


def woman(**kwargs):
    return ProfileFactory(**kwargs)
