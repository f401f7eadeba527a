"""Moderation: revoking vouches, suspending, banning, reinstating, appeals — on the record.

Every action writes its ``ModerationRecord`` in the same transaction as the change, and
so does every automatic consequence (a forfeited pledge, standing lost). Before acting, a
moderator can preview the fallout: the members who would lose vouched standing, computed
by the production metric on the graph as it would be after the action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Member, ModerationRecord, PledgeForfeit, RevocationReason, Vouch
from ..trust import get_metric
from ..trust.database import load_trust_graph
from ..trust.graph import TrustGraph
from .pledges import FORFEIT_WEIGHT, pledge_forfeit, vouches_to_forfeit
from .trust import configured_metric_name, trust_graph_changed

Action = ModerationRecord.Action


def record(
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


def _state(member: Member) -> dict:
    return {
        "standing": str(member.standing),
        "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
        "banned_at": member.banned_at.isoformat() if member.banned_at else None,
    }


def _require_note(note: str) -> str:
    if not note.strip():
        raise ValidationError({"note": _("Explain the action: the member will read it.")})
    return note.strip()


def _require_reason(reason: str) -> str:
    if reason not in ModerationRecord.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")}, code="reason")
    return reason


# PREVIEW ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What an action would do to standing, before anyone does it."""

    losing: list[Member]  # would lose vouched standing
    removed: list[Member]  # suspended or banned by the action itself
    forfeiting: list[Member] = field(default_factory=list)  # vouchers whose pledge goes
    revoked: list[Vouch] = field(default_factory=list)  # vouches the action revokes


def _without(
    graph: TrustGraph,
    *,
    vouches: list[Vouch],
    members: list[Member],
    halved: dict[int, int],
) -> TrustGraph:
    """``graph`` with some vouches and members taken out and some pledges halved."""
    pairs = {(v.voucher_id, v.vouchee_id) for v in vouches}
    src_ids, dst_ids = graph.ids[graph.src], graph.ids[graph.dst]
    keep = np.ones(graph.m, dtype=bool)
    if pairs:
        keep = ~np.fromiter(
            ((int(a), int(b)) in pairs for a, b in zip(src_ids, dst_ids, strict=True)),
            dtype=bool,
            count=graph.m,
        )
    removed = np.isin(graph.ids, [m.pk for m in members])
    weights = {
        int(member_id): float(weight)
        for member_id, weight in zip(graph.ids, graph.pledge_weight, strict=True)
        if weight != 1.0
    }
    for voucher_id, times in halved.items():
        weights[voucher_id] = weights.get(voucher_id, 1.0) * FORFEIT_WEIGHT**times
    return TrustGraph.from_id_arrays(
        ids=graph.ids[~removed],
        n_founders=int((~removed[: len(graph.founders)]).sum()),
        edges=np.column_stack([src_ids[keep], dst_ids[keep], graph.strength[keep]]).astype(
            np.int64
        ),
        pledge_weights=weights,
        capacities=graph.capacities,
        min_vouches_to_vouch=graph.min_vouches_to_vouch,
        # As the recalculation after the action will: members who stand keep their share
        # where they can.
        incumbent_levels=None
        if graph.incumbent_level is None
        else (graph.ids, graph.incumbent_level),
    )


