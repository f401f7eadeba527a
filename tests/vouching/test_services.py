import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from tests.factories import (
    FounderFactory,
    InvitationFactory,
    MemberFactory,
    VouchedMemberFactory,
    VouchFactory,
    days_ago,
)
from vouching import services
from vouching.models import Invitation, Member, TrustState, Vouch
from vouching.selectors import InvitationUnusable, invitation_token, vouch_quota_remaining

pytestmark = pytest.mark.django_db


def refusal_code(excinfo) -> str:
    return excinfo.value.code or next(iter(excinfo.value.error_dict.values()))[0].code


# WHO MAY VOUCH ------------------------------------------------------------------------


def test_member_in_good_standing_with_enough_vouches_may_vouch(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    assert vouch.status == Vouch.Status.PENDING
    assert vouch.voucher == member and vouch.vouchee == stranger


def test_pending_member_may_not_vouch(newcomer, stranger, vouch_fields):
    VouchFactory(voucher=FounderFactory(), vouchee=newcomer)
    VouchFactory(voucher=FounderFactory(), vouchee=newcomer)
    with pytest.raises(ValidationError, match="good standing") as excinfo:
        services.vouch_create(voucher=newcomer, vouchee=stranger, fields=vouch_fields)
    assert excinfo.value.code == "not_allowed"
    assert not Vouch.objects.given_by(newcomer).exists()


@pytest.mark.parametrize(
    "moderation", [{"banned_at": timezone.now()}, {"suspended_until": days_ago(-3)}]
)
def test_moderated_member_may_not_vouch(member, stranger, vouch_fields, moderation):
    Member.objects.filter(pk=member.pk).update(**moderation)
    member.refresh_from_db()
    with pytest.raises(ValidationError, match="good standing"):
        services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)


def test_suspension_that_ended_no_longer_blocks(member, stranger, vouch_fields):
    Member.objects.filter(pk=member.pk).update(suspended_until=days_ago(1))
    member.refresh_from_db()
    assert services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)


def test_member_needs_min_vouches_before_vouching(stranger, vouch_fields, settings):
    settings.MIN_VOUCHES_TO_VOUCH = 2
    voucher = VouchedMemberFactory()
    VouchFactory(voucher=FounderFactory(), vouchee=voucher)
    with pytest.raises(ValidationError, match="once 2 members vouch for you") as excinfo:
        services.vouch_create(voucher=voucher, vouchee=stranger, fields=vouch_fields)
    assert excinfo.value.code == "not_allowed"
    # Vouches that were not accepted, or were withdrawn, do not count.
    VouchFactory(voucher=FounderFactory(), vouchee=voucher, status=Vouch.Status.PENDING)
    VouchFactory(voucher=FounderFactory(), vouchee=voucher, status=Vouch.Status.WITHDRAWN)
    with pytest.raises(ValidationError):
        services.vouch_create(voucher=voucher, vouchee=stranger, fields=vouch_fields)
    VouchFactory(voucher=FounderFactory(), vouchee=voucher)
    assert services.vouch_create(voucher=voucher, vouchee=stranger, fields=vouch_fields)


def test_min_vouches_setting_is_honoured(stranger, vouch_fields, settings):
    settings.MIN_VOUCHES_TO_VOUCH = 1
    voucher = VouchedMemberFactory()
    VouchFactory(voucher=FounderFactory(), vouchee=voucher)
    assert services.vouch_create(voucher=voucher, vouchee=stranger, fields=vouch_fields)


def test_founder_is_exempt_from_min_vouches(founder, stranger, vouch_fields):
    assert services.vouch_create(voucher=founder, vouchee=stranger, fields=vouch_fields)


def test_no_self_vouch(member, vouch_fields):
    with pytest.raises(ValidationError, match="yourself"):
        services.vouch_create(voucher=member, vouchee=member, fields=vouch_fields)


