"""The trust engine's stored state: pending work, and each member's computed trust."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrustState(models.Model):
    """The one row that records pending trust work; the database, not the queue, holds it.

    Every change to the vouch graph bumps ``generation`` and sets ``dirty`` in the same
    transaction. A recalculation stores the generation it computed from and clears
    ``dirty`` only if the generation has not moved meanwhile.
    """

    SINGLETON_PK = 1

    generation = models.BigIntegerField(default=0)
    dirty = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    computed_generation = models.BigIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    metric = models.CharField(max_length=32, blank=True)
    # Fixed Advogato capacities by distance (an imported community's own), or empty to
    # let capacities grow with membership.
    capacities = models.JSONField(default=list, blank=True)
    # When a recalculation was last asked of the broker, to coalesce bursts.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    run_started_at = models.DateTimeField(null=True, blank=True)
    # When the latest run started (kept after it ends): the next waits for
    # ``TRUST_RECALC_MIN_INTERVAL`` after it.
    last_run_started_at = models.DateTimeField(null=True, blank=True)
    # A run renews this every few seconds while it works: once it has passed, the run is
    # presumed dead (a killed worker) and the sweeper asks for another.
    run_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trust state")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="truststate_singleton"),
        ]

    def __str__(self):
        return f"generation {self.generation}"

    @classmethod
    def load(cls) -> "TrustState":
        state, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return state

    @property
    def is_stale(self) -> bool:
        return self.computed_generation != self.generation


class TrustScore(models.Model):
    """A member's computed trust, as of ``TrustState.computed_generation``."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="trust",
    )
    vouched = models.BooleanField(default=False)
    score = models.FloatField(default=0.0)
    level = models.PositiveSmallIntegerField(default=0)
    # What the default metric says of the member's place in the flow of trust: whether
    # they are established (their vouches can pass trust on), whether a new vouch from them
    # would carry a share, and whose vouches carry their own standing (member ids, comma
    # separated). Other metrics leave them empty.
    established = models.BooleanField(default=False)
    spare = models.BooleanField(default=False)
    carried_by = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("trust score")
        indexes = [models.Index(fields=["vouched"], name="trustscore_vouched")]

    def __str__(self):
        return f"{self.member_id}: {self.score:.3f}"

    @property
    def carrier_ids(self) -> list[int]:
        return [int(part) for part in self.carried_by.split(",") if part]
