"""Revoking a vouch, and the forfeits moderation causes and lifts, on the record.

A moderator ends a vouch that stands or awaits its answer. As a bad vouch, or when the
member vouched for is suspended or banned (``removals.py``), it costs the voucher their
pledge (``pledges.pledge_forfeit``); each forfeit is a line of its own in the log,
caused by the act, so that an upheld appeal can lift exactly the forfeits it caused.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Member, ModerationRecord, PledgeForfeit, RevocationReason, Vouch
from .moderation import moderation_record_create, note_required, reason_required
from .pledges import pledge_forfeit
from .trust import trust_graph_changed

Action = ModerationRecord.Action
# What revoking a vouch changes on it, and what restoring it puts back.
REVOCATION_FIELDS = ["status", "ended_at", "revocation_reason", "revocation_note", "revoked_by"]


@transaction.atomic
def vouch_revoke(
    *,
    vouch: Vouch,
    moderator: Member,
    reason: str,
    note: str,
    cause: ModerationRecord | None = None,
    report_id: int | None = None,
) -> tuple[Vouch, PledgeForfeit | None]:
    """A moderator ends a vouch that stands or awaits its answer; as a bad vouch it also
    forfeits the voucher's pledge. ``reason`` is the log's category (the member is told
    it: fake account, harassment...); the vouch keeps the revocation reason it maps to."""
    reason = reason_required(reason)
    note = note_required(note)
    vouch = Vouch.objects.select_for_update().select_related("voucher", "vouchee").get(pk=vouch.pk)
    # Revoking a vouch of one's own is self-dealing; as part of a removal (``cause``),
    # the member removed had vouched for the moderator, which only costs the moderator.
    if cause is None and moderator.pk in (vouch.voucher_id, vouch.vouchee_id):
        raise ValidationError(_("You cannot moderate yourself."), code="self")
    if not vouch.is_active:
        raise ValidationError(
            _("This vouch no longer stands (%(status)s): nothing was changed.")
            % {"status": vouch.get_status_display().lower()},
            code="not_active",
        )
    before = {"status": vouch.status}
    was_counting = vouch.status == Vouch.Status.ACCEPTED
    _end(vouch, moderator=moderator, reason=reason, note=note)
    revoked = moderation_record_create(
        actor=moderator,
        action=Action.REVOKE_VOUCH,
        member=vouch.voucher,
        vouch=vouch,
        report_id=report_id,
        cause=cause,
        reason=reason,
        note=note,
        before=before,
        after={"status": vouch.status},
    )
    forfeit = None
    if reason == RevocationReason.BAD_VOUCH:
        forfeit = forfeit_on_record(vouch, PledgeForfeit.Reason.VOUCH_REVOKED, note, cause=revoked)
    if was_counting or forfeit:
        trust_graph_changed()
    signals.send_after_commit(signals.member_moderated, record=revoked)
    return vouch, forfeit


def _end(vouch: Vouch, *, moderator: Member, reason: str, note: str) -> None:
    vouch.status = Vouch.Status.REVOKED
    vouch.ended_at = timezone.now()
    vouch.revocation_reason = (
        reason if reason in RevocationReason.values else RevocationReason.OTHER
    )
    vouch.revocation_note = note
    vouch.revoked_by = moderator
    vouch.save(update_fields=REVOCATION_FIELDS)


def vouch_restore(entry: ModerationRecord) -> bool:
    """Put a revoked vouch back as it was before the revocation ``entry``; False if the
    pair has another vouch that stands now (the old one then stays revoked)."""
    vouch = Vouch.objects.select_for_update().get(pk=entry.vouch_id)
    if vouch.status != Vouch.Status.REVOKED:
        return True
    others = (
        Vouch.objects.active()
        .filter(voucher_id=vouch.voucher_id, vouchee_id=vouch.vouchee_id)
        .exclude(pk=vouch.pk)
    )
    if others.exists():
        return False
    status = entry.before.get("status")
    vouch.status = status if status in Vouch.ACTIVE_STATUSES else Vouch.Status.ACCEPTED
    vouch.ended_at = None
    vouch.revocation_reason = ""
    vouch.revocation_note = ""
    vouch.revoked_by = None
    try:
        with transaction.atomic():  # a savepoint: a new vouch may have just been written
            vouch.save(update_fields=REVOCATION_FIELDS)
    except IntegrityError:
        return False
    return True


# FORFEITS -----------------------------------------------------------------------------


def forfeit_on_record(
    vouch: Vouch, reason: str, note: str, *, cause: ModerationRecord
) -> PledgeForfeit | None:
    """Forfeit the pledge behind ``vouch`` where the rule says so, and log it as a
    consequence of ``cause`` (in the caller's transaction)."""
    forfeit = pledge_forfeit(vouch=vouch, reason=reason, note=note)
    if forfeit:
        moderation_record_create(
            actor=None,
            action=Action.FORFEIT,
            member=forfeit.voucher,
            vouch=vouch,
            cause=cause,
            reason=ModerationRecord.Reason.BAD_VOUCH
            if reason == PledgeForfeit.Reason.VOUCH_REVOKED
            else cause.reason,
            note=note,
            after={
                "forfeit": forfeit.pk,
                "weight": forfeit.weight,
                "until": forfeit.until.isoformat(),
                "vouching_suspended_until": forfeit.vouching_suspended_until.isoformat()
                if forfeit.vouching_suspended_until
                else None,
            },
        )
    return forfeit


def vouchers_forfeit(member: Member, entry: ModerationRecord) -> None:
    """The suspension or ban ``entry`` costs everyone whose vouch for ``member`` stands."""
    kind = (
        PledgeForfeit.Reason.MEMBER_BANNED
        if entry.action == Action.BAN
        else PledgeForfeit.Reason.MEMBER_SUSPENDED
    )
    for vouch in Vouch.objects.accepted().received_by(member).select_related("voucher"):
        forfeit_on_record(vouch, kind, entry.note, cause=entry)


def recorded_forfeits_lift(records) -> int:
    """Lift the forfeits these FORFEIT records wrote, where they are still in force."""
    forfeit_ids, vouch_ids = [], []
    for after, vouch_id in records.values_list("after", "vouch_id"):
        if after.get("forfeit"):
            forfeit_ids.append(after["forfeit"])
        else:  # written before records named their forfeit
            vouch_ids.append(vouch_id)
    return PledgeForfeit.objects.filter(
        Q(pk__in=forfeit_ids) | Q(vouch_id__in=vouch_ids), lifted_at__isnull=True
    ).update(lifted_at=timezone.now())


def forfeits_lift(cause: ModerationRecord) -> int:
    """Lift the forfeits an action caused, where they are still in force."""
    return recorded_forfeits_lift(cause.consequences.filter(action=Action.FORFEIT))
