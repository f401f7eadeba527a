"""Vouches and invitations: what a member writes when they vouch for someone."""

import secrets
from functools import cache

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# A statement has to say something about the person, and stay readable on a phone.
STATEMENT_MIN_LENGTH = 40
STATEMENT_MAX_LENGTH = 2000


class Relationship(models.TextChoices):
    FRIEND = "friend", _("Friend")
    FAMILY = "family", _("Family")
    COLLEAGUE = "colleague", _("Colleague")
    NEIGHBOUR = "neighbour", _("Neighbour")
    OTHER = "other", _("Other")


class KnownFor(models.TextChoices):
    UNDER_ONE_YEAR = "lt1", _("Less than a year")
    ONE_TO_THREE = "1to3", _("1 to 3 years")
    THREE_TO_TEN = "3to10", _("3 to 10 years")
    OVER_TEN = "gt10", _("More than 10 years")
    # Vouches imported from another community's network do not say.
    UNSTATED = "unstated", _("Not stated")


class Strength(models.IntegerChoices):
    KNOW = 1, _("I know them")
    TRUST = 2, _("I trust them")
    FAMILY = 3, _("I would trust them with my family")


@cache
def _choice_labels(field) -> dict:
    """A choice field's labels by value, made once: the labels stay lazy, each one
    translated into the language of the page that shows it."""
    return dict(make_hashable(field.flatchoices))


class VouchFields(models.Model):
    """What a person writes when they vouch: shared by vouches and invitations."""

    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    known_for = models.CharField(_("known for"), max_length=8, choices=KnownFor.choices)
    strength = models.PositiveSmallIntegerField(_("strength"), choices=Strength.choices)
    statement = models.TextField(
        _("statement"),
        validators=[
            MinLengthValidator(STATEMENT_MIN_LENGTH),
            MaxLengthValidator(STATEMENT_MAX_LENGTH),
        ],
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        # Django's, without making a dict of the field's choices on every call: a home
        # page shows a few labels for each of dozens of vouches.
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)


class RevocationReason(models.TextChoices):
    # Only a bad vouch costs the voucher their pledge: the others are nobody's fault.
    BAD_VOUCH = "bad_vouch", _("Bad vouch: the voucher vouched falsely or recklessly")
    MISTAKE = "mistake", _("Made by mistake")
    OTHER = "other", _("Other")


class VouchQuerySet(models.QuerySet):
    def active(self):
        """Vouches that stand or may stand: awaiting the vouchee, or accepted."""
        return self.filter(status__in=Vouch.ACTIVE_STATUSES)

    def accepted(self):
        return self.filter(status=Vouch.Status.ACCEPTED)

    def awaiting_response(self):
        return self.filter(status=Vouch.Status.PENDING)

    def given_by(self, member):
        return self.filter(voucher=member)

    def received_by(self, member):
        return self.filter(vouchee=member)

    def created_since(self, moment):
        return self.filter(created_at__gte=moment)

    def between(self, a, b):
        return self.filter(Q(voucher=a, vouchee=b) | Q(voucher=b, vouchee=a))


class Vouch(VouchFields):
    """A member's written pledge for another member."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for acceptance")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REVOKED = "revoked", _("Revoked by a moderator")

    ACTIVE_STATUSES = (Status.PENDING, Status.ACCEPTED)

    # A vouch is between two people: it leaves with either of them (``member_close``
    # withdraws a closing member's vouches first, so the graph change is recorded).
    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="vouches_given",
        verbose_name=_("voucher"),
    )
    vouchee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="vouches_received",
        verbose_name=_("vouchee"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    invitation = models.OneToOneField(
        "Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vouch",
        verbose_name=_("invitation"),
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Brought in with another community's network: no statement, known only by its link.
    is_imported = models.BooleanField(_("imported"), default=False)
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=16, choices=RevocationReason.choices, blank=True
    )
    revocation_note = models.TextField(_("revocation note"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = VouchQuerySet.as_manager()

    class Meta:
        verbose_name = _("vouch")
        verbose_name_plural = _("vouches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(voucher=models.F("vouchee")), name="vouch_not_self"
            ),
            models.CheckConstraint(condition=Q(strength__in=[1, 2, 3]), name="vouch_strength"),
            models.UniqueConstraint(
                fields=["voucher", "vouchee"],
                condition=Q(status__in=["pending", "accepted"]),
                name="vouch_one_active_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["voucher", "status"], name="vouch_voucher_status"),
            models.Index(fields=["vouchee", "status"], name="vouch_vouchee_status"),
            # Trust paths walk accepted vouches both ways and answer from these indexes
            # alone: covering key columns rather than INCLUDE, which SQLite lacks, and
            # the status too, without which SQLite visits the table for its condition.
            models.Index(
                fields=["voucher", "vouchee", "strength", "id", "status"],
                condition=Q(status="accepted"),
                name="vouch_accepted_out",
            ),
            models.Index(
                fields=["vouchee", "voucher", "strength", "id", "status"],
                condition=Q(status="accepted"),
                name="vouch_accepted_in",
            ),
        ]

    def __str__(self):
        return f"{self.voucher} → {self.vouchee}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations that can still be used: not accepted, withdrawn or expired."""
        return self.filter(status=Invitation.Status.OPEN, expires_at__gt=timezone.now())

    def sent_by(self, member):
        return self.filter(inviter=member)

    def created_since(self, moment):
        return self.filter(created_at__gte=moment)

    def for_email(self, email):
        return self.filter(email=email.strip().lower())


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class Invitation(VouchFields):
    """A vouch for someone who is not a member yet, delivered by email."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for them to join")
        ACCEPTED = "accepted", _("Joined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        # They joined through someone else's invitation; this one became a vouch.
        CONVERTED = "converted", _("Joined through another invitation")

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations_sent",
        verbose_name=_("inviter"),
    )
    email = models.EmailField(_("email address"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # Part of the signed token: a new nonce would invalidate a leaked link.
    nonce = models.CharField(max_length=64, default=new_nonce, editable=False)
    language = models.CharField(_("language"), max_length=16, default="en")
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    # Empty again once that member has closed their account.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member who joined"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(strength__in=[1, 2, 3]), name="invitation_strength"),
            models.UniqueConstraint(
                fields=["inviter", "email"],
                condition=Q(status="open"),
                name="invitation_one_open_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["email", "status"], name="invitation_email_status"),
            models.Index(fields=["status", "sent_at"], name="invitation_unsent"),
        ]

    def __str__(self):
        return f"{self.inviter} → {self.email}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and not self.is_expired