def moderation_preview(
    *,
    revoke: list[Vouch] = (),
    remove: list[Member] = (),
    bad_vouches: list[Vouch] = (),
) -> Preview:
    """Who would lose vouched standing if ``revoke`` were revoked (``bad_vouches`` among
    them as bad vouches, forfeiting their vouchers' pledges) and ``remove`` suspended or
    banned (forfeiting the pledges of everyone whose vouch for them stands)."""
    graph = load_trust_graph()
    metric = get_metric(configured_metric_name())
    before = metric.compute(graph).vouched
    removed_ids = {m.pk for m in remove}
    # The vouches whose pledge the action puts at stake, once each; the same rule as
    # ``pledge_forfeit`` says which of them would really be forfeited.
    at_stake = {v.pk: v for v in bad_vouches}
    at_stake.update((v.pk, v) for v in Vouch.objects.accepted().filter(vouchee_id__in=removed_ids))
    halved: dict[int, int] = {}
    for vouch_id in vouches_to_forfeit(at_stake):
        voucher_id = at_stake[vouch_id].voucher_id
        halved[voucher_id] = halved.get(voucher_id, 0) + 1
    changed = _without(graph, vouches=list(revoke), members=list(remove), halved=halved)
    after = metric.compute(changed).vouched
    still = set(changed.ids[after].tolist())
    was = set(graph.ids[before].tolist())
    losing_ids = sorted((was - still) - removed_ids)
    losing = list(Member.objects.filter(pk__in=losing_ids).order_by("display_name"))
    forfeiting = list(
        Member.objects.filter(pk__in=[i for i in halved if i not in removed_ids]).order_by(
            "display_name"
        )
    )
    revoked = list(
        Vouch.objects.filter(pk__in=[v.pk for v in revoke])
        .select_related("voucher", "vouchee")
        .order_by("pk")
    )
    return Preview(losing=losing, removed=list(remove), forfeiting=forfeiting, revoked=revoked)


