"""Members' reports to the moderators, and what the moderation log records of them."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .messages import Message
from .photos import Photo
from .profiles import Profile


class ReportAction(models.TextChoices):
    """What the moderation log records of a moderator working a report.

    The log lives in ``vouching``, which knows nothing of reports: ``MatchmakingConfig``
    adds these to its actions at start-up.
    """

    REPORT_CLAIMED = "report_claimed", _("Claimed a report")
    REPORT_RELEASED = "report_released", _("Released a report")
    REPORT_RESOLVED = "report_resolved", _("Resolved a report")
    REPORT_DISMISSED = "report_dismissed", _("Dismissed a report")


class Report(models.Model):
    """A member reports a profile, photo, message or vouch to the moderators."""

    class Reason(models.TextChoices):
        FAKE = "fake", _("Fake profile or not who they say they are")
        HARASSMENT = "harassment", _("Harassment or abuse")
        SCAM = "scam", _("Scam or asking for money")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        UNDERAGE = "underage", _("May be under 18")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    # A report outlives the account of the member who filed it: what they reported may
    # still need a moderator. Reports about a member leave with them.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reports_filed",
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("what happened"), blank=True, validators=[MaxLengthValidator(2000)])
    profile = models.ForeignKey(Profile, on_delete=models.SET_NULL, null=True, blank=True)
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True)
    vouch = models.ForeignKey("vouching.Vouch", on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]

    def __str__(self):
        return f"{self.reporter_id} reports {self.reported_id}: {self.reason}"
