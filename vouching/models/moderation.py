"""The append-only moderation log, how its records read, and appeals against them."""

from collections import defaultdict

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from .members import Standing
from .vouches import Vouch


class ActionChoices(BaseChoiceIterator):
    """The actions the log records: this app's own, and those other apps add at start-up.

    Reports are worked in ``matchmaking``, which this app never imports: it adds its
    report actions here (``ModerationRecord.add_actions``), so a record of one reads like
    any other, in the admin, the console and the CSV export. Each app's actions are listed
    where they were when this app knew them all, so the choices, and so the migrations,
    stay as they were.
    """

    def __init__(self, own: type[models.TextChoices]):
        self.own = own
        self.added: dict[str, list[tuple[str, str]]] = {}

    def add(self, actions: type[models.TextChoices], *, before: str) -> None:
        known = {value for value, _label in self}
        self.added.setdefault(before, []).extend(
            choice for choice in actions.choices if choice[0] not in known
        )

    def __iter__(self):
        for value, label in self.own.choices:
            yield from self.added.get(value, ())
            yield value, label


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The moderation log is append-only: records are never changed.")

    def delete(self):
        raise PermissionError("The moderation log is append-only: records are never deleted.")


def former_member_pseudonym(member_id: int) -> str:
    """What the log calls a member who closed their account: the same name on every
    record of theirs, which nobody can turn back into the member without the site's key."""
    return salted_hmac("vouching.former_member", str(member_id)).hexdigest()[:8]


def unlink_from_log(collector, field, sub_objs, using):
    """``on_delete`` for the log's links: the record stays, the link is cleared, and a
    closed member's records keep their pseudonym.

    Evaluated records (not the lazy queryset ``SET_NULL`` passes) make the collector
    write with a plain UPDATE, which the append-only queryset would refuse; the database
    trigger allows exactly these changes.
    """
    records = list(sub_objs)
    pseudonym_name = f"{field.name}_pseudonym"
    if any(f.name == pseudonym_name for f in field.model._meta.fields):
        linked = dict(
            field.model._base_manager.filter(pk__in=[r.pk for r in records]).values_list(
                "pk", field.attname
            )
        )
        by_pseudonym = defaultdict(list)
        for record in records:
            by_pseudonym[former_member_pseudonym(linked[record.pk])].append(record)
        pseudonym_field = field.model._meta.get_field(pseudonym_name)
        for pseudonym, group in by_pseudonym.items():
            collector.add_field_update(pseudonym_field, pseudonym, group)
    collector.add_field_update(field, None, records)


class ModerationRecord(models.Model):
    """One line of the append-only moderation log: who did what to whom, why, when.

    Every moderator action and every automatic consequence (a forfeited pledge, standing
    lost) writes one, in the same transaction as the change itself. Nothing edits or
    deletes a record: not the console, not the admin, not the ORM (``save`` refuses
    updates, ``delete`` and the queryset refuse), and on PostgreSQL a trigger refuses
    UPDATE and DELETE in the database itself. The one change allowed: when a member
    closes their account, the links to them (and to a vouch that left with them) are
    cleared, and a pseudonym (``former_member_pseudonym``) keeps their records together.
    """

    class Action(models.TextChoices):
        REVOKE_VOUCH = "revoke_vouch", _("Revoked a vouch")
        SUSPEND = "suspend", _("Suspended")
        BAN = "ban", _("Banned")
        REINSTATE = "reinstate", _("Reinstated")
        FORFEIT = "forfeit", _("Pledge forfeited")
        STANDING_LOST = "standing_lost", _("Lost vouched standing")
        # Actions on reports come from matchmaking (``ActionChoices``).
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
        on_delete=unlink_from_log,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderator"),
        help_text=_("Empty for automatic consequences."),
    )
    actor_pseudonym = models.CharField(max_length=16, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=24, choices=ActionChoices(Action))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=unlink_from_log,
        null=True,
        blank=True,
        related_name="moderation_records",
        verbose_name=_("member"),
    )
    member_pseudonym = models.CharField(max_length=16, blank=True, editable=False)
    vouch = models.ForeignKey(
        Vouch, on_delete=unlink_from_log, null=True, blank=True, related_name="+"
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

    @classmethod
    def add_actions(cls, actions: type[models.TextChoices], *, before: str) -> None:
        """Record another app's actions too, listed before the action ``before``."""
        cls._meta.get_field("action").choices.add(actions, before=before)

    @property
    def suspended_until(self):
        """Until when a suspension recorded here runs, as it was decided."""
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
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
