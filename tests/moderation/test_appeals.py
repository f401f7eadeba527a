"""Appeals: once per action, and an upheld appeal undoes only its own action."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import ModeratorFactory, VouchedMemberFactory, VouchFactory
from vouching import services as vouching_services
from vouching.models import Appeal, Member, ModerationRecord, PledgeForfeit, Vouch

pytestmark = pytest.mark.django_db


def test_appeal_once_and_an_upheld_appeal_undoes_the_action(community, client_for):
    mod = ModeratorFactory()
    vouch = community["ann_bob"]
    vouching_services.vouch_revoke(
        vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met."
    )
    revoke = ModerationRecord.objects.get(action="revoke_vouch")
    client = client_for(community["ann"])
    home = client.get(reverse("home")).text
    assert "Never met." in home and reverse("vouching:appeal", args=[revoke.pk]) in home
    response = client.post(
        reverse("vouching:appeal", args=[revoke.pk]), {"text": "We are cousins; ask Bob."}
    )
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="already appealed"):
        vouching_services.appeal_file(member=community["ann"], entry=revoke, text="Again")
    assert (
        client_for(community["bob"]).get(reverse("vouching:appeal", args=[revoke.pk])).status_code
        == 404
    )
    appeal = Appeal.objects.get()
    vouching_services.appeal_decide(
        appeal=appeal, moderator=mod, uphold=True, note="Confirmed cousins."
    )
    vouch.refresh_from_db()
    assert vouch.status == "accepted"
    assert not PledgeForfeit.objects.in_force().exists()
    assert ModerationRecord.objects.filter(action="appeal_upheld", cause=revoke).exists()


def appeal_of(entry: ModerationRecord) -> Appeal:
    return vouching_services.appeal_file(
        member=entry.member, entry=entry, text="Please look again."
    )


def test_upholding_an_appeal_against_a_suspension_reinstates_and_lifts(community):
    mod = ModeratorFactory()
    cat = community["cat"]
    entry = vouching_services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    vouching_services.appeal_decide(
        appeal=appeal_of(entry), moderator=mod, uphold=True, note="Wrong."
    )
    cat.refresh_from_db()
    assert not cat.is_suspended and not PledgeForfeit.objects.in_force().exists()
    assert ModerationRecord.objects.filter(action="reinstate", cause=entry).exists()


def test_upholding_a_ban_appeal_reinstates(community):
    mod = ModeratorFactory()
    entry = vouching_services.member_ban(
        member=community["cat"], moderator=mod, reason="fake", note="F."
    )
    vouching_services.appeal_decide(
        appeal=appeal_of(entry), moderator=mod, uphold=True, note="Real."
    )
    assert Member.objects.get(pk=community["cat"].pk).banned_at is None
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_ban_appeal_leaves_the_suspension_it_came_on_top_of(community):
    """Suspended, then banned: a wrong ban is undone, the suspension and its forfeits
    stand; upholding the suspension's own appeal later lets the member back in."""
    mod = ModeratorFactory()
    cat = community["cat"]
    suspension = vouching_services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    forfeits = set(PledgeForfeit.objects.in_force().values_list("pk", flat=True))
    assert forfeits
    ban = vouching_services.member_ban(member=cat, moderator=mod, reason="scam", note="B.")
    vouching_services.appeal_decide(
        appeal=appeal_of(ban), moderator=mod, uphold=True, note="Not a ban."
    )
    cat.refresh_from_db()
    assert not cat.is_banned and cat.is_suspended
    assert forfeits <= set(PledgeForfeit.objects.in_force().values_list("pk", flat=True))
    vouching_services.appeal_decide(
        appeal=appeal_of(suspension), moderator=mod, uphold=True, note="No."
    )
    cat.refresh_from_db()
    assert not cat.is_banned and not cat.is_suspended
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_an_old_suspension_appeal_does_not_lift_a_later_ban(community):
    mod = ModeratorFactory()
    cat = community["cat"]
    suspension = vouching_services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    ban = vouching_services.member_ban(
        member=cat, moderator=mod, reason="scam", note="Banned for good."
    )
    outcome = vouching_services.appeal_decide(
        appeal=appeal_of(suspension), moderator=mod, uphold=True, note="That one was wrong."
    )
    cat.refresh_from_db()
    assert cat.is_banned, "the later, separate ban stands"
    assert not ModerationRecord.objects.filter(action="reinstate").exists()
    assert outcome.notes
    # The suspension's forfeits are lifted; the ban in force costs the vouchers again.
    lifted = PledgeForfeit.objects.filter(lifted_at__isnull=False)
    assert {f.voucher_id for f in lifted} == {community["ann"].pk, community["bob"].pk}
    standing = ModerationRecord.objects.filter(action="forfeit", cause=ban)
    assert {r.member_id for r in standing} == {community["ann"].pk, community["bob"].pk}


def test_upholding_an_appeal_against_an_expired_suspension_lifts_its_forfeits(community):
    mod = ModeratorFactory()
    cat = community["cat"]
    entry = vouching_services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=2),
        reason="scam",
        note="S.",
    )
    Member.objects.filter(pk=cat.pk).update(suspended_until=timezone.now() - timedelta(hours=1))
    assert PledgeForfeit.objects.in_force().count() == 2
    vouching_services.appeal_decide(
        appeal=appeal_of(entry), moderator=mod, uphold=True, note="Wrong."
    )
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_forfeit_appeal_lifts_only_that_forfeit(community):
    mod = ModeratorFactory()
    vouching_services.member_ban(
        member=community["ann"], moderator=mod, reason="scam", note="Scam."
    )
    forfeit_record = ModerationRecord.objects.get(action="forfeit", member=community["f1"])
    vouching_services.appeal_decide(
        appeal=appeal_of(forfeit_record), moderator=mod, uphold=True, note="F1 was misled."
    )
    in_force = set(PledgeForfeit.objects.in_force().values_list("voucher_id", flat=True))
    assert in_force == {community["f2"].pk}


