import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import (
    FounderFactory,
    InvitationFactory,
    MemberFactory,
    VouchedMemberFactory,
    VouchFactory,
    days_ago,
)
from vouching.models import Invitation, Member, Vouch

pytestmark = pytest.mark.django_db

STATEMENT = "Jon is my neighbour of ten years; he fixed my bike twice and never asked for a thing."


def vouch_data(**overrides):
    return {
        "relationship": "neighbour",
        "known_for": "gt10",
        "strength": "2",
        "statement": STATEMENT,
        **overrides,
    }


# HOME ---------------------------------------------------------------------------------


def test_home_signed_out_explains_how_to_get_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "How to get in" in response.text
    assert reverse("account_login") in response.text


def test_home_shows_standing_vouches_and_quota(member, client_for, settings):
    settings.VOUCH_QUOTA = 5
    awaiting = VouchFactory(
        vouchee=member, voucher=VouchedMemberFactory(), status=Vouch.Status.PENDING
    )
    given = VouchFactory(voucher=member, vouchee=MemberFactory(display_name="Given To"))
    InvitationFactory(inviter=member, email="friend@example.com")
    response = client_for(member).get(reverse("home"))
    text = response.text
    assert "Your standing" in text and "Vouched" in text
    assert awaiting.voucher.display_name in text
    assert reverse("vouching:vouch_accept", args=[awaiting.pk]) in text
    assert "Given To" in text and reverse("vouching:vouch_withdraw", args=[given.pk]) in text
    assert "friend@example.com" in text
    assert "You can send 3 more vouches or invitations this week." in text


def test_home_of_pending_member_says_why_they_cannot_vouch(newcomer, client_for):
    text = client_for(newcomer).get(reverse("home")).text
    assert "Your standing is pending" in text
    assert "Only members in good standing can vouch" in text


def test_home_query_count_is_bounded(member, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    def add(n):
        for _ in range(n):
            VouchFactory(voucher=VouchedMemberFactory(), vouchee=member)
            VouchFactory(voucher=member, vouchee=MemberFactory())
            VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="pending")
            InvitationFactory(inviter=member)

    add(3)
    queries()  # warm the caches (the header's moderator link), as any page before it would
    few = queries()
    add(15)
    assert queries() == few <= 20, "the home page's queries must not grow with its lists"


# VOUCH FORMS --------------------------------------------------------------------------


