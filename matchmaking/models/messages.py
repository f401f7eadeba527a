"""Messages between matched members."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from .matches import Match

MESSAGE_MAX_LENGTH = 2000


class Message(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)])
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["match", "created_at"], name="message_match_time"),
            models.Index(fields=["sender", "created_at"], name="message_sender_day"),
        ]

    def __str__(self):
        return f"{self.sender_id} in {self.match_id}"
