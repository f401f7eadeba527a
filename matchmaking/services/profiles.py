"""Dating profiles and their photos."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import services as vouching_services
from vouching.models import Member, Vouch

from ..models import MAX_PHOTOS, MAX_PROMPTS, Photo, PhotoConfirmation, Profile, ProfilePrompt
from .quotas import lock_member

PHOTO_SIDE = 1600
THUMBNAIL_SIDE = 400


@dataclass(frozen=True)
class ProfileFields:
    birth_date: object
    gender: str
    seeking: list[str]
    age_min: int
    age_max: int
    city: str
    bio: str
    reach: str
    hide_from_connections: bool
    is_dating: bool = True


@transaction.atomic
def profile_save(
    *, member: Member, fields: ProfileFields, prompts: list[tuple[str, str]]
) -> Profile:
    """Create or update a member's dating profile and its prompts (at most three)."""
    vouching_services.member_check_active(member=member)
    profile = Profile.objects.select_for_update().filter(member=member).first() or Profile(
        member=member
    )
    for name in ("birth_date", "gender", "age_min", "age_max", "city", "bio", "reach"):
        setattr(profile, name, getattr(fields, name))
    profile.hide_from_connections = fields.hide_from_connections
    profile.is_dating = fields.is_dating
    for gender in ("woman", "man", "nonbinary", "other"):
        setattr(profile, f"seeks_{gender}", gender in fields.seeking)
    profile.bio = profile.bio.strip()
    profile.city = " ".join(profile.city.split())
    profile.full_clean()
    profile.save()
    answered = [(p, a.strip()) for p, a in prompts if p and a and a.strip()]
    if len(answered) > MAX_PROMPTS:
        raise ValidationError(_("Answer at most three prompts."), code="prompts")
    if len({p for p, _a in answered}) != len(answered):
        raise ValidationError(_("Choose each prompt once."), code="prompts")
    profile.prompts.all().delete()
    for position, (prompt, answer) in enumerate(answered):
        entry = ProfilePrompt(profile=profile, prompt=prompt, answer=answer, position=position)
        entry.full_clean(exclude=["profile"])
        entry.save()
    return profile


def profile_pause(*, member: Member) -> Profile:
    """Hide the profile at once; nothing is lost."""
    vouching_services.member_check_active(member=member)
    Profile.objects.filter(member=member, paused_at__isnull=True).update(paused_at=timezone.now())
    return Profile.objects.get(member=member)


def profile_resume(*, member: Member) -> Profile:
    vouching_services.member_check_active(member=member)
    Profile.objects.filter(member=member).update(paused_at=None)
    return Profile.objects.get(member=member)


def photo_add(*, member: Member, upload) -> Photo:
    """Add a photo: only a real image, re-encoded without its metadata, with a thumbnail.

    The upload counts against the member's daily image quota before it is decoded, and
    stays counted when it is refused; no lock is held while it decodes.
    """
    vouching_services.member_check_active(member=member)
    photo_room_check(member=member)
    vouching_services.image_upload_record(member=member)
    try:
        image = vouching_services.sanitize_image(upload, max_side=PHOTO_SIDE)
        thumbnail = vouching_services.sanitize_image(image, max_side=THUMBNAIL_SIDE)
    except vouching_services.ImageRejected as error:
        raise ValidationError(str(error.message), code="image") from None
    return photo_store(member=member, image=image, thumbnail=thumbnail)


def photo_room_check(*, member: Member) -> Profile:
    """The member's profile, if it has room for another photo; else ``ValidationError``."""
    profile = Profile.objects.filter(member=member).first()
    if profile is None:
        raise ValidationError(_("Create your profile before adding photos."), code="profile")
    if profile.photos.count() >= MAX_PHOTOS:
        raise ValidationError(
            _("You can have up to %(count)d photos. Remove one first.") % {"count": MAX_PHOTOS},
            code="too_many",
        )
    return profile


@transaction.atomic
def photo_store(*, member: Member, image, thumbnail) -> Photo:
    """Keep a decoded photo and its thumbnail, if there is still room (checked again
    under the member's lock: parallel uploads cannot pass six)."""
    lock_member(member)
    vouching_services.member_check_active(member=member)  # a ban while it decoded
    profile = photo_room_check(member=member)
    last = profile.photos.aggregate(last=Max("position"))["last"]
    photo = Photo(profile=profile, position=0 if last is None else last + 1)
    photo.image.save("photo.jpg", image, save=False)
    photo.thumbnail.save("thumbnail.jpg", thumbnail, save=False)
    photo.save()
    return photo


@transaction.atomic
def photo_delete(*, member: Member, photo: Photo) -> None:
    vouching_services.member_check_active(member=member)
    if photo.profile_id != member.pk:
        raise ValidationError(_("This is not your photo."), code="owner")
    files = [photo.image, photo.thumbnail]
    photo.delete()
    for field in files:
        storage, name = field.storage, field.name
        transaction.on_commit(lambda s=storage, n=name: s.delete(n), robust=True)


@transaction.atomic
def photo_make_main(*, member: Member, photo: Photo) -> None:
    """Show this photo first."""
    vouching_services.member_check_active(member=member)
    if photo.profile_id != member.pk:
        raise ValidationError(_("This is not your photo."), code="owner")
    others = list(Photo.objects.filter(profile_id=member.pk).exclude(pk=photo.pk))
    Photo.objects.filter(pk=photo.pk).update(position=0)
    for position, other in enumerate(others, start=1):
        Photo.objects.filter(pk=other.pk).update(position=position)


@transaction.atomic
def photo_confirm(*, voucher: Member, profile: Profile) -> int:
    """Someone who vouched for the owner confirms the current photos are really them.

    Returns how many photos were newly confirmed; photos added later need confirming again.
    """
    vouching_services.member_check_active(member=voucher)
    vouched = Vouch.objects.accepted().given_by(voucher).received_by(profile.member).exists()
    if not vouched:
        raise ValidationError(
            _("Only people who vouched for them can confirm their photos."), code="not_voucher"
        )
    photos = list(profile.photos.all())
    if not photos:
        raise ValidationError(_("There are no photos to confirm."), code="no_photos")
    created = 0
    for photo in photos:
        _confirmation, was_created = PhotoConfirmation.objects.get_or_create(
            photo=photo, voucher=voucher
        )
        created += was_created
    return created
