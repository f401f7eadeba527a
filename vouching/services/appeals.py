"""Appeals: a member asks the moderators to look again at an action about them, once;
a moderator upholds (undoing that action as far as it still can be) or rejects it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Appeal, Member, ModerationRecord
from .moderation import moderation_record_create, note_required
from .removals import ban_lift, member_reinstate, removal_in_force
from .revocations import forfeits_lift, recorded_forfeits_lift, vouch_restore, vouchers_forfeit
from .trust import trust_graph_changed

Action = ModerationRecord.Action


@transaction.atomic
def appeal_file(*, member: Member, entry: ModerationRecord, text: str):
    """A member asks the moderators to look again at an action about them; once."""
    if entry.member_id != member.pk or entry.action not in ModerationRecord.APPEALABLE:
        raise ValidationError(_("You cannot appeal this."), code="not_appealable")
    if not text.strip():
        raise ValidationError({"text": _("Tell the moderators why they should look again.")})
    once = ValidationError(_("You have already appealed this action."), code="once")
    if Appeal.objects.filter(record=entry, member=member).exists():
        raise once
    appeal = Appeal(record=entry, member=member, text=text.strip())
    appeal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: the same appeal sent twice at once
            appeal.save()
    except IntegrityError:
        raise once from None
    return appeal


@dataclass(frozen=True)
class AppealDecision:
    appeal: object
    # What the moderator should know: what could not be undone, and why.
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def appeal_decide(*, appeal, moderator: Member, uphold: bool, note: str) -> AppealDecision:
    """Uphold (undo the action) or reject an appeal; either way it is on the record.

    Upholding undoes that action only: its forfeits are lifted in every case; a
    suspension or ban is reinstated only while it is the removal in force (not a later,
    separate one); a revoked vouch comes back as it was, unless the pair has another
    vouch by now.
    """
    note = note_required(note)
    appeal = Appeal.objects.select_for_update().select_related("record", "member").get(pk=appeal.pk)
    if appeal.member_id == moderator.pk:
        raise ValidationError(_("You cannot decide an appeal about yourself."), code="self")
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(_("This appeal has been decided."), code="decided")
    entry = appeal.record
    notes = []
    if uphold:
        notes = _undo(entry, member_id=appeal.member_id, moderator=moderator, note=note)
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.decision_note = note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    moderation_record_create(
        actor=moderator,
        action=Action.APPEAL_UPHELD if uphold else Action.APPEAL_REJECTED,
        member=appeal.member,
        cause=entry,
        note=note,
    )
    return AppealDecision(appeal=appeal, notes=notes)


def _undo(entry: ModerationRecord, *, member_id: int, moderator: Member, note: str) -> list[str]:
    """Undo the action ``entry`` as far as it still can be; what could not be, said."""
    notes: list[str] = []
    if entry.action in (Action.SUSPEND, Action.BAN):
        notes += _undo_removal(entry, member_id=member_id, moderator=moderator, note=note)
    elif entry.action == Action.REVOKE_VOUCH:
        if not vouch_restore(entry):
            notes.append(
                _(
                    "The voucher has vouched for this member again since: the old vouch "
                    "stays revoked, and its forfeit is lifted."
                )
            )
        forfeits_lift(entry)
    elif entry.action == Action.FORFEIT:
        recorded_forfeits_lift(ModerationRecord.objects.filter(pk=entry.pk))
    trust_graph_changed()
    return notes


def _undo_removal(
    entry: ModerationRecord, *, member_id: int, moderator: Member, note: str
) -> list[str]:
    forfeits_lift(entry)
    member = Member.objects.select_for_update().get(pk=member_id)
    in_force = removal_in_force(member)
    if in_force == entry.pk and entry.action == Action.BAN and member.is_suspended:
        # A suspension it came on top of goes on: only the ban is undone.
        ban_lift(member=member, moderator=moderator, note=note, ban=entry)
        return []
    if in_force == entry.pk:
        member_reinstate(member=member, moderator=moderator, note=note, cause=entry)
        return []
    if in_force is not None:
        # The removal still in force goes on costing the vouchers their pledge.
        vouchers_forfeit(member, ModerationRecord.objects.get(pk=in_force))
    return [
        _(
            "This action is no longer the one in force: its forfeits are lifted, "
            "and the member's current standing is unchanged."
        )
    ]
