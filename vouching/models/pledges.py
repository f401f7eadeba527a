"""Pledge forfeits: what a voucher loses when someone they vouched for turns out bad."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .vouches import Vouch


class PledgeForfeitQuerySet(models.QuerySet):
    def in_force(self, moment=None):
        return self.filter(until__gt=moment or timezone.now(), lifted_at__isnull=True)

    def of(self, member):
        return self.filter(voucher=member)


class PledgeForfeit(models.Model):
    """A voucher's pledge, forfeited because someone they vouched for turned out bad.

    While it is in force the voucher's vouches count for ``weight`` of their worth; a
    second forfeit within a year also suspends their right to vouch.
    """

    class Reason(models.TextChoices):
        VOUCH_REVOKED = "vouch_revoked", _("Your vouch was revoked as a bad vouch")
        MEMBER_BANNED = "member_banned", _("Someone you vouched for was banned")
        MEMBER_SUSPENDED = "member_suspended", _("Someone you vouched for was suspended")

    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forfeits",
        verbose_name=_("voucher"),
    )
    # A forfeit outlives the account of the member who caused it (and their vouch): a
    # banned member closing their account must not free their vouchers of it.
    vouchee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("vouched for"),
    )
    vouch = models.ForeignKey(
        Vouch,
        on_delete=models.SET_NULL,
        null=True,
        related_name="forfeits",
        verbose_name=_("vouch"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("moderator's note"), blank=True)
    weight = models.FloatField(_("weight of their vouches"))
    created_at = models.DateTimeField(_("forfeited"), default=timezone.now)
    until = models.DateTimeField(_("in force until"))
    vouching_suspended_until = models.DateTimeField(
        _("right to vouch suspended until"), null=True, blank=True
    )
    notified_at = models.DateTimeField(_("voucher told"), null=True, blank=True)
    # Set when the action that caused it is undone (a reinstated member, an upheld appeal).
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = PledgeForfeitQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge forfeit")
        verbose_name_plural = _("pledge forfeits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One forfeit in force per vouch: acting twice on the same bad vouch costs
            # once; a lifted forfeit (its action undone) no longer counts.
            models.UniqueConstraint(
                fields=["vouch"],
                condition=Q(lifted_at__isnull=True),
                name="forfeit_once_per_vouch",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=1), name="forfeit_weight_range"
            ),
        ]
        indexes = [models.Index(fields=["voucher", "until"], name="forfeit_voucher_until")]

    def __str__(self):
        return f"{self.voucher} for {self.vouchee}"
