"""Revoking a vouch: on the record with its forfeit, through the console's preview."""

import pytest
from django.urls import reverse

from tests.factories import ModeratorFactory
from tests.moderation.previewing import confirmation
from vouching import services as vouching_services
from vouching.models import ModerationRecord, Vouch

pytestmark = pytest.mark.django_db


def test_revoking_a_bad_vouch_is_recorded_with_its_forfeit(community):
    mod = ModeratorFactory()
    vouch = community["ann_bob"]
    vouching_services.vouch_revoke(
        vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met him."
    )
    revoke = ModerationRecord.objects.get(action="revoke_vouch")
    assert revoke.actor == mod and revoke.member == community["ann"] and revoke.vouch == vouch
    assert revoke.before == {"status": "accepted"} and revoke.after == {"status": "revoked"}
    forfeit = ModerationRecord.objects.get(action="forfeit")
    assert forfeit.actor is None and forfeit.cause == revoke and forfeit.member == community["ann"]
    assert forfeit.after["weight"] == 0.5


def test_revoke_through_the_console_previews_then_acts(with_second_factor, community):
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    vouch = Vouch.objects.get(voucher=community["f1"], vouchee=community["bob"])
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "bad_vouch", "note": "Reckless vouch."})
    assert "Before you confirm" in preview.text
    vouch.refresh_from_db()
    assert vouch.status == "accepted", "the preview changes nothing"
    done = client.post(url, confirmation(preview))
    assert done.status_code == 302
    vouch.refresh_from_db()
    assert vouch.status == "revoked"
    log = client.get(reverse("moderation:log")).text
    assert "Revoked a vouch" in log and "Reckless vouch." in log and "Pledge forfeited" in log


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"note": "Reckless."}, "This field is required."),
        ({"reason": "bad_vouch", "note": "   "}, "This field is required."),
        ({"reason": "made-up", "note": "Reckless."}, "Select a valid choice."),
    ],
)
def test_a_revocation_needs_a_reason_and_a_note_in_the_console(
    with_second_factor, community, data, error
):
    client = with_second_factor(ModeratorFactory())
    vouch = community["ann_bob"]
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    response = client.post(url, data)
    assert response.status_code == 200 and error in response.text
    assert "Before you confirm" not in response.text
    vouch.refresh_from_db()
    assert (
        vouch.status == "accepted"
        and not ModerationRecord.objects.exclude(action="moderator_granted").exists()
    )
