"""Profile photos, and vouchers' confirmations that they show the person."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .profiles import Profile

MAX_PHOTOS = 6


def photo_path(photo, filename):
    # Random names in a private folder: never a guessable public address.
    return f"photos/{secrets.token_hex(16)}.jpg"


class Photo(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.profile} #{self.position}"


class PhotoConfirmation(models.Model):
    """A voucher confirms a photo really shows the person they vouched for."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="confirmations")
    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "voucher"], name="photo_confirmed_once")
        ]

    def __str__(self):
        return f"{self.voucher_id} confirms photo {self.photo_id}"
