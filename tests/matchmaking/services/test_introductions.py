"""Introductions through a friend who knows both, asked for or offered."""

import pytest
from django.core.exceptions import ValidationError

from matchmaking import services
from matchmaking.models import Introduction, Match, Notification, Profile
from tests.factories import VouchedMemberFactory, VouchFactory, woman

pytestmark = pytest.mark.django_db


def test_requested_introduction_to_a_match(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(
        requester=jon, target=lena, intermediary=mei, message="Would you introduce us?"
    )
    assert intro.status == "intermediary"
    assert Notification.objects.filter(recipient=mei, kind="intro_request").exists()
    assert not Notification.objects.filter(recipient=lena).exists(), "private until introduced"
    with pytest.raises(ValidationError, match="Only the friend asked"):
        services.introduction_introduce(introduction=intro, member=jon, note="Hi")
    services.introduction_introduce(introduction=intro, member=mei, note="Jon cooks; Lena eats.")
    assert Notification.objects.filter(recipient=lena, kind="introduction").exists()
    with pytest.raises(ValidationError, match="not yours to answer"):
        services.introduction_respond(introduction=intro, member=mei, accept=True)
    intro = services.introduction_respond(introduction=intro, member=lena, accept=True)
    assert intro.status == "accepted"
    match = Match.objects.active().between(jon, lena).get()
    assert match.source == "introduction" and match.introduction == intro
    assert Notification.objects.filter(recipient=mei, kind="intro_accepted").exists()


def test_the_friend_declines_quietly(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_decline_quietly(introduction=intro, member=mei)
    intro.refresh_from_db()
    assert intro.status == "declined"
    assert not Notification.objects.filter(recipient__in=[jon, lena]).exists()


def test_the_other_person_declines(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_introduce(introduction=intro, member=mei, note="You two!")
    services.introduction_respond(introduction=intro, member=lena, accept=False)
    intro.refresh_from_db()
    assert intro.status == "declined" and not Match.objects.exists()


def test_a_matchmaker_needs_both_to_accept(trio):
    mei, jon, lena = trio
    intro = services.introduction_offer(
        intermediary=mei, person_a=jon, person_b=lena, note="I have a feeling about this."
    )
    assert set(
        Notification.objects.filter(kind="introduction").values_list("recipient_id", flat=True)
    ) == {
        jon.pk,
        lena.pk,
    }
    services.introduction_respond(introduction=intro, member=jon, accept=True)
    assert not Match.objects.exists()
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    assert Match.objects.active().between(jon, lena).exists()


def test_introducer_must_know_both(trio):
    _mei, jon, lena = trio
    stranger = VouchedMemberFactory()
    with pytest.raises(ValidationError, match="knows both of you"):
        services.introduction_request(requester=jon, target=lena, intermediary=stranger)
    with pytest.raises(ValidationError, match="knows both of you"):
        services.introduction_offer(intermediary=stranger, person_a=jon, person_b=lena, note="x")


def test_one_introduction_at_a_time_and_a_daily_limit(trio, settings):
    mei, jon, lena = trio
    services.introduction_request(requester=jon, target=lena, intermediary=mei)
    with pytest.raises(ValidationError, match="already under way"):
        services.introduction_request(requester=jon, target=lena, intermediary=mei)
    settings.INTRODUCTION_DAILY_QUOTA = 1
    other = woman()
    VouchFactory(voucher=other.member, vouchee=mei)
    with pytest.raises(ValidationError, match="1 introductions today"):
        services.introduction_request(requester=jon, target=other.member, intermediary=mei)


def test_only_the_starter_withdraws(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    with pytest.raises(ValidationError, match="Only whoever started it"):
        services.introduction_withdraw(introduction=intro, member=lena)
    services.introduction_withdraw(introduction=intro, member=jon)
    intro.refresh_from_db()
    assert intro.status == "withdrawn"


def test_no_requested_introduction_to_someone_hiding_from_connections(trio):
    """Mei knows Lena directly: asking her would tell her that Lena dates here."""
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(hide_from_connections=True)
    with pytest.raises(ValidationError, match="Lena keeps their profile from the people"):
        services.introduction_request(requester=jon, target=lena, intermediary=mei)
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(recipient=mei).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"seeks_man": False, "seeks_woman": True},  # she wants to meet women only
        {"age_max": 20},  # he is older than she wants
    ],
)
def test_no_offered_introduction_of_people_not_looking_for_each_other(trio, change):
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(**change)
    with pytest.raises(ValidationError, match="Jon and Lena are not looking for someone like"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="You two!")
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(kind="introduction").exists()


def test_no_offered_introduction_of_someone_hiding_from_connections(trio):
    mei, jon, lena = trio
    Profile.objects.filter(member=lena).update(hide_from_connections=True)
    with pytest.raises(ValidationError, match="Lena is not dating on Pledge right now"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="You two!")
    assert not Introduction.objects.exists()
    assert not Notification.objects.filter(kind="introduction").exists()
