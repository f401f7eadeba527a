"""A member with at least one of everything Pledge keeps about someone, for the tests of
downloading one's data and closing one's account."""

import io
import time
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from matchmaking import services
from matchmaking.models import Introduction, Match, Notification, Photo, Report
from tests.factories import (
    InvitationFactory,
    ModeratorFactory,
    VouchedMemberFactory,
    VouchFactory,
    man,
    woman,
)
from vouching import services as vouching_services
from vouching.models import Appeal, Block, Invitation, Member, ModerationRecord, Vouch


def jpeg(colour="#2f7d4f") -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # a location, which must not survive
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@dataclass
class LivedIn:
    lena: Member  # the member whose data it is
    jon: Member  # her match
    mei: Member  # vouched for her; she vouched for Jon
    ann: Member  # she blocked Ann; a pending vouch of hers waits for Ann
    kai: Member  # blocked her, and reported her
    moderator: Member
    match: Match
    photos: list[Photo]
    record_about_her: ModerationRecord
    record_by_her: ModerationRecord


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def lived_in(media) -> LivedIn:
    mei = VouchedMemberFactory(display_name="Mei")
    lena = woman(member__display_name="Lena", bio="Tea and mountains.").member
    jon = man(member__display_name="Jon").member
    ann = VouchedMemberFactory(display_name="Ann")
    kai = VouchedMemberFactory(display_name="Kai")
    moderator = ModeratorFactory(display_name="Mod")
    joined = InvitationFactory(inviter=mei, email=lena.email, status=Invitation.Status.ACCEPTED)
    Invitation.objects.filter(pk=joined.pk).update(member=lena)
    mei_lena = VouchFactory(voucher=mei, vouchee=lena, invitation=joined)
    VouchFactory(voucher=mei, vouchee=jon)
    VouchFactory(voucher=lena, vouchee=jon, statement="Jon " + "is kind and honest. " * 3)
    VouchFactory(voucher=lena, vouchee=ann, status=Vouch.Status.PENDING)
    InvitationFactory(inviter=lena, email="friend-of-lena@example.com")
    vouching_services.trust_graph_changed()

    avatar = vouching_services.sanitize_image(SimpleUploadedFile("me.jpg", jpeg("#aa3355")))
    vouching_services.member_update(member=lena, display_name="Lena", avatar=avatar)
    photos = [
        services.photo_add(member=lena, upload=SimpleUploadedFile(f"{n}.jpg", jpeg()))
        for n in range(2)
    ]
    services.reaction_interest(actor=jon, target=lena)
    match = services.reaction_interest(actor=lena, target=jon)
    services.message_send(match=match, sender=jon, body="Hi Lena, Mei told me about you.")
    services.message_send(match=match, sender=lena, body="Hi Jon! Tea on Sunday?")
    Introduction.objects.create(
        kind=Introduction.Kind.OFFERED, intermediary=lena, person_a=jon, person_b=ann,
        status=Introduction.Status.WITH_PEOPLE, note="You two would get along.",
    )  # fmt: skip
    # Asked about her, and declined quietly: she was never told, so it is not hers.
    Introduction.objects.create(
        kind=Introduction.Kind.REQUESTED, intermediary=mei, person_a=kai, person_b=lena,
        status=Introduction.Status.DECLINED, request_message="Kai's private words to Mei",
    )  # fmt: skip
    Block.objects.create(blocker=lena, blocked=ann)
    Block.objects.create(blocker=kai, blocked=lena)
    Report.objects.create(reporter=lena, reported=ann, reason="scam", note="Asked for money")
    Report.objects.create(reporter=kai, reported=lena, reason="fake", note="Kai's report")
    record_about_her = vouching_services.moderation_record_create(
        actor=moderator, action="suspend", member=lena, reason="harassment", note="Be kind."
    )
    Appeal.objects.create(record=record_about_her, member=lena, text="It was a misunderstanding.")
    # Mei's pledge behind her vouch for Lena, forfeited: it outlives Lena's account.
    forfeit = vouching_services.pledge_forfeit(vouch=mei_lena, reason="member_suspended")
    vouching_services.moderation_record_create(
        actor=None, action="forfeit", member=mei, vouch=mei_lena, after={"forfeit": forfeit.pk}
    )
    vouching_services.moderator_grant(member=lena)
    record_by_her = vouching_services.moderation_record_create(
        actor=lena, action="suspend", member=ann, reason="scam"
    )
    Notification.objects.create(recipient=lena, kind="match", actor=jon, match=match)
    TOTP.activate(lena, generate_totp_secret())
    EmailAddress.objects.create(user=lena, email="lena.other@example.com", verified=False)
    return LivedIn(
        lena=Member.objects.get(pk=lena.pk), jon=jon, mei=mei, ann=ann, kai=kai,
        moderator=moderator, match=match, photos=photos,
        record_about_her=record_about_her, record_by_her=record_by_her,
    )  # fmt: skip


def reauthenticated(client, member):
    """The client's session passed allauth's password check a moment ago."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(member.pk)
    session.save()
    return client
