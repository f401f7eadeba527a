"""Images members upload: counted, because decoding each one costs real time."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImageUpload(models.Model):
    """One image a member sent to be decoded (a photo of them, or a profile photo),
    whether it was kept or not: the daily upload quota counts these rows."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["member", "created_at"], name="image_upload_member_at")]

    def __str__(self):
        return f"{self.member_id} at {self.created_at:%Y-%m-%d %H:%M}"
