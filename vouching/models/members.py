"""Members: accounts, how they stand, and who may be seen."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .trust import TrustScore

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

    def moderators(self):
        """Members with the moderator role: the permission, a group that has it, or
        superuser."""
        granted = Permission.objects.filter(codename="moderate", content_type__app_label="vouching")
        return self.filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=granted)
            | Q(groups__permissions__in=granted)
        ).distinct()


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
