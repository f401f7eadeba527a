"""Confirm is exactly what was previewed: anything else, or a second click, changes
nothing and says so."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matchmaking import services as matchmaking_services
from matchmaking.models import Notification
from tests.factories import ModeratorFactory
from tests.moderation.previewing import confirmation
from vouching.models import Member, ModerationRecord, PledgeForfeit, Vouch

pytestmark = pytest.mark.django_db


def test_confirm_refuses_a_reason_changed_after_the_preview(with_second_factor, community):
    client = with_second_factor(ModeratorFactory())
    vouch = community["ann_bob"]
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "mistake", "note": "Asked by both."})
    assert "Confirm exactly this" in preview.text and "Asked by both." in preview.text
    tampered = {**confirmation(preview), "reason": "bad_vouch"}
    response = client.post(url, tampered)
    assert response.status_code == 200
    assert "What you confirmed is not what the preview showed" in response.text
    vouch.refresh_from_db()
    assert vouch.status == "accepted"
    assert not ModerationRecord.objects.exclude(action="moderator_granted").exists()
    assert not PledgeForfeit.objects.exists()


def test_confirm_refuses_members_changed_after_the_preview(with_second_factor, community):
    client = with_second_factor(ModeratorFactory())
    data = {
        "members": [str(community["cat"].public_id)],
        "reason": "ring",
        "note": "A ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    preview = client.post(reverse("moderation:rings"), data)
    assert "Before you confirm" in preview.text
    tampered = {**confirmation(preview), "members": [str(community["ann"].public_id)]}
    response = client.post(reverse("moderation:rings"), tampered)
    assert "What you confirmed is not what the preview showed" in response.text
    assert not Member.objects.moderated().exists()


def test_confirm_without_a_preview_changes_nothing(with_second_factor, community):
    client = with_second_factor(ModeratorFactory())
    bob = community["bob"]
    url = reverse("moderation:member_action", args=[bob.public_id, "ban"])
    for forged in ("", "not-a-token"):
        response = client.post(
            url, {"reason": "scam", "note": "Scam.", "confirm": "1", "token": forged}
        )
        assert response.status_code == 200
        assert "What you confirmed is not what the preview showed" in response.text
    assert Member.objects.get(pk=bob.pk).banned_at is None
    assert not ModerationRecord.objects.filter(action="ban").exists()


def test_a_preview_of_one_member_does_not_confirm_another(with_second_factor, community):
    client = with_second_factor(ModeratorFactory())
    data = {"reason": "scam", "note": "Scam."}
    preview = client.post(
        reverse("moderation:member_action", args=[community["bob"].public_id, "ban"]), data
    )
    other = reverse("moderation:member_action", args=[community["cat"].public_id, "ban"])
    response = client.post(other, confirmation(preview))
    assert "What you confirmed is not what the preview showed" in response.text
    assert not Member.objects.moderated().exists()


def test_double_confirms_are_clear_messages_with_nothing_changed(with_second_factor, community):
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    bob = community["bob"]
    # A ban confirmed twice.
    url = reverse("moderation:member_action", args=[bob.public_id, "ban"])
    preview = client.post(url, {"reason": "scam", "note": "Scam."})
    assert client.post(url, confirmation(preview)).status_code == 302
    again = client.post(url, confirmation(preview))
    assert again.status_code == 200 and "Bob is already banned: nothing was changed." in again.text
    assert ModerationRecord.objects.filter(action="ban").count() == 1
    assert Notification.objects.filter(recipient=bob, kind="moderation").count() <= 1
    # A revocation confirmed twice.
    vouch = Vouch.objects.get(voucher=community["f1"], vouchee=community["ann"])
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "mistake", "note": "Asked by both."})
    client.post(url, confirmation(preview))
    again = client.post(url, confirmation(preview), follow=True)
    assert again.status_code == 200 and "This vouch no longer stands" in again.text
    assert ModerationRecord.objects.filter(action="revoke_vouch", vouch=vouch).count() == 1
    # A report resolved twice.
    report = matchmaking_services.report_file(
        reporter=community["f2"], reported=community["cat"], reason="fake"
    )
    url = reverse("moderation:report", args=[report.pk])
    data = {"action": "none", "reason": "other", "note": "Talked to them."}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200
    assert "This report is closed: nothing was changed." in again.text
    assert ModerationRecord.objects.filter(action="report_resolved").count() == 1