def test_rejecting_an_appeal_undoes_nothing(community):
    mod = ModeratorFactory()
    entry = vouching_services.member_ban(
        member=community["cat"], moderator=mod, reason="fake", note="F."
    )
    appeal = appeal_of(entry)
    vouching_services.appeal_decide(appeal=appeal, moderator=mod, uphold=False, note="It stands.")
    appeal.refresh_from_db()
    assert appeal.status == "rejected" and appeal.decision_note == "It stands."
    assert Member.objects.get(pk=community["cat"].pk).is_banned
    assert PledgeForfeit.objects.in_force().count() == 2
    assert ModerationRecord.objects.filter(action="appeal_rejected", cause=entry).exists()


def test_upholding_a_revocation_restores_the_status_it_had(community):
    mod = ModeratorFactory()
    pending = VouchFactory(voucher=community["f2"], vouchee=community["cat"], status="pending")
    vouching_services.vouch_revoke(vouch=pending, moderator=mod, reason="bad_vouch", note="Odd.")
    entry = ModerationRecord.objects.get(action="revoke_vouch")
    vouching_services.appeal_decide(
        appeal=appeal_of(entry), moderator=mod, uphold=True, note="Fine."
    )
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.ended_at is None
    assert pending.revocation_reason == "" and pending.revoked_by is None
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_revocation_when_the_pair_vouched_again_is_no_error(
    with_second_factor, community
):
    mod = ModeratorFactory()
    old = community["ann_bob"]
    vouching_services.vouch_revoke(vouch=old, moderator=mod, reason="bad_vouch", note="Never met.")
    appeal = appeal_of(ModerationRecord.objects.get(action="revoke_vouch"))
    newer = VouchFactory(voucher=community["ann"], vouchee=community["bob"])  # written since
    response = with_second_factor(mod).post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {"decision": "uphold", "note": "They are cousins."},
        follow=True,
    )
    assert response.status_code == 200
    assert "the old vouch stays revoked" in response.text
    appeal.refresh_from_db()
    old.refresh_from_db()
    assert appeal.status == "upheld" and old.status == "revoked"
    assert Vouch.objects.get(pk=newer.pk).status == "accepted"
    assert not PledgeForfeit.objects.in_force().exists()


def test_a_moderator_revoked_pair_cannot_vouch_again_unless_appeal_undoes_it(
    community, member, vouch_fields
):
    mod = ModeratorFactory()
    target = VouchedMemberFactory(display_name="Zed")
    vouch = VouchFactory(voucher=member, vouchee=target)
    vouching_services.vouch_revoke(
        vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met."
    )
    with pytest.raises(ValidationError, match="A moderator revoked your vouch for Zed"):
        vouching_services.vouch_create(voucher=member, vouchee=target, fields=vouch_fields)
    assert Vouch.objects.given_by(member).received_by(target).count() == 1
    # Upheld on appeal: the revocation is undone, and with it the refusal.
    newer = VouchFactory(voucher=member, vouchee=target)
    vouching_services.appeal_decide(
        appeal=appeal_of(ModerationRecord.objects.get(action="revoke_vouch")),
        moderator=mod,
        uphold=True,
        note="They know each other.",
    )
    vouching_services.vouch_withdraw(vouch=newer, member=member)
    assert vouching_services.vouch_create(voucher=member, vouchee=target, fields=vouch_fields).pk


def test_simultaneous_appeals_and_forfeits_do_not_fail(community, monkeypatch):
    from django.db.models import QuerySet

    from vouching.services import pledges

    mod = ModeratorFactory()
    entry = vouching_services.vouch_revoke(
        vouch=community["ann_bob"], moderator=mod, reason="bad_vouch", note="Never met."
    )
    record = ModerationRecord.objects.get(action="revoke_vouch")
    appeal_of(record)
    exists = QuerySet.exists
    with monkeypatch.context() as patch:  # as if the other request had not committed yet
        patch.setattr(QuerySet, "exists", lambda qs: False if qs.model is Appeal else exists(qs))
        with pytest.raises(ValidationError, match="already appealed"):
            vouching_services.appeal_file(member=community["ann"], entry=record, text="Again")
    assert Appeal.objects.count() == 1
    monkeypatch.setattr(pledges, "vouches_to_forfeit", lambda ids: set(ids))
    assert vouching_services.pledge_forfeit(vouch=entry[0], reason="vouch_revoked") is None
    assert PledgeForfeit.objects.count() == 1


def test_an_appeal_decision_must_be_chosen(with_second_factor, community):
    mod = ModeratorFactory()
    entry = vouching_services.member_ban(
        member=community["cat"], moderator=mod, reason="fake", note="F."
    )
    appeal = appeal_of(entry)
    response = with_second_factor(mod).post(
        reverse("moderation:appeal_decide", args=[appeal.pk]), {"note": "Hmm."}, follow=True
    )
    assert "Choose whether to uphold or reject the appeal." in response.text
    appeal.refresh_from_db()
    assert appeal.status == "open"
