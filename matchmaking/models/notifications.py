"""What members should know, shown in the site and emailed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .introductions import Introduction
from .matches import Match


class Notification(models.Model):
    """Something a member should know: shown in the site, and emailed by a worker."""

    class Kind(models.TextChoices):
        MATCH = "match", _("New match")
        INTRODUCTION_REQUEST = "intro_request", _("Introduction request")
        INTRODUCTION = "introduction", _("Introduction")
        INTRODUCTION_ACCEPTED = "intro_accepted", _("Introduction accepted")
        MESSAGE = "message", _("New message")
        VOUCH = "vouch", _("New vouch")
        VOUCH_ACCEPTED = "vouch_accepted", _("Vouch accepted")
        MODERATION = "moderation", _("A moderator acted")
        VOUCHEE_MODERATED = "vouchee_moderated", _("Someone you vouched for was moderated")
        STANDING_LOST = "standing_lost", _("You are no longer vouched")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    match = models.ForeignKey(Match, on_delete=models.CASCADE, null=True, blank=True)
    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, null=True, blank=True)
    vouch = models.ForeignKey("vouching.Vouch", on_delete=models.CASCADE, null=True, blank=True)
    record = models.ForeignKey(
        "vouching.ModerationRecord", on_delete=models.CASCADE, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="notification_unsent"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"
