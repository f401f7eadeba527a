"""The preview is what happens: who would lose standing, whose pledge would go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, ModeratorFactory, VouchFactory
from tests.moderation.previewing import lost_after
from vouching import services as vouching_services
from vouching.models import Member, ModerationRecord, PledgeForfeit, Vouch

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", ["revoke bad vouch", "ban", "ban and revoke given", "suspend"])
def test_preview_equals_what_actually_happens(community, case):
    mod = ModeratorFactory()
    ann, bob, cat = community["ann"], community["bob"], community["cat"]
    if case == "revoke bad vouch":
        dot = MemberFactory(display_name="Dot")  # carried by Bob alone
        vouch = VouchFactory(voucher=bob, vouchee=dot)
        vouching_services.trust_graph_changed()
        vouching_services.trust_recalculate()
        assert Member.objects.get(pk=dot.pk).in_good_standing
        preview = vouching_services.moderation_preview(revoke=[vouch], bad_vouches=[vouch])
        vouching_services.vouch_revoke(
            vouch=vouch, moderator=mod, reason="bad_vouch", note="False vouch."
        )
    elif case == "suspend":
        preview = vouching_services.moderation_preview(remove=[ann])
        vouching_services.member_suspend(
            member=ann,
            moderator=mod,
            until=timezone.now() + timedelta(days=30),
            reason="harassment",
            note="Harassed two members.",
        )
    else:
        given = list(Vouch.objects.active().given_by(ann)) if "revoke" in case else []
        preview = vouching_services.moderation_preview(remove=[ann], revoke=given)
        vouching_services.member_ban(
            member=ann,
            moderator=mod,
            reason="scam",
            note="Asked members for money.",
            revoke_given="revoke" in case,
        )
    run = vouching_services.trust_recalculate()
    actually_lost = lost_after(run) - {m.pk for m in preview.removed}
    assert preview.losing, "the case must cost someone their standing to prove anything"
    assert {m.pk for m in preview.losing} == actually_lost
    if case.startswith("ban") or case == "suspend":
        assert {m.pk for m in preview.removed} == {ann.pk}
        assert {m.pk for m in preview.forfeiting} == {community["f1"].pk, community["f2"].pk}
        assert {m.pk for m in preview.losing} == {cat.pk}
    else:
        assert {m.pk for m in preview.losing} == {dot.pk}
        assert {m.pk for m in preview.forfeiting} == {bob.pk}
    assert set(PledgeForfeit.objects.values_list("voucher_id", flat=True)) == {
        m.pk for m in preview.forfeiting
    }


def test_preview_changes_nothing(community):
    vouch = community["ann_bob"]
    generation = vouching_services.trust_recalculate(force=True).generation
    vouching_services.moderation_preview(
        revoke=[vouch], remove=[community["bob"]], bad_vouches=[vouch]
    )
    vouch.refresh_from_db()
    assert vouch.status == "accepted" and not ModerationRecord.objects.exists()
    assert not PledgeForfeit.objects.exists()
    assert vouching_services.trust_recalculate(force=True).generation == generation


def test_ban_reinstate_ban_again_forfeits_again_as_previewed(community):
    mod = ModeratorFactory()
    ann = community["ann"]
    vouching_services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam.")
    vouching_services.member_reinstate(member=ann, moderator=mod, note="Not a scam after all.")
    vouching_services.trust_recalculate()
    assert not PledgeForfeit.objects.in_force().exists()
    preview = vouching_services.moderation_preview(remove=[ann])
    assert {m.pk for m in preview.forfeiting} == {community["f1"].pk, community["f2"].pk}
    vouching_services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam, proven.")
    in_force = set(PledgeForfeit.objects.in_force().values_list("voucher_id", flat=True))
    assert in_force == {m.pk for m in preview.forfeiting}
    run = vouching_services.trust_recalculate()
    assert preview.losing and {m.pk for m in preview.losing} == lost_after(run) - {ann.pk}


def test_a_forfeit_in_force_is_not_doubled_nor_previewed_twice(community):
    mod = ModeratorFactory()
    cat = community["cat"]
    vouching_services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=5),
        reason="harassment",
        note="Rude.",
    )
    assert PledgeForfeit.objects.count() == 2
    assert vouching_services.moderation_preview(remove=[cat]).forfeiting == []
    vouching_services.member_ban(member=cat, moderator=mod, reason="harassment", note="Again.")
    assert PledgeForfeit.objects.count() == 2


def test_the_preview_uses_the_configured_metric(community, settings):
    # Under "naive" (three vouched vouchers) nobody but the founders stands; nobody loses.
    settings.PLEDGE_TRUST_METRIC = "naive"
    vouching_services.trust_recalculate(force=True)
    preview = vouching_services.moderation_preview(remove=[community["ann"]])
    assert preview.losing == []
    settings.PLEDGE_TRUST_METRIC = "pledge"
    vouching_services.trust_recalculate(force=True)
    preview = vouching_services.moderation_preview(remove=[community["ann"]])
    assert community["cat"] in preview.losing
