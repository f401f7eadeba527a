"""Pledge accountability: bad vouches and bans cost the vouchers, on the record."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import FounderFactory, MemberFactory, VouchedMemberFactory, VouchFactory
from vouching import services
from vouching.models import Member, PledgeForfeit, TrustState, Vouch
from vouching.trust.database import load_trust_graph, pledge_weights

pytestmark = pytest.mark.django_db


def send_notices():
    return sum(
        services.forfeit_send_notice(forfeit_id=i) for i in services.forfeit_notices_pending()
    )


def test_revoking_a_bad_vouch_forfeits_the_voucher(moderator, member):
    bad = MemberFactory(display_name="Bad News")
    vouch = VouchFactory(voucher=member, vouchee=bad)
    generation = TrustState.load().generation
    vouch, forfeit = services.vouch_revoke(
        vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake profile, stolen photos."
    )
    assert vouch.status == Vouch.Status.REVOKED and vouch.revoked_by == moderator
    assert vouch.revocation_note == "Fake profile, stolen photos."
    assert forfeit.voucher == member and forfeit.vouchee == bad and forfeit.weight == 0.5
    assert forfeit.until - forfeit.created_at == timedelta(days=services.FORFEIT_DAYS)
    assert forfeit.vouching_suspended_until is None
    assert TrustState.load().generation == generation + 1
    assert pledge_weights() == {member.pk: 0.5}
    graph = load_trust_graph()
    assert graph.pledge_weight[graph.index[member.pk]] == 0.5


@pytest.mark.parametrize("reason", ["mistake", "other"])
def test_revoking_for_other_reasons_costs_nothing(moderator, member, reason):
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory())
    _vouch, forfeit = services.vouch_revoke(
        vouch=vouch, moderator=moderator, reason=reason, note="Asked by both."
    )
    assert forfeit is None and not PledgeForfeit.objects.exists()


@pytest.mark.parametrize(
    ("reason", "note", "field"), [("", "x", "reason"), ("bad_vouch", " ", "note")]
)
def test_revocation_needs_reason_and_note(moderator, member, reason, note, field):
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory())
    with pytest.raises(ValidationError) as excinfo:
        services.vouch_revoke(vouch=vouch, moderator=moderator, reason=reason, note=note)
    assert field in excinfo.value.error_dict
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.ACCEPTED


def test_revoking_twice_forfeits_once(moderator, member):
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory())
    services.vouch_revoke(vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake.")
    with pytest.raises(ValidationError, match="no longer stands"):
        services.vouch_revoke(vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake.")
    assert PledgeForfeit.objects.count() == 1


def test_ban_forfeits_everyone_whose_vouch_stood(moderator):
    banned = MemberFactory()
    a, b, c = VouchedMemberFactory.create_batch(3)
    VouchFactory(voucher=a, vouchee=banned)
    VouchFactory(voucher=b, vouchee=banned)
    VouchFactory(voucher=c, vouchee=banned, status=Vouch.Status.WITHDRAWN)
    services.member_ban(
        member=banned, moderator=moderator, reason="scam", note="Scammed two members."
    )
    assert {f.voucher for f in PledgeForfeit.objects.all()} == {a, b}
    banned.refresh_from_db()
    assert banned.standing == "banned"
    with pytest.raises(ValidationError, match="already banned"):
        services.member_ban(member=banned, moderator=moderator, reason="scam", note="Again.")
    assert PledgeForfeit.objects.count() == 2, "a forfeit once per vouch"


def test_second_forfeit_within_a_year_suspends_the_right_to_vouch(moderator, member):
    first = VouchFactory(voucher=member, vouchee=MemberFactory())
    second = VouchFactory(voucher=member, vouchee=MemberFactory())
    services.vouch_revoke(vouch=first, moderator=moderator, reason="bad_vouch", note="One.")
    member = Member.objects.get(pk=member.pk)
    assert services.vouching_refusal(voucher=member) is None
    _vouch, forfeit = services.vouch_revoke(
        vouch=second, moderator=moderator, reason="bad_vouch", note="Two."
    )
    assert forfeit.vouching_suspended_until == forfeit.until
    refusal = services.vouching_refusal(voucher=Member.objects.get(pk=member.pk))
    assert "Your right to vouch is suspended until" in refusal
    with pytest.raises(ValidationError, match="suspended"):
        services.vouch_create(
            voucher=member,
            vouchee=VouchedMemberFactory(),
            fields=services.VouchTerms("friend", "1to3", 2, "x" * 60),
        )
    # Two forfeits in force: the vouches count for a quarter.
    assert pledge_weights() == {member.pk: 0.25}


def test_forfeits_a_year_apart_do_not_suspend(moderator, member):
    old = VouchFactory(voucher=member, vouchee=MemberFactory())
    services.vouch_revoke(vouch=old, moderator=moderator, reason="bad_vouch", note="Old.")
    PledgeForfeit.objects.update(
        created_at=timezone.now() - timedelta(days=400), until=timezone.now() - timedelta(days=220)
    )
    recent = VouchFactory(voucher=member, vouchee=MemberFactory())
    _vouch, forfeit = services.vouch_revoke(
        vouch=recent, moderator=moderator, reason="bad_vouch", note="New."
    )
    assert forfeit.vouching_suspended_until is None
    assert pledge_weights() == {member.pk: 0.5}, "the old forfeit is no longer in force"


def test_the_voucher_is_told_once_in_their_language(moderator, member):
    Member.objects.filter(pk=member.pk).update(language="zh-hans")
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory(display_name="Bad News"))
    services.vouch_revoke(vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake.")
    assert send_notices() == 1
    assert send_notices() == 0
    assert mail.outbox[0].to == [member.email]
    assert "Bad News" in mail.outbox[0].body and "Fake." in mail.outbox[0].body
    assert "担保" in mail.outbox[0].subject


def test_forfeit_shows_on_the_standing_page(moderator, member, client_for):
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory(display_name="Bad News"))
    services.vouch_revoke(vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake.")
    text = client_for(member).get(reverse("vouching:standing")).text
    assert "Bad News" in text and "Your vouches count for half until" in text


def test_standing_page_says_a_forfeited_vouch_counts_for_less(moderator, client_for):
    founder = FounderFactory(display_name="Founder")
    member = MemberFactory()
    VouchFactory(voucher=founder, vouchee=member, strength=3)
    bad = VouchFactory(voucher=founder, vouchee=MemberFactory(display_name="Bad News"))
    services.vouch_revoke(vouch=bad, moderator=moderator, reason="bad_vouch", note="Fake.")
    services.trust_graph_changed()
    services.trust_recalculate()
    from vouching.selectors import VouchRole, standing_explanation

    explanation = standing_explanation(member=member)
    (only,) = explanation.vouches
    assert only.role == VouchRole.CARRIES and only.forfeited_until is not None
    text = client_for(member).get(reverse("vouching:standing")).text
    assert "It counts for less until" in text and "Founder's pledge was forfeited" in text


def test_standing_change_is_published(django_capture_on_commit_callbacks):
    from vouching.signals import standing_changed

    seen = []

    def receiver(sender, member_ids, generation, **kwargs):
        seen.append((set(member_ids), generation))

    newcomer = MemberFactory()
    VouchFactory(voucher=FounderFactory(), vouchee=newcomer)
    services.trust_graph_changed()
    standing_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = services.trust_recalculate()
    finally:
        standing_changed.disconnect(receiver)
    assert newcomer.pk in run.standing_changed
    assert seen == [(set(run.standing_changed), run.generation)]


def test_home_tells_a_voucher_their_pledge_was_forfeited(moderator, member, client_for):
    vouch = VouchFactory(voucher=member, vouchee=MemberFactory())
    assert "count for less" not in client_for(member).get(reverse("home")).text
    services.vouch_revoke(vouch=vouch, moderator=moderator, reason="bad_vouch", note="Fake.")
    assert "your vouches count for less for a while" in client_for(member).get(reverse("home")).text
