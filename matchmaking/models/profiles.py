"""Dating profiles: who a member is, whom they seek, how far they are seen."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ADULT_AGE = 18
OLDEST_AGE = 99
BIO_MAX_LENGTH = 2000
PROMPT_ANSWER_MAX_LENGTH = 300
MAX_PROMPTS = 3


def age_on(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def validate_adult(birth_date: date) -> None:
    if age_on(birth_date, timezone.localdate()) < ADULT_AGE:
        raise ValidationError(_("You must be 18 or older to date on Pledge."), code="minor")
    if age_on(birth_date, timezone.localdate()) > 120:
        raise ValidationError(_("Enter your real date of birth."), code="implausible")


def city_key(city: str) -> str:
    """How two spellings of the same city compare: case and spacing do not matter."""
    return " ".join(city.casefold().split())


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NONBINARY = "nonbinary", _("Non-binary")
    OTHER = "other", _("Another identity")


class Reach(models.TextChoices):
    # How far from its owner, in the trust graph, a profile can be seen.
    FRIENDS_OF_FRIENDS = "2", _("Friends of friends (two steps)")
    THREE_HOPS = "3", _("Three steps away")
    EVERYONE = "all", _("Every vouched member")

    @property
    def max_hops(self) -> int | None:
        return {"2": 2, "3": 3}.get(self.value)


# What browsing reads of a profile besides the indexed city, gender and birth date.
BROWSE_COLUMNS = [
    "member_id", "reach", "hide_from_connections", "age_min", "age_max",
    "seeks_woman", "seeks_man", "seeks_nonbinary",
]  # fmt: skip


class ProfileQuerySet(models.QuerySet):
    def dating(self):
        """Profiles that are shown: dating (not matchmaker only) and not paused."""
        return self.filter(is_dating=True, paused_at__isnull=True)


class Profile(models.Model):
    """A member's dating profile. Without one, or with dating off, a member is a
    matchmaker only: they still vouch and introduce."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("member"),
    )
    is_dating = models.BooleanField(
        _("looking to date"),
        default=True,
        help_text=_("Turn off to be a matchmaker only: you still vouch and introduce."),
    )
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    birth_date = models.DateField(_("date of birth"), validators=[validate_adult])
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    seeks_woman = models.BooleanField(_("women"), default=False)
    seeks_man = models.BooleanField(_("men"), default=False)
    seeks_nonbinary = models.BooleanField(_("non-binary people"), default=False)
    seeks_other = models.BooleanField(_("people of another identity"), default=False)
    age_min = models.PositiveSmallIntegerField(
        _("youngest age"),
        default=ADULT_AGE,
        validators=[MinValueValidator(ADULT_AGE), MaxValueValidator(OLDEST_AGE)],
    )
    age_max = models.PositiveSmallIntegerField(
        _("oldest age"),
        default=OLDEST_AGE,
        validators=[MinValueValidator(ADULT_AGE), MaxValueValidator(OLDEST_AGE)],
    )
    city = models.CharField(_("city"), max_length=80)
    city_key = models.CharField(max_length=80, editable=False, db_index=True)
    bio = models.TextField(
        _("about you"), blank=True, validators=[MaxLengthValidator(BIO_MAX_LENGTH)]
    )
    reach = models.CharField(
        _("who can see your profile"),
        max_length=8,
        choices=Reach.choices,
        default=Reach.THREE_HOPS,
    )
    hide_from_connections = models.BooleanField(
        _("hide from people I know directly"),
        default=False,
        help_text=_("People you vouched for, and people who vouched for you, will not see it."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__lte=F("age_max")), name="profile_age_range"
            ),
            models.CheckConstraint(
                condition=Q(age_min__gte=ADULT_AGE) & Q(age_max__lte=OLDEST_AGE),
                name="profile_age_bounds",
            ),
        ]
        # Browsing reads the profiles that fit a viewer from one of these alone (on
        # PostgreSQL, which stores the included columns in the index): a city, a
        # gender and an age range, or every city.
        indexes = [
            models.Index(
                fields=["city_key", "gender", "birth_date"],
                include=BROWSE_COLUMNS,
                condition=Q(is_dating=True, paused_at__isnull=True),
                name="profile_browse_city",
            ),
            models.Index(
                fields=["gender", "birth_date"],
                include=BROWSE_COLUMNS,
                condition=Q(is_dating=True, paused_at__isnull=True),
                name="profile_browse_any",
            ),
        ]

    def __str__(self):
        return str(self.member)

    def save(self, *args, **kwargs):
        self.city = " ".join(self.city.split())
        self.city_key = city_key(self.city)
        super().save(*args, **kwargs)

    def clean(self):
        if self.age_min and self.age_max and self.age_min > self.age_max:
            raise ValidationError(
                {"age_max": _("The oldest age cannot be below the youngest.")}, code="age_range"
            )
        if not self.seeking:
            raise ValidationError(
                {"seeks_woman": _("Choose at least one kind of person you want to meet.")},
                code="seeking",
            )

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())

    @property
    def seeking(self) -> list[str]:
        return [g for g in Gender.values if getattr(self, f"seeks_{g}")]

    @property
    def is_shown(self) -> bool:
        return self.is_dating and self.paused_at is None


class Prompt(models.TextChoices):
    SUNDAY = "sunday", _("A perfect Sunday for me is")
    FRIENDS_SAY = "friends_say", _("My friends would say I am")
    LEARNING = "learning", _("Something I am learning")
    TOGETHER = "together", _("We will get along if")
    PROUD = "proud", _("Something I am quietly proud of")
    FOOD = "food", _("The dish I would cook for you")
    FAMILY = "family", _("What family means to me")


class ProfilePrompt(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="prompts")
    prompt = models.CharField(_("prompt"), max_length=24, choices=Prompt.choices)
    answer = models.CharField(_("answer"), max_length=PROMPT_ANSWER_MAX_LENGTH)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "prompt"], name="prompt_once_per_profile")
        ]

    def __str__(self):
        return f"{self.get_prompt_display()}: {self.answer}"
