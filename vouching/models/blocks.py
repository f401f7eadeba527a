"""Blocks between members."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BlockQuerySet(models.QuerySet):
    def involving(self, member):
        return self.filter(Q(blocker=member) | Q(blocked=member))


class Block(models.Model):
    """One member blocks another: from then on neither sees the other anywhere.

    It lives here, not with the dating models, because it must hold on membership pages
    too (member pages, vouch lists, trust paths), and this app knows nothing of dating.
    """

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked"], name="block_blocked")]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"
