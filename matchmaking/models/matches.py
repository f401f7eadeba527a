"""Interest, passes, and the matches they make."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reaction(models.Model):
    """Interest in or a pass on a profile. Interest stays private until it is mutual."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("Interested")
        PASS = "pass", _("Passed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions_given"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions_received"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # When interest was last shown. A pass or an unmatch turns the kind into PASS but
    # never clears this: the daily interest quota counts it, so passing frees nothing.
    interested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "target"], name="reaction_once_per_pair"),
            models.CheckConstraint(condition=~Q(actor=F("target")), name="reaction_not_self"),
        ]
        indexes = [
            models.Index(
                fields=["actor", "interested_at"],
                condition=Q(interested_at__isnull=False),
                name="reaction_interest_day",
            )
        ]

    def __str__(self):
        return f"{self.actor_id} {self.kind} {self.target_id}"


class MatchQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def of(self, member):
        return self.filter(Q(member_a=member) | Q(member_b=member))

    def between(self, a, b):
        low, high = sorted([a.pk if hasattr(a, "pk") else a, b.pk if hasattr(b, "pk") else b])
        return self.filter(member_a_id=low, member_b_id=high)


class Match(models.Model):
    """Two members who both want to meet. ``member_a`` has the smaller id."""

    class Source(models.TextChoices):
        MUTUAL_INTEREST = "interest", _("Mutual interest")
        INTRODUCTION = "introduction", _("Introduction")

    member_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    member_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    introduction = models.ForeignKey(
        "Introduction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(condition=Q(member_a__lt=F("member_b")), name="match_ordered"),
            models.UniqueConstraint(
                fields=["member_a", "member_b"],
                condition=Q(ended_at__isnull=True),
                name="match_one_active_per_pair",
            ),
        ]

    def __str__(self):
        return f"{self.member_a_id} & {self.member_b_id}"

    def other(self, member):
        return self.member_b if member.pk == self.member_a_id else self.member_a

    def involves(self, member) -> bool:
        return member.pk in (self.member_a_id, self.member_b_id)
