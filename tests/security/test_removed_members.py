"""Banned and suspended members: no sign-in, no session, nothing they can see or do,
except appealing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matchmaking import selectors, services
from matchmaking.services.matches import match_create
from tests.factories import PASSWORD, ModeratorFactory, VouchFactory, man, woman
from vouching import services as vouching_services
from vouching.models import Appeal, Member, Vouch

pytestmark = pytest.mark.django_db


def suspend(member, days=9):
    return vouching_services.member_suspend(
        member=member,
        moderator=ModeratorFactory(),
        until=timezone.now() + timedelta(days=days),
        reason="scam",
        note="Asked two members for money.",
    )


def ban(member):
    return vouching_services.member_ban(
        member=member, moderator=ModeratorFactory(), reason="fake", note="Not a real person."
    )


def sign_in(client, member):
    return client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})


def test_a_banned_member_cannot_sign_in_and_is_told_why(member):
    ban(member)
    client = Client()
    response = sign_in(client, member)
    assert response.status_code == 403
    assert "Your account is banned" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("vouching:standing")).status_code == 302


def test_a_suspended_member_is_told_until_when_in_their_language(member):
    entry = suspend(member)
    client = Client()
    response = sign_in(client, member)
    page = response.content.decode()
    assert response.status_code == 403 and "suspended until" in page
    assert reverse("vouching:appeal", args=[entry.pk]) in page
    assert "_auth_user_id" not in client.session
    client.cookies["django_language"] = "zh-hans"
    assert "你的账户已被暂停，直至" in sign_in(client, member).content.decode()


def test_a_refused_member_may_still_appeal_from_that_browser(member):
    entry = suspend(member)
    client = Client()
    url = reverse("vouching:appeal", args=[entry.pk])
    assert client.get(url).status_code == 302  # nobody proved anything yet
    sign_in(client, member)
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "It was a misunderstanding."})
    assert response.status_code == 302
    assert Appeal.objects.get(record=entry).member == member
    # Only the appeal pages: everything else still wants a sign-in.
    assert client.get(reverse("vouching:standing")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_stops_on_its_next_request_however_the_removal_came(member, client_for):
    client = client_for(member)
    assert client.get(reverse("vouching:standing")).status_code == 200
    # Not through the services (which also end every session): straight in the database.
    Member.objects.filter(pk=member.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    response = client.get(reverse("vouching:standing"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert "_auth_user_id" not in client.session


def test_a_banned_member_no_longer_sees_a_matched_members_profile_or_photos():
    lena, jon = woman(), man()
    match_create(lena.member, jon.member, source="mutual")
    assert selectors.may_see_profile(viewer=jon.member, profile=lena)
    Member.objects.filter(pk=jon.member.pk).update(banned_at=timezone.now())
    jon.member.refresh_from_db()
    assert not selectors.may_see_profile(viewer=jon.member, profile=lena)
    with pytest.raises(Http404):
        selectors.profile_for_viewer(viewer=jon.member, public_id=lena.member.public_id)


def test_a_removed_member_cannot_open_member_pages(member, stranger):
    Member.objects.filter(pk=member.pk).update(banned_at=timezone.now())
    member.refresh_from_db()
    from vouching import selectors as vouching_selectors

    with pytest.raises(Http404):
        vouching_selectors.member_visible(viewer=member, public_id=stranger.public_id)


@pytest.fixture
def removed(member):
    """``member``, suspended behind the caller's back: their in-memory copy still looks
    fine, as a request that started before the suspension would see it."""
    Member.objects.filter(pk=member.pk).update(suspended_until=timezone.now() + timedelta(days=3))
    return member


def test_a_suspended_member_cannot_accept_a_vouch_nor_is_the_voucher_told(removed, founder):
    vouch = VouchFactory(voucher=founder, vouchee=removed, status=Vouch.Status.PENDING)
    mail.outbox.clear()
    with pytest.raises(ValidationError) as refused:
        vouching_services.vouch_accept(vouch=vouch, member=removed)
    assert refused.value.code == "removed"
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.PENDING and mail.outbox == []


def test_a_suspended_member_can_neither_report_nor_block(removed, stranger):
    with pytest.raises(ValidationError):
        services.report_file(reporter=removed, reported=stranger, reason="scam")
    with pytest.raises(ValidationError):
        services.member_block(member=removed, other=stranger)


def test_a_suspended_member_cannot_change_name_or_photo(removed):
    with pytest.raises(ValidationError):
        vouching_services.member_update(member=removed, display_name="Someone Else")


def test_a_suspended_member_cannot_act_on_the_dating_side(removed):
    lena = woman(member=removed)
    jon = man()
    with pytest.raises(ValidationError):
        services.reaction_interest(actor=removed, target=jon.member)
    with pytest.raises(ValidationError):
        services.profile_pause(member=removed)
    match = match_create(lena.member, jon.member, source="mutual")
    with pytest.raises(ValidationError):
        services.message_send(match=match, sender=removed, body="Hello")