# VOUCHES ------------------------------------------------------------------------------


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
    reason = _require_reason(reason)
    note = _require_note(note)
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
    vouch.status = Vouch.Status.REVOKED
    vouch.ended_at = timezone.now()
    vouch.revocation_reason = (
        reason if reason in RevocationReason.values else RevocationReason.OTHER
    )
    vouch.revocation_note = note
    vouch.revoked_by = moderator
    vouch.save(
        update_fields=["status", "ended_at", "revocation_reason", "revocation_note", "revoked_by"]
    )
    revoked = record(
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
        forfeit = _forfeit(vouch, PledgeForfeit.Reason.VOUCH_REVOKED, note, cause=revoked)
    if was_counting or forfeit:
        trust_graph_changed()
    signals.send_after_commit(signals.member_moderated, record=revoked)
    return vouch, forfeit


def _forfeit(
    vouch: Vouch, reason: str, note: str, *, cause: ModerationRecord
) -> PledgeForfeit | None:
    forfeit = pledge_forfeit(vouch=vouch, reason=reason, note=note)
    if forfeit:
        record(
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


# SUSPENSIONS AND BANS -----------------------------------------------------------------


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
    reason = _require_reason(reason)
    note = _require_note(note)
    member = Member.objects.select_for_update().get(pk=member.pk)
    # A second click, or a second moderator, must not remove twice: one record, one
    # notice. Banning a suspended member is an escalation, not a repeat.
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
    before = _state(member)
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
    entry = record(
        actor=moderator,
        action=action,
        member=member,
        report_id=report_id,
        reason=reason,
        note=note,
        before=before,
        after=_state(member),
    )
    _forfeit_vouchers(member, entry)
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


def _forfeit_vouchers(member: Member, entry: ModerationRecord) -> None:
    """The suspension or ban ``entry`` costs everyone whose vouch for ``member`` stands."""
    kind = (
        PledgeForfeit.Reason.MEMBER_BANNED
        if entry.action == Action.BAN
        else PledgeForfeit.Reason.MEMBER_SUSPENDED
    )
    for vouch in Vouch.objects.accepted().received_by(member).select_related("voucher"):
        _forfeit(vouch, kind, entry.note, cause=entry)


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


def _lift_recorded_forfeits(records) -> int:
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


def _lift_forfeits(cause: ModerationRecord) -> int:
    """Lift the forfeits an action caused, where they are still in force."""
    return _lift_recorded_forfeits(cause.consequences.filter(action=Action.FORFEIT))


@transaction.atomic
def member_reinstate(
    *, member: Member, moderator: Member, note: str, cause: ModerationRecord | None = None
) -> ModerationRecord:
    """Undo a suspension or a ban, and the forfeits it caused. Revoked vouches stay
    revoked: the vouchers may vouch again."""
    note = _require_note(note)
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
        _lift_forfeits(removal)
    entry = record(
        actor=moderator,
        action=Action.REINSTATE,
        member=member,
        cause=cause,
        note=note,
        before=before,
        after=_state(member),
    )
    trust_graph_changed()
    return entry


def _lift_ban(
    *, member: Member, moderator: Member, note: str, ban: ModerationRecord
) -> ModerationRecord:
    """Undo a ban that came on top of a suspension still running: the suspension, and
    the forfeits it caused, stand. On the record as a reinstatement caused by the ban
    that leaves the member suspended (``_last_reinstatement`` looks past it)."""
    before = _state(member)
    member.banned_at = None
    member.save(update_fields=["banned_at"])
    return record(
        actor=moderator,
        action=Action.REINSTATE,
        member=member,
        cause=ban,
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


def _removal_in_force(member: Member) -> int | None:
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


def _restore_vouch(entry: ModerationRecord) -> bool:
    """Put a revoked vouch back as it was before ``entry``; False if the pair has
    another vouch that stands now (the old one then stays revoked)."""
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
            vouch.save(
                update_fields=[
                    "status",
                    "ended_at",
                    "revocation_reason",
                    "revocation_note",
                    "revoked_by",
                ]
            )
    except IntegrityError:
        return False
    return True


# APPEALS ------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, member: Member, entry: ModerationRecord, text: str):
    """A member asks the moderators to look again at an action about them; once."""
    from ..models import Appeal

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
    from ..models import Appeal

    note = _require_note(note)
    appeal = Appeal.objects.select_for_update().select_related("record", "member").get(pk=appeal.pk)
    if appeal.member_id == moderator.pk:
        raise ValidationError(_("You cannot decide an appeal about yourself."), code="self")
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(_("This appeal has been decided."), code="decided")
    entry = appeal.record
    notes: list[str] = []
    if uphold:
        if entry.action in (Action.SUSPEND, Action.BAN):
            _lift_forfeits(entry)
            member = Member.objects.select_for_update().get(pk=appeal.member_id)
            in_force = _removal_in_force(member)
            if in_force == entry.pk and entry.action == Action.BAN and member.is_suspended:
                # A suspension it came on top of goes on: only the ban is undone.
                _lift_ban(member=member, moderator=moderator, note=note, ban=entry)
            elif in_force == entry.pk:
                member_reinstate(member=member, moderator=moderator, note=note, cause=entry)
            else:
                if in_force is not None:
                    # The removal still in force goes on costing the vouchers their pledge.
                    _forfeit_vouchers(member, ModerationRecord.objects.get(pk=in_force))
                notes.append(
                    _(
                        "This action is no longer the one in force: its forfeits are lifted, "
                        "and the member's current standing is unchanged."
                    )
                )
        elif entry.action == Action.REVOKE_VOUCH:
            if not _restore_vouch(entry):
                notes.append(
                    _(
                        "The voucher has vouched for this member again since: the old vouch "
                        "stays revoked, and its forfeit is lifted."
                    )
                )
            _lift_forfeits(entry)
        elif entry.action == Action.FORFEIT:
            _lift_recorded_forfeits(ModerationRecord.objects.filter(pk=entry.pk))
        trust_graph_changed()
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.decision_note = note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(
        actor=moderator,
        action=Action.APPEAL_UPHELD if uphold else Action.APPEAL_REJECTED,
        member=appeal.member,
        cause=entry,
        note=note,
    )
    return AppealDecision(appeal=appeal, notes=notes)


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
    record(
        actor=by,
        action=Action.MODERATOR_REMOVED if remove else Action.MODERATOR_GRANTED,
        member=member,
    )


def record_standing_lost(
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
