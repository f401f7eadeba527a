"""Suspending, banning and reinstating members: out at once, hidden from everything,
their vouchers' pledges forfeited, and back on reinstatement."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking import services as matchmaking_services
from tests.factories import (
    MemberFactory,
    ModeratorFactory,
    VouchedMemberFactory,
    VouchFactory,
    woman,
)
from vouching import services as vouching_services
from vouching.models import Member, ModerationRecord, PledgeForfeit, Vouch

pytestmark = pytest.mark.django_db


def test_suspension_hides_signs_out_and_forfeits(community, client_for):
    mod = ModeratorFactory()
    ann = community["ann"]
    her_browser = client_for(ann)
    assert her_browser.get(reverse("home")).context["user"].is_authenticated
    vouching_services.member_suspend(
        member=ann,
        moderator=mod,
        until=timezone.now() + timedelta(days=7),
        reason="harassment",
        note="Harassment.",
    )
    ann.refresh_from_db()
    assert ann.standing == "suspended"
    assert not her_browser.get(reverse("home")).context["user"].is_authenticated
    assert client_for(community["bob"]).get(ann.get_absolute_url()).status_code == 404
    suspended = ModerationRecord.objects.get(action="suspend")
    assert suspended.before["standing"] == "vouched" and suspended.after["standing"] == "suspended"
    forfeits = ModerationRecord.objects.filter(action="forfeit", cause=suspended)
    assert {r.member for r in forfeits} == {community["f1"], community["f2"]}


def test_reinstate_undoes_the_ban_and_its_forfeits(community):
    mod = ModeratorFactory()
    ann = community["ann"]
    vouching_services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam.")
    assert PledgeForfeit.objects.in_force().count() == 2
    vouching_services.member_reinstate(
        member=ann, moderator=mod, note="Identity confirmed: not a scam."
    )
    ann.refresh_from_db()
    assert ann.banned_at is None and ann.standing in ("vouched", "pending")
    assert PledgeForfeit.objects.in_force().count() == 0
    assert ModerationRecord.objects.filter(action="reinstate").exists()
    with pytest.raises(ValidationError, match="neither suspended nor banned"):
        vouching_services.member_reinstate(member=ann, moderator=mod, note="Again.")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "", "note": "x"}, "Choose a reason"),
        ({"reason": "scam", "note": " "}, "Explain the action"),
    ],
)
def test_actions_need_a_reason_and_an_explanation(community, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        vouching_services.member_ban(
            member=community["bob"], moderator=ModeratorFactory(), **kwargs
        )
    assert not ModerationRecord.objects.filter(action="ban").exists()


def test_member_pages_and_profiles_disappear_at_once_when_banned(client_for):
    lena = woman(member__display_name="Lena")
    viewer = VouchedMemberFactory()
    assert client_for(viewer).get(lena.member.get_absolute_url()).status_code == 200
    vouching_services.member_ban(
        member=lena.member, moderator=ModeratorFactory(), reason="fake", note="Fake."
    )
    assert client_for(viewer).get(lena.member.get_absolute_url()).status_code == 404
    profile_url = reverse("matchmaking:person", args=[lena.member.public_id])
    assert client_for(viewer).get(profile_url).status_code == 404


@pytest.fixture
def matched():
    from matchmaking.services.matches import match_create

    lena, jon = woman(member__display_name="Lena"), woman(member__display_name="Jon")
    match = match_create(lena.member, jon.member, source="mutual")
    matchmaking_services.message_send(match=match, sender=lena.member, body="Hello Jon!")
    return lena.member, jon.member, match


@pytest.mark.parametrize("removal", ["ban", "suspend"])
def test_a_moderated_match_disappears_and_cannot_write(matched, client_for, removal):
    from matchmaking import selectors

    lena, jon, match = matched
    mod = ModeratorFactory()
    if removal == "ban":
        vouching_services.member_ban(member=jon, moderator=mod, reason="scam", note="Scam.")
    else:
        vouching_services.member_suspend(
            member=jon,
            moderator=mod,
            until=timezone.now() + timedelta(days=3),
            reason="scam",
            note="Scam.",
        )
    assert not selectors.matches_of(member=lena).exists()
    assert client_for(lena).get(reverse("matchmaking:match", args=[match.pk])).status_code == 404
    assert "Jon" not in client_for(lena).get(reverse("matchmaking:matches")).text
    for sender in (lena, jon):  # neither direction
        with pytest.raises(ValidationError, match="not available|suspended|banned"):
            matchmaking_services.message_send(match=match, sender=sender, body="Still there?")
    assert match.messages.count() == 1
    assert not selectors.matches_of(member=jon).exists()


def test_introductions_with_a_moderated_member_are_hidden_and_refused(community):
    from matchmaking import selectors
    from matchmaking.models import Introduction

    ann, bob, cat = community["ann"], community["bob"], community["cat"]
    introduction = Introduction.objects.create(
        kind="offered",
        intermediary=ann,
        person_a=bob,
        person_b=cat,
        note="You two would get along.",
        status="people",
        introduced_at=timezone.now(),
    )
    assert selectors.introductions_for(member=bob)["to_answer"].exists()
    vouching_services.member_ban(
        member=cat, moderator=ModeratorFactory(), reason="fake", note="Fake."
    )
    assert not selectors.introductions_for(member=bob)["to_answer"].exists()
    assert not selectors.introductions_for(member=ann)["mine"].exists()
    with pytest.raises(ValidationError, match="cannot be reached"):
        matchmaking_services.introduction_respond(
            introduction=introduction, member=bob, accept=True
        )
    introduction.refresh_from_db()
    assert introduction.a_accepted_at is None and introduction.status == "people"


def test_a_ban_signs_the_member_out_of_every_session(community, client_for):
    bob = community["bob"]
    browser = client_for(bob)
    assert browser.get(reverse("home")).context["user"].is_authenticated
    vouching_services.member_ban(
        member=bob, moderator=ModeratorFactory(), reason="scam", note="Scam."
    )
    assert not browser.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.parametrize(
    ("until", "error"),
    [
        ("", "Choose until when."),
        ("not-a-date", "Enter a valid date."),
        ("2001-01-01", "Choose a date in the future."),
        ("today", "Choose a date in the future."),
    ],
)
def test_bad_suspension_dates_are_refused_by_the_console(
    with_second_factor, community, until, error
):
    client = with_second_factor(ModeratorFactory())
    if until == "today":
        until = timezone.localdate().isoformat()
    bob = community["bob"]
    url = reverse("moderation:member_action", args=[bob.public_id, "suspend"])
    response = client.post(url, {"reason": "scam", "note": "Scam.", "until": until})
    assert response.status_code == 200 and error in response.text
    assert "Before you confirm" not in response.text
    assert not Member.objects.moderated().exists()


@pytest.mark.django_db
def test_closing_an_account_in_the_admin_hides_it_at_once(with_second_factor):
    """An account closed in the admin is out of every trust path and browse page on the
    next request: the graph generation moves, so no cached answer from before is used."""
    from vouching.trust import paths

    superuser = MemberFactory(is_staff=True, is_superuser=True)
    member = MemberFactory()
    generation = paths.current_generation()
    assert member.pk not in paths.hidden_members(generation)  # cached as it was
    admin = with_second_factor(superuser)
    url = reverse("admin:vouching_member_change", args=[member.pk])
    base = {"email": member.email, "display_name": member.display_name}
    response = admin.post(url, {**base, "is_active": "on", "display_name": "Renamed"})
    assert response.status_code == 302
    assert paths.current_generation() == generation, "a new name changes no trust"
    response = admin.post(url, base)  # "active" unticked
    assert response.status_code == 302
    assert paths.current_generation() > generation
    assert member.pk in paths.hidden_members(paths.current_generation())


def test_banning_someone_who_vouched_for_the_moderator_revokes_that_vouch_too(community):
    """Revoking every vouch the banned member gave includes one for the moderator: that
    costs the moderator, it is not moderating oneself."""
    mod = ModeratorFactory()
    for_mod = VouchFactory(voucher=community["bob"], vouchee=mod)
    vouching_services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note="F.", revoke_given=True
    )
    for_mod.refresh_from_db()
    assert for_mod.status == "revoked"
    assert not Vouch.objects.active().given_by(community["bob"]).exists()
    assert Member.objects.get(pk=community["bob"].pk).is_banned
