"""The daily quota on images a member uploads: decoding one costs up to a quarter of a
second of CPU, so a member cannot make the site decode images without end."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImageUpload, Member


@transaction.atomic
def image_upload_record(*, member: Member) -> None:
    """Count one image about to be decoded against the member's quota
    (``IMAGE_UPLOAD_DAILY_QUOTA`` in 24 hours), or refuse it with ``ValidationError``.

    Call it outside any transaction that a refused image would roll back, so every
    decoding counts, kept or not. The member's row is locked while counting: parallel
    uploads queue here and cannot overrun the quota.
    """
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()
    limit = settings.IMAGE_UPLOAD_DAILY_QUOTA
    since = timezone.now() - timedelta(days=1)
    if ImageUpload.objects.filter(member=member, created_at__gte=since).count() >= limit:
        raise ValidationError(
            _("You have uploaded %(limit)d images today, the most a day. Try again tomorrow.")
            % {"limit": limit},
            code="quota",
        )
    ImageUpload.objects.create(member=member)
