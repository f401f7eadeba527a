"""The dating side of Pledge: profiles, photos, interest, matches, introductions, messages.

Membership, vouches, trust and blocks belong to ``vouching``; this app asks it for
standing, trust paths and who blocks whom, and never the other way round.
"""

import secrets
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
MAX_PHOTOS = 6
MESSAGE_MAX_LENGTH = 2000


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


def photo_path(photo, filename):
    # Random names in a private folder: never a guessable public address.
    return f"photos/{secrets.token_hex(16)}.jpg"


class Photo(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.profile} #{self.position}"


class PhotoConfirmation(models.Model):
    """A voucher confirms a photo really shows the person they vouched for."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="confirmations")
    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "voucher"], name="photo_confirmed_once")
        ]

    def __str__(self):
        return f"{self.voucher_id} confirms photo {self.photo_id}"


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


class Report(models.Model):
    """A member reports a profile, photo, message or vouch to the moderators."""

    class Reason(models.TextChoices):
        FAKE = "fake", _("Fake profile or not who they say they are")
        HARASSMENT = "harassment", _("Harassment or abuse")
        SCAM = "scam", _("Scam or asking for money")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        UNDERAGE = "underage", _("May be under 18")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed"
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("what happened"), blank=True, validators=[MaxLengthValidator(2000)])
    profile = models.ForeignKey(Profile, on_delete=models.SET_NULL, null=True, blank=True)
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True)
    vouch = models.ForeignKey("vouching.Vouch", on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]

    def __str__(self):
        return f"{self.reporter_id} reports {self.reported_id}: {self.reason}"


class Notification(models.Model):
    """Something a member should know: shown in the site, and emailed by a worker."""

    class Kind(models.TextChoices):
        MATCH = "match", _("New match")
        INTRODUCTION_REQUEST = "intro_request", _("Introduction request")
        INTRODUCTION = "introduction", _("Introduction")
        INTRODUCTION_ACCEPTED = "intro_accepted", _("Introduction accepted")
        MESSAGE = "message", _("New message")
        VOUCH = "vouch", _("New vouch")
        VOUCH_ACCEPTED = "vouch_accepted", _("Vouch accepted")
        MODERATION = "moderation", _("A moderator acted")
        VOUCHEE_MODERATED = "vouchee_moderated", _("Someone you vouched for was moderated")
        STANDING_LOST = "standing_lost", _("You are no longer vouched")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    match = models.ForeignKey(Match, on_delete=models.CASCADE, null=True, blank=True)
    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, null=True, blank=True)
    vouch = models.ForeignKey("vouching.Vouch", on_delete=models.CASCADE, null=True, blank=True)
    record = models.ForeignKey(
        "vouching.ModerationRecord", on_delete=models.CASCADE, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="notification_unsent"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"
