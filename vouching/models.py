"""Membership and trust: members, vouches, invitations and the computed trust state."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A statement has to say something about the person, and stay readable on a phone.
STATEMENT_MIN_LENGTH = 40
STATEMENT_MAX_LENGTH = 2000
DISPLAY_NAME_MAX_LENGTH = 60


class Standing(models.TextChoices):
    PENDING = "pending", _("Pending")
    VOUCHED = "vouched", _("Vouched")
    SUSPENDED = "suspended", _("Suspended")
    BANNED = "banned", _("Banned")


# Members who may be hidden from others: a partial index holds exactly these, and
# ``MemberQuerySet.hidden`` repeats the condition word for word, which is how SQLite
# (unlike PostgreSQL, which proves the implication) knows it may use the index.
MAYBE_HIDDEN = Q(is_active=False) | Q(banned_at__isnull=False) | Q(suspended_until__isnull=False)


class MemberQuerySet(models.QuerySet):
    def moderated(self):
        """Members hidden by moderation: banned, or suspended right now."""
        return self.filter(Q(banned_at__isnull=False) | Q(suspended_until__gt=timezone.now()))

    def hidden(self):
        """Members nobody may see or be connected through: inactive or moderated."""
        return self.filter(MAYBE_HIDDEN).filter(
            Q(is_active=False) | Q(banned_at__isnull=False) | Q(suspended_until__gt=timezone.now())
        )

    def not_moderated(self):
        return self.filter(banned_at__isnull=True).filter(
            Q(suspended_until__isnull=True) | Q(suspended_until__lte=timezone.now())
        )

    def visible(self):
        """Members other members may see: active accounts not hidden by moderation."""
        return self.filter(is_active=True).not_moderated()

    def in_good_standing(self):
        """Members whose derived standing is "vouched"."""
        return self.visible().filter(Q(is_founder=True) | Q(trust__vouched=True))

    def founders(self):
        return self.filter(is_founder=True)


class MemberManager(BaseUserManager.from_queryset(MemberQuerySet)):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("A member needs an email address.")
        member = self.model(email=self.normalize_email(email), **fields)
        if password:
            member.set_password(password)
        else:
            member.set_unusable_password()
        member.save(using=self._db)
        return member

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


def avatar_upload_path(member, filename):
    # Random names: a file name must never reveal whose picture it is.
    return f"avatars/{secrets.token_hex(16)}.jpg"


class Member(AbstractBaseUser, PermissionsMixin):
    """A member account. Members log in with their email; others see the display name."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX_LENGTH)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    avatar = models.ImageField(_("photo"), upload_to=avatar_upload_path, blank=True)
    is_founder = models.BooleanField(
        _("founder"),
        default=False,
        help_text=_("Founders are the seeds of trust: standing flows outward from them."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The language emails to this member are written in: the one they last used here.
    language = models.CharField(
        _("language"), max_length=16, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Members imported from another community's vouch network keep their name there and
    # stay placeholders until the person claims the account by email.
    imported_name = models.CharField(
        _("imported name"), max_length=150, unique=True, null=True, blank=True
    )
    is_placeholder = models.BooleanField(_("placeholder"), default=False)
    # Moderation state; standing is derived from it, never stored.
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    banned_at = models.DateTimeField(_("banned at"), null=True, blank=True)
    # Part of every session's signature: bumping it signs the member out everywhere.
    session_version = models.PositiveIntegerField(default=0, editable=False)

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            # Trust paths avoid hidden members: finding the few among many stays an
            # index scan (``MemberQuerySet.hidden``).
            models.Index(fields=["id"], name="member_maybe_hidden", condition=MAYBE_HIDDEN),
            # Founders stand without a trust score: the browse query asks for the few
            # of them for every candidate whose score is not vouched.
            models.Index(fields=["id"], name="member_founders", condition=Q(is_founder=True)),
        ]

    def __str__(self):
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("vouching:member", kwargs={"public_id": self.public_id})

    def get_session_auth_hash(self):
        """Sessions stay valid only while the password and the session version hold."""
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "vouching.Member.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self):
        return self.display_name

    def get_full_name(self):
        return self.display_name

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def standing(self) -> Standing:
        if self.is_banned:
            return Standing.BANNED
        if self.is_suspended:
            return Standing.SUSPENDED
        if self.is_founder:
            return Standing.VOUCHED
        try:
            vouched = self.trust.vouched
        except TrustScore.DoesNotExist:
            vouched = False
        return Standing.VOUCHED if vouched else Standing.PENDING

    @property
    def in_good_standing(self) -> bool:
        return self.is_active and self.standing == Standing.VOUCHED


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

    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="vouches_given",
        verbose_name=_("voucher"),
    )
    vouchee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="vouches_received",
        verbose_name=_("vouchee"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    invitation = models.OneToOneField(
        "Invitation",
        on_delete=models.PROTECT,
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
        on_delete=models.PROTECT,
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
        on_delete=models.PROTECT,
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
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
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
        on_delete=models.PROTECT,
        related_name="forfeits",
        verbose_name=_("voucher"),
    )
    vouchee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vouched for"),
    )
    vouch = models.ForeignKey(
        Vouch, on_delete=models.PROTECT, related_name="forfeits", verbose_name=_("vouch")
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


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The moderation log is append-only: records are never changed.")

    def delete(self):
        raise PermissionError("The moderation log is append-only: records are never deleted.")


class ModerationRecord(models.Model):
    """One line of the append-only moderation log: who did what to whom, why, when.

    Every moderator action and every automatic consequence (a forfeited pledge, standing
    lost) writes one, in the same transaction as the change itself. Nothing edits or
    deletes a record: not the console, not the admin, not the ORM (``save`` refuses
    updates, ``delete`` and the queryset refuse), and on PostgreSQL a trigger refuses
    UPDATE and DELETE in the database itself.
    """

    class Action(models.TextChoices):
        REVOKE_VOUCH = "revoke_vouch", _("Revoked a vouch")
        SUSPEND = "suspend", _("Suspended")
        BAN = "ban", _("Banned")
        REINSTATE = "reinstate", _("Reinstated")
        FORFEIT = "forfeit", _("Pledge forfeited")
        STANDING_LOST = "standing_lost", _("Lost vouched standing")
        REPORT_CLAIMED = "report_claimed", _("Claimed a report")
        REPORT_RELEASED = "report_released", _("Released a report")
        REPORT_RESOLVED = "report_resolved", _("Resolved a report")
        REPORT_DISMISSED = "report_dismissed", _("Dismissed a report")
        APPEAL_UPHELD = "appeal_upheld", _("Upheld an appeal")
        APPEAL_REJECTED = "appeal_rejected", _("Rejected an appeal")
        MODERATOR_GRANTED = "moderator_granted", _("Made a moderator")
        MODERATOR_REMOVED = "moderator_removed", _("Removed a moderator")

    # Member-facing actions: the member is told why and may appeal once.
    APPEALABLE = (Action.REVOKE_VOUCH, Action.SUSPEND, Action.BAN, Action.FORFEIT)

    class Reason(models.TextChoices):
        BAD_VOUCH = "bad_vouch", _("Bad vouch")
        FAKE = "fake", _("Fake account")
        HARASSMENT = "harassment", _("Harassment or abuse")
        SCAM = "scam", _("Scam")
        UNDERAGE = "underage", _("Under 18")
        RING = "ring", _("Vouching ring")
        MISTAKE = "mistake", _("Mistake")
        OTHER = "other", _("Other")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderator"),
        help_text=_("Empty for automatic consequences."),
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_records",
        verbose_name=_("member"),
    )
    vouch = models.ForeignKey(
        Vouch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_id = models.BigIntegerField(_("report"), null=True, blank=True)
    cause = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consequences",
        verbose_name=_("caused by"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation record")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]
        permissions = [("moderate", _("Can use the moderation console"))]
        indexes = [models.Index(fields=["member", "created_at"], name="record_member")]
        # Related lookups and deletion go through the base manager: it refuses too.
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.member_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding or (
            self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists()
        ):
            raise PermissionError("The moderation log is append-only: records are never changed.")
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    @property
    def suspended_until(self):
        """Until when a suspension recorded here runs, as it was decided."""
        from django.utils.dateparse import parse_datetime

        value = self.after.get("suspended_until") if self.action == self.Action.SUSPEND else None
        return parse_datetime(value) if value else None

    def changes(self) -> list[tuple[str, str, str]]:
        """Before and after as (label, before, after), in words a moderator reads."""
        keys = list(dict.fromkeys([*self.before, *self.after]))
        return [
            (
                str(RECORD_FIELD_LABELS.get(key, key)),
                record_value_display(key, self.before.get(key)),
                record_value_display(key, self.after.get(key)),
            )
            for key in keys
        ]

    def delete(self, *args, **kwargs):
        raise PermissionError("The moderation log is append-only: records are never deleted.")


# The keys ``before`` and ``after`` hold, and how their values read.
RECORD_FIELD_LABELS = {
    "standing": _("standing"),
    "suspended_until": _("suspended until"),
    "banned_at": _("banned at"),
    "status": _("vouch status"),
    "weight": _("weight of their vouches"),
    "until": _("in force until"),
    "vouching_suspended_until": _("right to vouch suspended until"),
    "generation": _("trust recalculation"),
    "action": _("action taken"),
    "forfeit": _("forfeit"),
    "actions": _("moderation actions since the last recalculation"),
}
RECORD_DATE_KEYS = {"suspended_until", "banned_at", "until", "vouching_suspended_until"}
RESOLUTION_LABELS = {
    "none": _("No further action"),
    "revoke_vouch": _("Revoke the reported vouch"),
    "suspend": _("Suspend the reported member"),
    "ban": _("Ban the reported member"),
}


def record_value_display(key: str, value) -> str:
    from django.utils.dateparse import parse_datetime
    from django.utils.formats import date_format, number_format

    if value is None or value == "" or value == []:
        return "—"
    if key == "standing" and value in Standing.values:
        return str(Standing(value).label)
    if key == "status" and value in Vouch.Status.values:
        return str(Vouch.Status(value).label)
    if key == "action" and value in RESOLUTION_LABELS:
        return str(RESOLUTION_LABELS[value])
    if key in RECORD_DATE_KEYS and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(value, float):
        return number_format(value)
    if isinstance(value, list):
        return ", ".join(f"#{item}" for item in value)
    if key in ("forfeit", "generation"):
        return f"#{value}"
    return str(value)


class Appeal(models.Model):
    """A member asks the moderators to look again at an action taken about them; once."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        UPHELD = "upheld", _("Upheld: the action was undone")
        REJECTED = "rejected", _("Rejected: the action stands")

    record = models.ForeignKey(ModerationRecord, on_delete=models.PROTECT, related_name="appeals")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals"
    )
    text = models.TextField(_("your appeal"), validators=[MaxLengthValidator(2000)])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "member"], name="appeal_once_per_action")
        ]

    def __str__(self):
        return f"{self.member_id} appeals {self.record_id}"


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