def test_self_vouch_refused_by_database_too(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        VouchFactory(voucher=member, vouchee=member)


def test_cannot_vouch_for_banned_member(member, stranger, vouch_fields):
    Member.objects.filter(pk=stranger.pk).update(banned_at=timezone.now())
    with pytest.raises(ValidationError, match="cannot receive vouches"):
        services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)


def test_one_active_vouch_per_pair(member, stranger, vouch_fields):
    services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    with pytest.raises(ValidationError, match="not answered yet") as excinfo:
        services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    assert excinfo.value.code == "duplicate"
    Vouch.objects.filter(voucher=member).update(status=Vouch.Status.ACCEPTED)
    with pytest.raises(ValidationError, match="already vouch for"):
        services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    assert Vouch.objects.given_by(member).count() == 1


def test_one_active_vouch_per_pair_in_database(member, stranger):
    VouchFactory(voucher=member, vouchee=stranger, status=Vouch.Status.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        VouchFactory(voucher=member, vouchee=stranger, status=Vouch.Status.ACCEPTED)
    # Ended vouches do not block a new one.
    Vouch.objects.filter(voucher=member).update(status=Vouch.Status.WITHDRAWN)
    VouchFactory(voucher=member, vouchee=stranger, status=Vouch.Status.PENDING)


def test_both_directions_are_separate_pledges(member, vouch_fields):
    other = VouchedMemberFactory()
    VouchFactory(voucher=FounderFactory(), vouchee=other)
    VouchFactory(voucher=FounderFactory(), vouchee=other)
    services.vouch_create(voucher=member, vouchee=other, fields=vouch_fields)
    assert services.vouch_create(voucher=other, vouchee=member, fields=vouch_fields)


def test_can_vouch_again_after_withdrawing(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_withdraw(vouch=vouch, member=member)
    assert services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)


def test_recently_declined_vouch_blocks_a_new_one(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_decline(vouch=vouch, member=stranger)
    with pytest.raises(ValidationError, match="declined your vouch recently"):
        services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    Vouch.objects.filter(pk=vouch.pk).update(responded_at=days_ago(91))
    assert services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("statement", "Too short.", "at least 40"),
        ("statement", "x" * 2001, "at most 2000"),
        ("strength", 4, "not a valid choice"),
        ("strength", 0, "not a valid choice"),
        ("relationship", "lover", "not a valid choice"),
        ("known_for", "forever", "not a valid choice"),
    ],
)
def test_invalid_vouch_fields_are_refused(member, stranger, vouch_fields, field, value, message):
    fields = services.VouchTerms(**{**vouch_fields.__dict__, field: value})
    with pytest.raises(ValidationError, match=message) as excinfo:
        services.vouch_create(voucher=member, vouchee=stranger, fields=fields)
    assert field in excinfo.value.error_dict
    assert not Vouch.objects.given_by(member).exists()


# QUOTA --------------------------------------------------------------------------------


def test_quota_counts_vouches_and_invitations(member, vouch_fields, settings):
    settings.VOUCH_QUOTA = 3
    services.vouch_create(voucher=member, vouchee=VouchedMemberFactory(), fields=vouch_fields)
    services.invitation_create(inviter=member, email="new@example.com", fields=vouch_fields)
    assert vouch_quota_remaining(member=member) == 1
    services.vouch_create(voucher=member, vouchee=VouchedMemberFactory(), fields=vouch_fields)
    with pytest.raises(ValidationError, match="used all 3") as excinfo:
        services.invitation_create(inviter=member, email="more@example.com", fields=vouch_fields)
    assert refusal_code(excinfo) == "quota"
    with pytest.raises(ValidationError, match="used all 3"):
        services.vouch_create(voucher=member, vouchee=VouchedMemberFactory(), fields=vouch_fields)
    assert Invitation.objects.count() == 1


def test_withdrawn_vouches_still_count_towards_quota(member, vouch_fields, settings):
    settings.VOUCH_QUOTA = 1
    vouch = services.vouch_create(
        voucher=member, vouchee=VouchedMemberFactory(), fields=vouch_fields
    )
    services.vouch_withdraw(vouch=vouch, member=member)
    with pytest.raises(ValidationError, match="used all 1"):
        services.vouch_create(voucher=member, vouchee=VouchedMemberFactory(), fields=vouch_fields)


