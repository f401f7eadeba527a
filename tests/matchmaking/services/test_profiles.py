"""Profiles and photos: what is saved, what is refused, what pausing hides."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from matchmaking import selectors, services
from matchmaking.models import PhotoConfirmation, Profile
from matchmaking.services.profiles import ProfileFields
from tests.factories import VouchedMemberFactory, VouchFactory, born_years_ago, man, woman

pytestmark = pytest.mark.django_db


def fields(**overrides):
    data = {
        "birth_date": born_years_ago(28),
        "gender": "woman",
        "seeking": ["man"],
        "age_min": 25,
        "age_max": 40,
        "city": "  Hang  zhou ",
        "bio": "Tea, mountains and bad puns.",
        "reach": "3",
        "hide_from_connections": False,
    }
    data.update(overrides)
    return ProfileFields(**data)


def jpeg(size=(1200, 900), gps=True) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    Image.new("RGB", size, "#2f7d4f").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_profile_save_normalises_and_keeps_prompts():
    member = VouchedMemberFactory()
    profile = services.profile_save(
        member=member,
        fields=fields(),
        prompts=[("sunday", " Hiking then hotpot "), ("food", ""), ("proud", "My garden")],
    )
    assert profile.city == "Hang zhou" and profile.city_key == "hang zhou"
    assert [(p.prompt, p.answer) for p in profile.prompts.all()] == [
        ("sunday", "Hiking then hotpot"),
        ("proud", "My garden"),
    ]
    assert profile.seeking == ["man"] and profile.age == 28


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": born_years_ago(17.9)}, "birth_date"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
        ({"age_min": 16}, "age_min"),
        ({"seeking": []}, "seeks_woman"),
        ({"gender": "alien"}, "gender"),
        ({"city": "  "}, "city"),
        ({"bio": "x" * 2001}, "bio"),
    ],
)
def test_profile_bad_input_is_refused(overrides, field):
    member = VouchedMemberFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(member=member, fields=fields(**overrides), prompts=[])
    assert field in excinfo.value.error_dict
    assert not Profile.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    "prompts",
    [
        [("sunday", "a"), ("food", "b"), ("proud", "c"), ("family", "d")],
        [("sunday", "a"), ("sunday", "b")],
    ],
)
def test_at_most_three_different_prompts(prompts):
    with pytest.raises(ValidationError):
        services.profile_save(member=VouchedMemberFactory(), fields=fields(), prompts=prompts)


def test_photos_lose_metadata_get_thumbnails_and_stop_at_six(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = woman()
    photo = services.photo_add(
        member=profile.member, upload=SimpleUploadedFile("me.jpg", jpeg(), "image/jpeg")
    )
    image = Image.open(photo.image.open("rb"))
    assert not image.getexif() and max(image.size) == 1200
    thumbnail = Image.open(photo.thumbnail.open("rb"))
    assert max(thumbnail.size) == 400
    assert (
        photo.image.name.startswith("photos/")
        and str(profile.member.public_id) not in photo.image.name
    )
    for _ in range(5):
        services.photo_add(
            member=profile.member, upload=SimpleUploadedFile("x.jpg", jpeg(gps=False))
        )
    with pytest.raises(ValidationError, match="up to 6 photos"):
        services.photo_add(member=profile.member, upload=SimpleUploadedFile("x.jpg", jpeg()))
    with pytest.raises(ValidationError, match="not an image"):
        services.photo_delete(member=profile.member, photo=photo)
        services.photo_add(
            member=profile.member, upload=SimpleUploadedFile("x.jpg", b"not an image")
        )


def test_only_a_voucher_confirms_photos(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = woman()
    services.photo_add(member=profile.member, upload=SimpleUploadedFile("me.jpg", jpeg()))
    friend, stranger = VouchedMemberFactory(), VouchedMemberFactory()
    VouchFactory(voucher=friend, vouchee=profile.member)
    assert services.photo_confirm(voucher=friend, profile=profile) == 1
    assert services.photo_confirm(voucher=friend, profile=profile) == 0
    with pytest.raises(ValidationError, match="Only people who vouched"):
        services.photo_confirm(voucher=stranger, profile=profile)
    assert PhotoConfirmation.objects.count() == 1


def test_pause_hides_at_once_and_keeps_everything():
    her, him = woman(), man()
    assert selectors.may_see_profile(viewer=him.member, profile=her)
    services.profile_pause(member=her.member)
    her.refresh_from_db()
    assert not selectors.may_see_profile(viewer=him.member, profile=her)
    assert selectors.may_see_profile(viewer=her.member, profile=her), "the owner still sees it"
    services.profile_resume(member=her.member)
    her.refresh_from_db()
    assert selectors.may_see_profile(viewer=him.member, profile=her) and her.bio
