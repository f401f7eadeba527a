"""Reports in the console: the queue, claims, dismissals, resolutions and the
reported photo."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking import services as matchmaking_services
from matchmaking.models import Report
from tests.factories import ModeratorFactory, woman
from tests.moderation.previewing import preview_and_confirm
from vouching.models import Member, ModerationRecord, PledgeForfeit

pytestmark = pytest.mark.django_db


def test_reports_queue_claim_resolve_and_flag(with_second_factor, community):
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    nagger = community["cat"]
    for _ in range(3):
        report = matchmaking_services.report_file(
            reporter=nagger, reported=community["bob"], reason="other"
        )
        matchmaking_services.report_dismiss(report=report, moderator=mod, note="Nothing wrong.")
    report = matchmaking_services.report_file(
        reporter=nagger, reported=community["ann"], reason="fake", note="Fake photos."
    )
    queue = client.get(reverse("moderation:reports")).text
    assert "Fake photos." in queue and "Reporter often dismissed" in queue
    page = client.get(reverse("moderation:report", args=[report.pk])).text
    assert "How they got in" in page and ">F1<" in page and ">F2<" in page
    client.post(reverse("moderation:report", args=[report.pk]), {"claim": "1"})
    report.refresh_from_db()
    assert report.claimed_by == mod
    other = ModeratorFactory(email="other.mod@example.com")
    with pytest.raises(ValidationError, match="Another moderator"):
        matchmaking_services.report_resolve(
            report=report, moderator=other, action="none", reason="other", note="x"
        )
    data = {
        "action": "suspend",
        "reason": "fake",
        "note": "Photos are a stock model.",
        "until": (timezone.localdate() + timedelta(days=14)).isoformat(),
    }
    preview_and_confirm(client, reverse("moderation:report", args=[report.pk]), data)
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution == "Photos are a stock model."
    assert Member.objects.get(pk=community["ann"].pk).standing == "suspended"
    resolved = ModerationRecord.objects.get(action="report_resolved")
    assert resolved.report_id == report.pk and resolved.after == {"action": "suspend"}


def test_dismiss_respects_a_claim_and_the_claimant_can_release_it(with_second_factor, community):
    mine, theirs = ModeratorFactory(), ModeratorFactory(email="other.mod@example.com")
    report = matchmaking_services.report_file(
        reporter=community["cat"], reported=community["bob"], reason="fake"
    )
    matchmaking_services.report_claim(report=report, moderator=mine)
    with pytest.raises(ValidationError, match="Another moderator"):
        matchmaking_services.report_dismiss(report=report, moderator=theirs, note="Fine.")
    with pytest.raises(ValidationError, match="Only the moderator who claimed it"):
        matchmaking_services.report_release(report=report, moderator=theirs)
    report.refresh_from_db()
    assert report.status == "open" and report.claimed_by == mine
    client = with_second_factor(mine)
    client.post(reverse("moderation:report", args=[report.pk]), {"release": "1"})
    report.refresh_from_db()
    assert report.claimed_by is None
    released = ModerationRecord.objects.get(action="report_released")
    assert released.actor == mine and released.report_id == report.pk
    matchmaking_services.report_dismiss(report=report, moderator=theirs, note="Fine.")


def test_dismiss_through_the_console(with_second_factor, community):
    mod = ModeratorFactory()
    report = matchmaking_services.report_file(
        reporter=community["cat"], reported=community["bob"], reason="fake"
    )
    response = with_second_factor(mod).post(
        reverse("moderation:report", args=[report.pk]),
        {"dismiss": "1", "note": "Bob is real."},
        follow=True,
    )
    assert "Report dismissed." in response.text
    report.refresh_from_db()
    assert report.status == "dismissed" and report.resolution == "Bob is real."
    assert ModerationRecord.objects.filter(action="report_dismissed", actor=mod).exists()


def test_resolving_with_a_revocation_keeps_the_real_reason(community):
    mod = ModeratorFactory()
    vouch = community["ann_bob"]
    report = matchmaking_services.report_file(
        reporter=community["cat"], reported=community["ann"], reason="harassment", vouch=vouch
    )
    matchmaking_services.report_resolve(
        report=report, moderator=mod, action="revoke_vouch", reason="harassment", note="Abuse."
    )
    revoked = ModerationRecord.objects.get(action="revoke_vouch")
    assert revoked.reason == "harassment" and revoked.get_reason_display() == "Harassment or abuse"
    vouch.refresh_from_db()
    assert vouch.status == "revoked" and vouch.revocation_reason == "other"
    assert not PledgeForfeit.objects.exists(), "only a bad vouch costs the pledge"
    with pytest.raises(ValidationError):
        matchmaking_services.report_resolve(
            report=matchmaking_services.report_file(
                reporter=community["cat"], reported=community["ann"], reason="fake", vouch=vouch
            ),
            moderator=mod,
            action="revoke_vouch",
            reason="not-a-reason",
            note="x",
        )


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 400), "#3a5fb3").save(out, format="JPEG")
    return out.getvalue()


def test_the_reported_photo_is_shown_to_moderators_only(
    with_second_factor, community, client_for, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    lena = woman(member__display_name="Lena")
    photo = matchmaking_services.photo_add(
        member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg())
    )
    unreported = matchmaking_services.photo_add(
        member=lena.member, upload=SimpleUploadedFile("b.jpg", jpeg())
    )
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    url = reverse("moderation:photo", args=[photo.pk, "thumb"])
    assert client.get(url).status_code == 404, "no report, no reason to look"
    report = Report.objects.create(
        reporter=community["cat"], reported=lena.member, reason="fake", photo=photo
    )
    page = client.get(reverse("moderation:report", args=[report.pk])).text
    assert url in page and "matchmaking" not in url
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(reverse("moderation:photo", args=[photo.pk, "huge"])).status_code == 404
    assert client_for(community["bob"]).get(url).status_code == 403
    assert unreported.pk  # the reported member's other photos stay reachable for the case
