"""Suspicious rings: found, previewed and suspended together."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import FounderFactory, MemberFactory, ModeratorFactory, VouchFactory
from tests.moderation.previewing import confirmation, lost_after
from vouching import services as vouching_services
from vouching.models import Member, ModerationRecord, Vouch
from vouching.trust.rings import suspicious_rings

pytestmark = pytest.mark.django_db


def test_a_dense_recent_ring_is_found_and_the_honest_are_not():
    old = timezone.now() - timedelta(days=400)
    founder = FounderFactory(date_joined=old)
    honest = [MemberFactory(date_joined=timezone.now() - timedelta(days=10)) for _ in range(6)]
    for member in honest:
        VouchFactory(voucher=founder, vouchee=member)
    for a, b in zip(honest, honest[1:], strict=False):
        VouchFactory(voucher=a, vouchee=b)
    ring = [MemberFactory(date_joined=timezone.now() - timedelta(days=5)) for _ in range(6)]
    for a in ring:
        for b in ring:
            if a != b:
                VouchFactory(voucher=a, vouchee=b)
    # One recent honest member was fooled; the older community vouched for none of them.
    VouchFactory(voucher=honest[0], vouchee=ring[0])
    found = suspicious_rings()
    assert len(found) == 1
    assert {m.pk for m in found[0].members} == {m.pk for m in ring}
    assert found[0].density == 1.0 and found[0].outside_vouches == 0
    # Vouches from the older community make a cluster look like honest friends.
    for member in ring:
        VouchFactory(voucher=founder, vouchee=member)
    assert suspicious_rings() == []


def test_rings_page_suspends_through_the_preview(with_second_factor):
    ring = [MemberFactory(date_joined=timezone.now() - timedelta(days=3)) for _ in range(5)]
    for a in ring:
        for b in ring:
            if a != b:
                VouchFactory(voucher=a, vouchee=b)
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    page = client.get(reverse("moderation:rings")).text
    assert all(m.display_name in page for m in ring)
    data = {
        "members": [str(m.public_id) for m in ring],
        "reason": "ring",
        "note": "A vouching ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    preview = client.post(reverse("moderation:rings"), data)
    assert "Before you confirm" in preview.text
    assert not Member.objects.moderated().exists()
    # A forged id is ignored, and the moderator never suspends themselves by it.
    forged = {**data, "members": ["not-a-uuid", str(mod.public_id)]}
    response = client.post(reverse("moderation:rings"), {**forged, "confirm": "1"})
    assert "Choose the members to suspend." in response.text
    assert not Member.objects.moderated().exists()
    client.post(reverse("moderation:rings"), confirmation(preview))
    assert Member.objects.moderated().count() == 5
    assert ModerationRecord.objects.filter(action="suspend", reason="ring").count() == 5


def test_rings_preview_includes_the_vouches_they_gave(with_second_factor, community):
    client = with_second_factor(ModeratorFactory())
    ann = community["ann"]
    data = {
        "members": [str(ann.public_id)],
        "reason": "ring",
        "note": "A ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "revoke_given": "on",
    }
    response = client.post(reverse("moderation:rings"), data)
    preview = response.context["preview"]
    given = set(Vouch.objects.active().given_by(ann).values_list("pk", flat=True))
    assert given and {v.pk for v in preview.revoked} == given
    assert "Ann's vouch for Bob" in response.text
    # Cat stands only through vouches from Ann and Bob: the preview says she falls.
    assert community["cat"] in preview.losing
    client.post(reverse("moderation:rings"), confirmation(response))
    assert not Vouch.objects.active().given_by(ann).exists()
    run = vouching_services.trust_recalculate()
    assert {m.pk for m in preview.losing} == lost_after(run) - {ann.pk}
