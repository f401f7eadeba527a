"""The moderation log and the moderator role.

Every moderation act (revoking a vouch, suspending, banning, reinstating, deciding an
appeal, granting the role) and every automatic consequence (a forfeited pledge, standing
lost) appends one ``ModerationRecord`` in the same transaction as the change. The acts
themselves live beside this module: ``revocations.py``, ``removals.py``, ``appeals.py``;
what an act would cost before anyone does it, in ``previews.py``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Member, ModerationRecord, Vouch

Action = ModerationRecord.Action


def moderation_record_create(
    *,
    actor: Member | None,
    action: str,
    member: Member | None = None,
    vouch: Vouch | None = None,
    report_id: int | None = None,
    cause: ModerationRecord | None = None,
    reason: str = "",
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> ModerationRecord:
    """Append one line to the moderation log (in the caller's transaction)."""
    return ModerationRecord.objects.create(
        actor=actor,
        action=action,
        member=member,
        vouch=vouch,
        report_id=report_id,
        cause=cause,
        reason=reason,
        note=note,
        before=before or {},
        after=after or {},
    )


def note_required(note: str) -> str:
    """The explanation a moderator owes the member, stripped; refused when blank."""
    if not note.strip():
        raise ValidationError({"note": _("Explain the action: the member will read it.")})
    return note.strip()


def reason_required(reason: str) -> str:
    """One of the log's reasons; refused otherwise."""
    if reason not in ModerationRecord.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")}, code="reason")
    return reason


# MODERATORS ---------------------------------------------------------------------------


def moderate_permission() -> Permission:
    return Permission.objects.get(codename="moderate", content_type__app_label="vouching")


@transaction.atomic
def moderator_grant(*, member: Member, by: Member | None = None, remove: bool = False) -> None:
    """Give or take the moderator role; recorded like every moderation act."""
    permission = moderate_permission()
    if remove:
        member.user_permissions.remove(permission)
    else:
        member.user_permissions.add(permission)
    moderation_record_create(
        actor=by,
        action=Action.MODERATOR_REMOVED if remove else Action.MODERATOR_GRANTED,
        member=member,
    )


# STANDING LOST ------------------------------------------------------------------------


def standing_lost_record(
    member_ids,
    *,
    generation: int,
    since: datetime | None = None,
    carriers: dict[int, list[int]] | None = None,
) -> list[int]:
    """The recalculation's automatic consequence: who lost vouched standing, from what to
    what, the vouchers whose vouches carried it until then (``carriers``), and the
    moderator actions since the last recalculation (``since``) that may have caused it.
    The latest of them is the record's cause and gives its reason; with none, the cause
    is the change to the graph that ``generation`` counts. Returns the records' ids, for
    telling the members after commit (``signals.standing_lost``)."""
    actions = ModerationRecord.objects.filter(
        action__in=[Action.REVOKE_VOUCH, Action.SUSPEND, Action.BAN], cause__isnull=True
    )
    if since is not None:
        actions = actions.filter(created_at__gte=since)
    action_ids = list(actions.order_by("-created_at", "-pk").values_list("pk", flat=True)[:50])
    cause = ModerationRecord.objects.filter(pk=action_ids[0]).first() if action_ids else None
    now = timezone.now()
    moderated = dict(Member.objects.filter(pk__in=list(member_ids)).values_list("pk", "banned_at"))
    suspended = set(
        Member.objects.filter(pk__in=list(member_ids), suspended_until__gt=now).values_list(
            "pk", flat=True
        )
    )

    def standing_now(member_id: int) -> str:
        if moderated.get(member_id):
            return "banned"
        return "suspended" if member_id in suspended else "pending"

    created = ModerationRecord.objects.bulk_create(
        [
            ModerationRecord(
                actor=None,
                action=Action.STANDING_LOST,
                member_id=member_id,
                cause=cause,
                reason=cause.reason if cause else "",
                before={"standing": "vouched", "carried_by": (carriers or {}).get(member_id, [])},
                after={
                    "standing": standing_now(member_id),
                    "generation": generation,
                    "actions": action_ids,
                },
            )
            for member_id in member_ids
        ],
        batch_size=2_000,
    )
    return [record.pk for record in created]
