"""Image uploads cannot make the site decode without end: pixels are counted from the
header before any decoding, and each member has a daily quota that parallel uploads
cannot overrun."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from matchmaking import services as dating_services
from tests.factories import woman
from tests.matchmaking.services.test_quotas import at_once, only_quota_refusals
from vouching.images import ImageRejected, sanitize_image
from vouching.models import ImageUpload
from vouching.services import image_upload_record

pytestmark = pytest.mark.django_db


def encoded(size: tuple[int, int], fmt: str = "PNG", mode: str = "1") -> bytes:
    """A blank image: a small file, however many pixels its header announces."""
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """The probe's upload: a PNG of 7070 × 7070 pixels, a few kilobytes on disk."""
    return encoded((7070, 7070))


@pytest.fixture
def no_decoding(monkeypatch):
    """Decoding any image fails the test: what is refused must be refused unread."""

    def decode(self):
        raise AssertionError(f"decoded a {self.format} of {self.size}")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


def test_a_png_with_too_many_pixels_is_refused_without_decoding(pixel_bomb, no_decoding):
    assert len(pixel_bomb) < 250_000
    with pytest.raises(ImageRejected, match=r"too many pixels \(7070 × 7070\): at most 16"):
        sanitize_image(SimpleUploadedFile("bomb.png", pixel_bomb))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    """A 20-megapixel JPEG, too many pixels for a PNG, is accepted: Pillow decodes it at
    an eighth of its size."""
    photo = encoded((5000, 4000), fmt="JPEG", mode="RGB")
    with pytest.raises(ImageRejected, match="too many pixels"):
        sanitize_image(SimpleUploadedFile("big.png", encoded((5000, 4000))))
    clean = Image.open(io.BytesIO(sanitize_image(SimpleUploadedFile("big.jpg", photo)).read()))
    assert clean.size == (512, 410)


@pytest.mark.parametrize("side", [7070, 13_400])
def test_the_settings_form_says_too_many_pixels(side, member, client_for, no_decoding):
    """Also beyond Pillow's own bomb limit, where Django's image field would only say
    the file is not a valid image."""
    response = client_for(member).post(
        reverse("vouching:settings"),
        {"display_name": "X", "avatar_upload": SimpleUploadedFile("b.png", encoded((side, side)))},
    )
    assert response.status_code == 200
    assert "too many pixels" in " ".join(response.context["form"].errors["avatar_upload"])
    member.refresh_from_db()
    assert not member.avatar


def test_the_daily_quota_counts_every_image_kept_or_not(member, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMAGE_UPLOAD_DAILY_QUOTA = 2
    client = client_for(member)

    def upload(content: bytes):
        data = {"display_name": "X", "avatar_upload": SimpleUploadedFile("me.png", content)}
        return client.post(reverse("vouching:settings"), data)

    assert upload(encoded((600, 400), mode="RGB")).status_code == 302
    gif = encoded((600, 400), fmt="GIF", mode="RGB")  # refused once read: it counts too
    assert upload(gif).status_code == 200
    refused = upload(encoded((600, 400), mode="RGB"))
    assert refused.status_code == 200
    assert "uploaded 2 images today" in refused.text
    assert ImageUpload.objects.filter(member=member).count() == 2


def test_profile_photos_share_the_quota(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMAGE_UPLOAD_DAILY_QUOTA = 1
    her = woman().member
    image_upload_record(member=her)  # a photo of her, sent a moment ago
    upload = SimpleUploadedFile("me.jpg", encoded((800, 600), fmt="JPEG", mode="RGB"))
    with pytest.raises(ValidationError, match="uploaded 1 images today"):
        dating_services.photo_add(member=her, upload=upload)


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_cannot_overrun_the_quota(member, settings):
    settings.IMAGE_UPLOAD_DAILY_QUOTA = 2
    errors = at_once([lambda: image_upload_record(member=member) for _ in range(6)])
    only_quota_refusals(errors, 4)
    assert ImageUpload.objects.filter(member=member).count() == 2