def test_quota_window_slides(member, vouch_fields, settings):
    settings.VOUCH_QUOTA = 1
    VouchFactory(voucher=member, vouchee=VouchedMemberFactory(), created_at=days_ago(7.01))
    assert vouch_quota_remaining(member=member) == 1
    VouchFactory(voucher=member, vouchee=VouchedMemberFactory(), created_at=days_ago(6.9))
    assert vouch_quota_remaining(member=member) == 0


def test_vouch_made_from_an_invitation_is_counted_once(founder, settings):
    settings.VOUCH_QUOTA = 5
    invitation = InvitationFactory(inviter=founder)
    services.member_join(
        token=invitation_token(invitation),
        member=Member(email=invitation.email, display_name="Newcomer"),
    )
    assert vouch_quota_remaining(member=founder) == 4


def race(*attempts) -> list[str]:
    """Run the attempts in parallel threads, released together; their outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes = []

    def run(attempt):
        try:
            barrier.wait(timeout=10)
            attempt()
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_quota_holds_under_concurrent_requests(vouch_fields, settings):
    """Two parallel requests with one vouch left: exactly one passes."""
    settings.VOUCH_QUOTA = 1
    voucher = FounderFactory()
    a = VouchedMemberFactory()
    outcomes = race(
        lambda: services.vouch_create(voucher=voucher, vouchee=a, fields=vouch_fields),
        lambda: services.invitation_create(
            inviter=voucher, email="x@example.com", fields=vouch_fields
        ),
    )
    assert outcomes == ["ok", "quota"]
    assert Vouch.objects.given_by(voucher).count() + Invitation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_duplicate_vouch_in_parallel_creates_one(vouch_fields):
    voucher = FounderFactory()
    target = VouchedMemberFactory()

    def attempt():
        services.vouch_create(voucher=voucher, vouchee=target, fields=vouch_fields)

    assert race(attempt, attempt) == ["duplicate", "ok"]
    assert Vouch.objects.given_by(voucher).count() == 1


# ANSWERING AND WITHDRAWING ------------------------------------------------------------


def test_accept_counts_the_vouch_and_marks_graph_dirty(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    before = TrustState.load().generation
    services.vouch_accept(vouch=vouch, member=stranger)
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.ACCEPTED and vouch.responded_at is not None
    state = TrustState.load()
    assert state.generation == before + 1 and state.dirty


def test_pending_vouch_does_not_touch_the_graph(member, stranger, vouch_fields):
    before = TrustState.load().generation
    services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    assert TrustState.load().generation == before


def test_accept_twice_is_harmless(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_accept(vouch=vouch, member=stranger)
    generation = TrustState.load().generation
    services.vouch_accept(vouch=vouch, member=stranger)
    assert TrustState.load().generation == generation


def test_only_the_vouchee_answers(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    with pytest.raises(ValidationError, match="Only the person vouched for"):
        services.vouch_accept(vouch=vouch, member=member)
    with pytest.raises(ValidationError, match="Only the person vouched for"):
        services.vouch_decline(vouch=vouch, member=VouchedMemberFactory())
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.PENDING


def test_withdrawn_vouch_cannot_be_accepted(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_withdraw(vouch=vouch, member=member)
    with pytest.raises(ValidationError, match="no longer be accepted: withdrawn"):
        services.vouch_accept(vouch=vouch, member=stranger)


def test_declined_vouch_cannot_then_be_accepted(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_decline(vouch=vouch, member=stranger)
    with pytest.raises(ValidationError, match="no longer be accepted"):
        services.vouch_accept(vouch=vouch, member=stranger)


def test_withdraw_accepted_vouch_changes_graph(member, stranger):
    vouch = VouchFactory(voucher=member, vouchee=stranger)
    before = TrustState.load().generation
    services.vouch_withdraw(vouch=vouch, member=member)
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.WITHDRAWN and vouch.ended_at
    assert TrustState.load().generation == before + 1


def test_withdraw_pending_vouch_leaves_graph(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    before = TrustState.load().generation
    services.vouch_withdraw(vouch=vouch, member=member)
    assert TrustState.load().generation == before


def test_only_the_voucher_withdraws(member, stranger):
    vouch = VouchFactory(voucher=member, vouchee=stranger)
    with pytest.raises(ValidationError, match="Only the voucher"):
        services.vouch_withdraw(vouch=vouch, member=stranger)
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.ACCEPTED


def test_withdraw_declined_vouch_refused(member, stranger, vouch_fields):
    vouch = services.vouch_create(voucher=member, vouchee=stranger, fields=vouch_fields)
    services.vouch_decline(vouch=vouch, member=stranger)
    with pytest.raises(ValidationError, match="no longer stands"):
        services.vouch_withdraw(vouch=vouch, member=member)


# INVITATIONS --------------------------------------------------------------------------


def test_invitation_create(member, vouch_fields, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation = services.invitation_create(
            inviter=member,
            email="  New.Person@Example.com ",
            fields=vouch_fields,
            language="zh-hans",
        )
    assert invitation.email == "new.person@example.com"
    assert invitation.status == Invitation.Status.OPEN
    assert invitation.language == "zh-hans"
    assert abs((invitation.expires_at - timezone.now()) - timedelta(days=14)) < timedelta(minutes=1)
    assert len(callbacks) == 1  # the email goes out after commit


def test_invitation_for_existing_member_refused(member, stranger, vouch_fields):
    with pytest.raises(ValidationError, match="already a member"):
        services.invitation_create(inviter=member, email=stranger.email, fields=vouch_fields)


def test_invitation_to_self_refused(member, vouch_fields):
    with pytest.raises(ValidationError, match="cannot invite yourself"):
        services.invitation_create(inviter=member, email=member.email.upper(), fields=vouch_fields)


def test_second_open_invitation_to_same_address_refused(member, vouch_fields):
    services.invitation_create(inviter=member, email="x@example.com", fields=vouch_fields)
    with pytest.raises(ValidationError, match="already invited") as excinfo:
        services.invitation_create(inviter=member, email="X@example.com", fields=vouch_fields)
    assert "email" in excinfo.value.error_dict


def test_expired_invitation_can_be_renewed(member, vouch_fields):
    old = InvitationFactory(inviter=member, email="x@example.com", expires_at=days_ago(1))
    new = services.invitation_create(inviter=member, email="x@example.com", fields=vouch_fields)
    old.refresh_from_db()
    assert old.status == Invitation.Status.EXPIRED
    assert new.status == Invitation.Status.OPEN


def test_invitation_rules_are_the_vouching_rules(newcomer, vouch_fields):
    with pytest.raises(ValidationError, match="good standing"):
        services.invitation_create(inviter=newcomer, email="x@example.com", fields=vouch_fields)
    assert not Invitation.objects.exists()


def test_vouch_or_invite_vouches_for_existing_member(member, stranger, vouch_fields):
    result = services.vouch_or_invite(
        voucher=member, email=stranger.email.upper(), fields=vouch_fields
    )
    assert isinstance(result, Vouch) and result.vouchee == stranger
    result = services.vouch_or_invite(
        voucher=member, email="fresh@example.com", fields=vouch_fields
    )
    assert isinstance(result, Invitation)


def test_invitation_withdraw(member):
    invitation = InvitationFactory(inviter=member)
    services.invitation_withdraw(invitation=invitation, member=member)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.WITHDRAWN
    with pytest.raises(InvitationUnusable) as excinfo:
        services.member_join(
            token=invitation_token(invitation),
            member=Member(email=invitation.email, display_name="Late"),
        )
    assert excinfo.value.reason == "withdrawn"


def test_only_inviter_withdraws_invitation(member, stranger):
    invitation = InvitationFactory(inviter=member)
    with pytest.raises(ValidationError, match="Only the inviter"):
        services.invitation_withdraw(invitation=invitation, member=stranger)


def test_used_invitation_cannot_be_withdrawn(founder):
    invitation = InvitationFactory(inviter=founder)
    services.member_join(
        token=invitation_token(invitation),
        member=Member(email=invitation.email, display_name="Newcomer"),
    )
    with pytest.raises(ValidationError, match="no longer be withdrawn"):
        services.invitation_withdraw(invitation=invitation, member=founder)


def test_member_join_creates_member_and_accepted_vouch(founder):
    invitation = InvitationFactory(inviter=founder, strength=3)
    before = TrustState.load().generation
    joined = services.member_join(
        token=invitation_token(invitation),
        member=Member(email=invitation.email, display_name="Newcomer"),
    )
    vouch = Vouch.objects.get(vouchee=joined)
    assert vouch.voucher == founder and vouch.status == Vouch.Status.ACCEPTED
    assert vouch.strength == 3 and vouch.invitation == invitation
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.member == joined
    assert TrustState.load().generation == before + 1


def test_member_join_turns_other_invitations_into_pending_vouches(founder, member):
    first = InvitationFactory(inviter=founder, email="both@example.com")
    second = InvitationFactory(inviter=member, email="both@example.com")
    joined = services.member_join(
        token=invitation_token(first), member=Member(email="both@example.com", display_name="B")
    )
    second.refresh_from_db()
    assert second.status == Invitation.Status.CONVERTED
    pending = Vouch.objects.get(voucher=member, vouchee=joined)
    assert pending.status == Vouch.Status.PENDING and pending.invitation == second


def test_member_join_with_another_email_refused(founder):
    invitation = InvitationFactory(inviter=founder)
    with pytest.raises(ValidationError, match="address your invitation was sent to"):
        services.member_join(
            token=invitation_token(invitation),
            member=Member(email="someone.else@example.com", display_name="X"),
        )
    assert not Member.objects.filter(email="someone.else@example.com").exists()


def test_invitation_from_banned_inviter_is_unusable(founder):
    invitation = InvitationFactory(inviter=founder)
    Member.objects.filter(pk=founder.pk).update(banned_at=timezone.now())
    with pytest.raises(InvitationUnusable) as excinfo:
        services.member_join(
            token=invitation_token(invitation),
            member=Member(email=invitation.email, display_name="X"),
        )
    assert excinfo.value.reason == "withdrawn"
    assert not Member.objects.filter(email=invitation.email).exists()


# FOUNDERS -----------------------------------------------------------------------------


def test_founder_create(db):
    founder = services.founder_create(
        email="Seed@Example.com", display_name="Seed", password="a-long-test-password-42"
    )
    assert founder.is_founder and founder.email == "seed@example.com"
    assert founder.standing == "vouched" and founder.in_good_standing
    assert founder.check_password("a-long-test-password-42")
    assert founder.emailaddress_set.get().verified


def test_founder_email_must_be_unique(founder):
    with pytest.raises(ValidationError, match="already exists"):
        services.founder_create(email=founder.email.upper(), display_name="Again")


# STANDING -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "trust", "expected"),
    [
        ({}, None, "pending"),
        ({}, False, "pending"),
        ({}, True, "vouched"),
        ({"is_founder": True}, None, "vouched"),
        ({"suspended_until": timezone.now() + timedelta(days=1)}, True, "suspended"),
        ({"suspended_until": timezone.now() - timedelta(days=1)}, True, "vouched"),
        ({"banned_at": timezone.now()}, True, "banned"),
        ({"is_founder": True, "banned_at": timezone.now()}, None, "banned"),
    ],
)
def test_standing_is_derived(fields, trust, expected):
    from vouching.models import TrustScore

    member = MemberFactory(**fields)
    if trust is not None:
        TrustScore.objects.create(member=member, vouched=trust)
    member = Member.objects.select_related("trust").get(pk=member.pk)
    assert member.standing == expected
    in_good_standing = Member.objects.in_good_standing().filter(pk=member.pk).exists()
    assert in_good_standing == (expected == "vouched")