def test_vouch_for_member_from_their_page(member, client_for):
    jon = VouchedMemberFactory(display_name="Jon")
    client = client_for(member)
    page = client.get(jon.get_absolute_url())
    assert reverse("vouching:member_vouch", args=[jon.public_id]) in page.text
    response = client.post(reverse("vouching:member_vouch", args=[jon.public_id]), vouch_data())
    assert response.status_code == 302
    vouch = Vouch.objects.get(voucher=member, vouchee=jon)
    assert vouch.status == Vouch.Status.PENDING and vouch.relationship == "neighbour"
    page = client.get(jon.get_absolute_url())
    assert "Your vouch is waiting for them to accept it." in page.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"statement": "Too short"}, "statement", "at least 40 characters"),
        ({"statement": " " * 50}, "statement", "This field is required"),
        ({"statement": "x" * 2001}, "statement", "at most 2000 characters"),
        ({"strength": "5"}, "strength", "Select a valid choice"),
        ({"strength": ""}, "strength", "This field is required"),
        ({"relationship": "spouse"}, "relationship", "Select a valid choice"),
        ({"known_for": ""}, "known_for", "This field is required"),
    ],
)
def test_bad_vouch_input_shows_error_next_to_field(member, client_for, overrides, field, message):
    jon = VouchedMemberFactory()
    response = client_for(member).post(
        reverse("vouching:member_vouch", args=[jon.public_id]), vouch_data(**overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert not Vouch.objects.given_by(member).exists()


def test_rule_refusal_is_shown_on_the_form(member, client_for, settings):
    settings.VOUCH_QUOTA = 0
    jon = VouchedMemberFactory()
    response = client_for(member).post(
        reverse("vouching:member_vouch", args=[jon.public_id]), vouch_data()
    )
    assert response.status_code == 200
    assert "You have used all 0 vouches" in response.text
    assert not Vouch.objects.given_by(member).exists()


def test_double_submit_creates_one_vouch(member, client_for):
    jon = VouchedMemberFactory(display_name="Jon")
    client = client_for(member)
    url = reverse("vouching:member_vouch", args=[jon.public_id])
    assert client.post(url, vouch_data()).status_code == 302
    second = client.post(url, vouch_data())
    assert second.status_code == 200
    assert "You already vouched for Jon" in second.text
    assert Vouch.objects.given_by(member).count() == 1


def test_invite_form_errors_next_to_email(member, client_for):
    client = client_for(member)
    response = client.post(reverse("vouching:vouch_new"), {**vouch_data(), "email": "nope"})
    assert "Enter a valid email address" in " ".join(response.context["form"].errors["email"])
    response = client.post(reverse("vouching:vouch_new"), {**vouch_data(), "email": member.email})
    assert "cannot vouch for yourself" in response.text
    assert not Invitation.objects.exists() and not Vouch.objects.given_by(member).exists()


def test_every_input_has_a_label(member, client_for):
    for url in (
        reverse("vouching:vouch_new"),
        reverse("vouching:member_vouch", args=[VouchedMemberFactory().public_id]),
        reverse("vouching:settings"),
    ):
        form = client_for(member).get(url).context["form"]
        for bound in form:
            assert bound.label, f"{url}: {bound.name} has no label"
            assert f'for="{bound.id_for_label}"' in str(bound.label_tag()) or bound.use_fieldset


# ANSWERING, WITH AND WITHOUT HTMX ------------------------------------------------------


def test_accept_with_htmx_returns_the_updated_item(member, client_for):
    vouch = VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="pending")
    response = client_for(member).post(
        reverse("vouching:vouch_accept", args=[vouch.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="vouch-{vouch.pk}"' in response.text
    assert "You accepted the vouch" in response.text
    assert "<html" not in response.text
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.ACCEPTED


def test_decline_as_plain_post_redirects_home(member, client_for):
    vouch = VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="pending")
    response = client_for(member).post(
        reverse("vouching:vouch_decline", args=[vouch.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You declined the vouch." in response.text
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.DECLINED


def test_refused_action_is_a_message_not_an_error_page(member, client_for):
    vouch = VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="withdrawn")
    client = client_for(member)
    response = client.post(reverse("vouching:vouch_accept", args=[vouch.pk]), follow=True)
    assert response.status_code == 200
    assert "can no longer be accepted" in response.text
    response = client.post(
        reverse("vouching:vouch_accept", args=[vouch.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "can no longer be accepted" in response.text


def test_withdraw_invitation_view(member, client_for):
    invitation = InvitationFactory(inviter=member)
    response = client_for(member).post(
        reverse("vouching:invitation_withdraw", args=[invitation.pk]), HTTP_HX_REQUEST="true"
    )
    assert "You withdrew the invitation." in response.text
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.WITHDRAWN


def test_actions_need_post(member, client_for):
    vouch = VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="pending")
    response = client_for(member).get(reverse("vouching:vouch_accept", args=[vouch.pk]))
    assert response.status_code == 405
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.PENDING


# MEMBER PAGE --------------------------------------------------------------------------


def test_member_page_shows_accepted_vouches_with_statements(member, client_for):
    lena = VouchedMemberFactory(display_name="Lena")
    VouchFactory(voucher=member, vouchee=lena, statement=STATEMENT)
    VouchFactory(
        voucher=VouchedMemberFactory(),
        vouchee=lena,
        status="pending",
        statement="A pending statement that must not show on the member page at all.",
    )
    VouchFactory(
        voucher=VouchedMemberFactory(),
        vouchee=lena,
        status="withdrawn",
        statement="A withdrawn statement that must not show on the member page at all.",
    )
    text = client_for(member).get(lena.get_absolute_url()).text
    assert STATEMENT in text
    assert "1 vouch" in text
    assert "pending statement" not in text and "withdrawn statement" not in text


def test_member_writing_is_escaped(member, client_for):
    evil = VouchedMemberFactory(display_name="<script>alert(1)</script>")
    VouchFactory(
        voucher=evil,
        vouchee=member,
        statement="<img src=x onerror=alert(1)> is what I would write if I were evil, " * 2,
    )
    text = client_for(member).get(member.get_absolute_url()).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text
    home = client_for(member).get(reverse("home")).text
    assert "<script>alert(1)</script>" not in home


def test_member_page_needs_sign_in(member):
    response = Client().get(member.get_absolute_url())
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("hidden", ["banned", "suspended", "inactive"])
def test_moderated_member_page_is_404(member, client_for, hidden):
    other = VouchedMemberFactory()
    update = {
        "banned": {"banned_at": timezone.now()},
        "suspended": {"suspended_until": days_ago(-2)},
        "inactive": {"is_active": False},
    }[hidden]
    Member.objects.filter(pk=other.pk).update(**update)
    client = client_for(member)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("vouching:member_vouch", args=[other.public_id])).status_code == 404


def test_vouches_from_banned_members_do_not_show(member, client_for):
    banned = VouchedMemberFactory(display_name="Banned Voucher")
    VouchFactory(voucher=banned, vouchee=member)
    Member.objects.filter(pk=banned.pk).update(banned_at=timezone.now())
    assert "Banned Voucher" not in client_for(member).get(member.get_absolute_url()).text


# OBJECTS OF OTHERS: EVERY URL WITH AN ID IS 404 FOR A STRANGER --------------------------


def test_every_object_url_refuses_a_stranger(member, stranger, client_for):
    vouch = VouchFactory(voucher=member, vouchee=VouchedMemberFactory(), status="pending")
    invitation = InvitationFactory(inviter=member)
    client = client_for(stranger)
    for name, args in [
        ("vouching:vouch_accept", [vouch.pk]),
        ("vouching:vouch_decline", [vouch.pk]),
        ("vouching:vouch_withdraw", [vouch.pk]),
        ("vouching:invitation_withdraw", [invitation.pk]),
    ]:
        response = client.post(reverse(name, args=args))
        assert response.status_code == 404, name
    vouch.refresh_from_db()
    invitation.refresh_from_db()
    assert vouch.status == Vouch.Status.PENDING
    assert invitation.status == Invitation.Status.OPEN
    assert (
        client.get(reverse("vouching:member_vouch", args=[stranger.public_id])).status_code == 404
    )


def test_vouchee_cannot_withdraw_and_voucher_cannot_accept(member, client_for):
    other = VouchedMemberFactory()
    vouch = VouchFactory(voucher=member, vouchee=other, status="pending")
    response = client_for(other).post(
        reverse("vouching:vouch_withdraw", args=[vouch.pk]), follow=True
    )
    assert "Only the voucher can withdraw" in response.text
    response = client_for(member).post(
        reverse("vouching:vouch_accept", args=[vouch.pk]), follow=True
    )
    assert "Only the person vouched for can accept" in response.text
    vouch.refresh_from_db()
    assert vouch.status == Vouch.Status.PENDING


# PHOTOS -------------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (900, 600), "#b33a52")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_upload_strips_metadata_and_is_served_only_to_members(
    member, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    client = client_for(member)
    response = client.post(
        reverse("vouching:settings"),
        {
            "display_name": "New Name",
            "avatar_upload": SimpleUploadedFile("me.jpg", original, "image/jpeg"),
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "New Name"
    url = reverse("vouching:member_avatar", args=[member.public_id])
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    data = b"".join(served.streaming_content)
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif(), "no EXIF may survive"
    assert b"PhoneMaker" not in data
    assert max(stored.size) == 512
    assert str(member.public_id) not in member.avatar.name
    assert Client().get(url).status_code == 302  # signed out: to the login page
    Member.objects.filter(pk=member.pk).update(banned_at=timezone.now())
    assert client_for(VouchedMemberFactory()).get(url).status_code == 404


def test_a_picture_that_is_not_there_is_a_404(member, client_for, settings, tmp_path):
    """No photo uploaded, or its file gone from storage: not found, never a 500."""
    settings.MEDIA_ROOT = tmp_path
    client = client_for(member)
    url = reverse("vouching:member_avatar", args=[member.public_id])
    assert client.get(url).status_code == 404  # none uploaded
    client.post(
        reverse("vouching:settings"),
        {
            "display_name": member.display_name,
            "avatar_upload": SimpleUploadedFile("me.jpg", jpeg_with_gps(), "image/jpeg"),
        },
    )
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    (tmp_path / member.avatar.name).unlink()
    assert client.get(url).status_code == 404  # the file is gone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not really an image", "Upload a valid image"),
        (b"%PDF-1.4 a document", "Upload a valid image"),
    ],
)
def test_photo_upload_refuses_non_images(member, client_for, content, message):
    response = client_for(member).post(
        reverse("vouching:settings"),
        {"display_name": "X", "avatar_upload": SimpleUploadedFile("x.jpg", content)},
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["avatar_upload"])
    member.refresh_from_db()
    assert not member.avatar


def test_sanitize_refuses_decompression_bomb():
    from vouching.images import ImageRejected, sanitize_image

    image = Image.new("1", (12_000, 12_000))  # 144 million pixels, a tiny file
    out = io.BytesIO()
    image.save(out, format="PNG")
    with pytest.raises(ImageRejected, match="too many pixels"):
        sanitize_image(SimpleUploadedFile("bomb.png", out.getvalue()))


def test_sanitize_refuses_gif():
    from vouching.images import ImageRejected, sanitize_image

    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ImageRejected, match="JPEG, PNG or WebP"):
        sanitize_image(SimpleUploadedFile("a.gif", out.getvalue()))


def test_settings_display_name_is_required(member, client_for):
    response = client_for(member).post(reverse("vouching:settings"), {"display_name": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    member.refresh_from_db()
    assert member.display_name.startswith("Member")


def test_founder_page_has_founder_badge(client_for):
    founder = FounderFactory()
    text = client_for(founder).get(founder.get_absolute_url()).text
    assert "Founder" in text and "Change your name or photo" in text


def test_blocks_hold_on_member_pages_both_ways(member, client_for):
    from vouching import services

    other = VouchedMemberFactory(display_name="Blocked Person")
    VouchFactory(voucher=other, vouchee=member)
    services.member_block(member=member, other=other)
    assert client_for(member).get(other.get_absolute_url()).status_code == 404
    assert client_for(other).get(member.get_absolute_url()).status_code == 404
    # A third member still sees both, and the vouch.
    third = VouchedMemberFactory()
    assert "Blocked Person" in client_for(third).get(member.get_absolute_url()).text
    # The blocked voucher's vouch does not show to the one who blocked.
    assert "Blocked Person" not in client_for(member).get(member.get_absolute_url()).text
    with pytest.raises(ValidationError, match="cannot receive vouches"):
        services.vouch_create(
            voucher=member,
            vouchee=other,
            fields=services.VouchTerms("friend", "1to3", 2, "x" * 50),
        )
    with pytest.raises(ValidationError, match="cannot block yourself"):
        services.member_block(member=member, other=member)


def test_blocked_members_leave_the_home_page(member, client_for):
    from vouching import services

    other = VouchedMemberFactory(display_name="Blocked Voucher")
    VouchFactory(voucher=other, vouchee=member, status="pending")
    VouchFactory(voucher=member, vouchee=other)
    assert "Blocked Voucher" in client_for(member).get(reverse("home")).text
    services.member_block(member=member, other=other)
    assert "Blocked Voucher" not in client_for(member).get(reverse("home")).text
