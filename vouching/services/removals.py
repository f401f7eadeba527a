"""Suspending, banning and reinstating members, on the record.

A removal takes the member out at once (every session signed out, hidden by the query
sets), costs everyone whose vouch for them stands their pledge, and may revoke every
vouch they gave. Reinstating undoes the removal and the forfeits it caused; the vouches
it revoked stay revoked, and their vouchers may vouch again.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Member, ModerationRecord, Vouch
from .moderation import moderation_record_create, note_required, reason_required
from .revocations import forfeits_lift, vouch_revoke, vouchers_forfeit
from .trust import trust_graph_changed

Action = ModerationRecord.Action


def _state(member: Member) -> dict:
    return {
        "standing": str(member.standing),
        "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
        "banned_at": member.banned_at.isoformat() if member.banned_at else None,
    }


@transaction.atomic
def member_suspend(
    *,
    member: Member,
    moderator: Member,
    until: datetime,
    reason: str,
    note: str,
    revoke_given: bool = False,
    report_id: int | None = None,
) -> ModerationRecord:
    return _remove(
        member=member,
        moderator=moderator,
        action=Action.SUSPEND,
        reason=reason,
        note=note,
        revoke_given=revoke_given,
        report_id=report_id,
        until=until,
    )


@transaction.atomic
def member_ban(
    *,
    member: Member,
    moderator: Member,
    reason: str,
    note: str,
    revoke_given: bool = False,
    report_id: int | None = None,
) -> ModerationRecord:
    return _remove(
        member=member,
        moderator=moderator,
        action=Action.BAN,
        reason=reason,
        note=note,
        revoke_given=revoke_given,
        report_id=report_id,
    )


def _remove(
    *,
    member: Member,
    moderator: Member,
    action: str,
    reason: str,
    note: str,
    revoke_given: bool,
    report_id: int | None,
    until: datetime | None = None,
) -> ModerationRecord:
    if member.pk == moderator.pk:
        raise ValidationError(_("You cannot moderate yourself."), code="self")
    reason = reason_required(reason)
    note = note_required(note)
    member = Member.objects.select_for_update().get(pk=member.pk)
    _refuse_a_repeat(member, action)
    before = _state(member)
    _take_out(member, action, until)
    entry = moderation_record_create(
        actor=moderator,
        action=action,
        member=member,
        report_id=report_id,
        reason=reason,
        note=note,
        before=before,
        after=_state(member),
    )
    vouchers_forfeit(member, entry)
    if revoke_given:
        for vouch in Vouch.objects.active().given_by(member):
            vouch_revoke(
                vouch=vouch,
                moderator=moderator,
                reason=reason,
                note=note,
                cause=entry,
                report_id=report_id,
            )
    trust_graph_changed()
    signals.send_after_commit(signals.member_moderated, record=entry)
    return entry


def _refuse_a_repeat(member: Member, action: str) -> None:
    """A second click, or a second moderator, must not remove twice: one record, one
    notice. Banning a suspended member is an escalation, not a repeat."""
    if member.is_banned:
        raise ValidationError(
            _("%(name)s is already banned: nothing was changed.") % {"name": member},
            code="already_removed",
        )
    if action == Action.SUSPEND and member.is_suspended:
        raise ValidationError(
            _(
                "%(name)s is already suspended: nothing was changed. Reinstate them first "
                "to choose another date."
            )
            % {"name": member},
            code="already_removed",
        )


def _take_out(member: Member, action: str, until: datetime | None) -> None:
    now = timezone.now()
    if action == Action.SUSPEND:
        if until is None or until <= now:
            raise ValidationError({"until": _("Choose a date in the future.")}, code="until")
        member.suspended_until = until
    else:
        member.banned_at = member.banned_at or now
    # Out at once: every session signed out, hidden from everything by the query sets.
    member.session_version += 1
    member.save(update_fields=["suspended_until", "banned_at", "session_version"])


# REINSTATING --------------------------------------------------------------------------


@transaction.atomic
def member_reinstate(
    *, member: Member, moderator: Member, note: str, cause: ModerationRecord | None = None
) -> ModerationRecord:
    """Undo a suspension or a ban, and the forfeits it caused. Revoked vouches stay
    revoked: the vouchers may vouch again."""
    note = note_required(note)
    if member.pk == moderator.pk:
        raise ValidationError(_("You cannot moderate yourself."), code="self")
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not (member.banned_at or member.is_suspended):
        raise ValidationError(_("This member is neither suspended nor banned."), code="not_removed")
    before = _state(member)
    member.banned_at = None
    member.suspended_until = None
    member.save(update_fields=["banned_at", "suspended_until"])
    for removal in ModerationRecord.objects.filter(
        member=member, action__in=[Action.SUSPEND, Action.BAN]
    ).filter(created_at__gte=_last_reinstatement(member)):
        forfeits_lift(removal)
    entry = _record_reinstatement(
        member, moderator=moderator, note=note, cause=cause, before=before
    )
    trust_graph_changed()
    return entry


def ban_lift(
    *, member: Member, moderator: Member, note: str, ban: ModerationRecord
) -> ModerationRecord:
    """Undo a ban that came on top of a suspension still running: the suspension, and
    the forfeits it caused, stand. On the record as a reinstatement caused by the ban
    that leaves the member suspended (``_last_reinstatement`` looks past it)."""
    before = _state(member)
    member.banned_at = None
    member.save(update_fields=["banned_at"])
    return _record_reinstatement(member, moderator=moderator, note=note, cause=ban, before=before)


def _record_reinstatement(
    member: Member, *, moderator: Member, note: str, cause: ModerationRecord | None, before: dict
) -> ModerationRecord:
    return moderation_record_create(
        actor=moderator,
        action=Action.REINSTATE,
        member=member,
        cause=cause,
        note=note,
        before=before,
        after=_state(member),
    )


def _last_reinstatement(member: Member):
    """When the member was last let back in fully (not a ban lifted from a suspension)."""
    last = (
        ModerationRecord.objects.filter(member=member, action=Action.REINSTATE)
        .filter(after__suspended_until=None)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return last or datetime.min.replace(tzinfo=timezone.get_current_timezone())


def removal_in_force(member: Member) -> int | None:
    """The id of the suspension or ban that keeps ``member`` out now, if any."""
    if not (member.is_banned or member.is_suspended):
        return None
    lifted = ModerationRecord.objects.filter(member=member, action=Action.REINSTATE)
    return (
        ModerationRecord.objects.filter(
            member=member,
            action__in=[Action.SUSPEND, Action.BAN],
            created_at__gte=_last_reinstatement(member),
        )
        .exclude(pk__in=lifted.exclude(cause=None).values("cause_id"))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
