"""Introductions by a mutual friend."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Introduction(models.Model):
    """A mutual friend introducing two people.

    Asked for: a single asks someone who knows both of them; the intermediary declines
    quietly or introduces with a note; the other person accepts or declines. Offered: a
    matchmaker introduces two people they know; both must accept.
    """

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Asked for")
        OFFERED = "offered", _("Offered by a matchmaker")

    class Status(models.TextChoices):
        WITH_INTERMEDIARY = "intermediary", _("Waiting for the intermediary")
        WITH_PEOPLE = "people", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.WITH_INTERMEDIARY, Status.WITH_PEOPLE)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    intermediary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introductions_made"
    )
    # For a request, person_a asked to meet person_b and has accepted by asking.
    person_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    person_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    request_message = models.TextField(
        _("message to the intermediary"), blank=True, validators=[MaxLengthValidator(1000)]
    )
    note = models.TextField(
        _("introduction note"), blank=True, validators=[MaxLengthValidator(1000)]
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    a_accepted_at = models.DateTimeField(null=True, blank=True)
    b_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    introduced_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_a=F("person_b"))
                & ~Q(intermediary=F("person_a"))
                & ~Q(intermediary=F("person_b")),
                name="introduction_three_people",
            ),
        ]
        indexes = [
            models.Index(fields=["intermediary", "status"], name="intro_intermediary"),
            models.Index(fields=["person_a", "status"], name="intro_person_a"),
            models.Index(fields=["person_b", "status"], name="intro_person_b"),
        ]

    def __str__(self):
        return f"{self.intermediary_id}: {self.person_a_id} & {self.person_b_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def involves(self, member) -> bool:
        return member.pk in (self.intermediary_id, self.person_a_id, self.person_b_id)
