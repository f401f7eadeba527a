"""The moderators' side of reports: claim, resolve with an action, or dismiss."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import services as vouching_services
from vouching.models import Member, ModerationRecord, Vouch

from ..models import Report

Action = ModerationRecord.Action


def _lock(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("reported", "vouch")
        .get(pk=report.pk)
    )


def _check_may_work(report: Report, moderator: Member) -> None:
    """An open report, not about the moderator, and not claimed by another moderator."""
    if report.status != Report.Status.OPEN:
        raise ValidationError(_("This report is closed: nothing was changed."), code="closed")
    if report.reported_id == moderator.pk:
        raise ValidationError(_("You cannot moderate yourself."), code="self")
    if report.claimed_by_id and report.claimed_by_id != moderator.pk:
        raise ValidationError(_("Another moderator is working on this report."), code="claimed")


@transaction.atomic
def report_claim(*, report: Report, moderator: Member) -> Report:
    """Take a report so that two moderators do not work it at once."""
    report = _lock(report)
    _check_may_work(report, moderator)
    if report.claimed_by_id is None:
        report.claimed_by = moderator
        report.claimed_at = timezone.now()
        report.save(update_fields=["claimed_by", "claimed_at"])
        vouching_services.record(
            actor=moderator,
            action=Action.REPORT_CLAIMED,
            member=report.reported,
            report_id=report.pk,
        )
    return report


@transaction.atomic
def report_release(*, report: Report, moderator: Member) -> Report:
    """The moderator who claimed a report gives it back to the queue; on the record."""
    report = _lock(report)
    if report.status != Report.Status.OPEN:
        raise ValidationError(_("This report is closed: nothing was changed."), code="closed")
    if report.claimed_by_id != moderator.pk:
        raise ValidationError(_("Only the moderator who claimed it can release it."), code="claim")
    report.claimed_by = None
    report.claimed_at = None
    report.save(update_fields=["claimed_by", "claimed_at"])
    vouching_services.record(
        actor=moderator,
        action=Action.REPORT_RELEASED,
        member=report.reported,
        report_id=report.pk,
    )
    return report


@transaction.atomic
def report_resolve(
    *,
    report: Report,
    moderator: Member,
    action: str,
    reason: str,
    note: str,
    until: datetime | None = None,
    revoke_given: bool = False,
) -> Report:
    """Close a report with what was done: nothing further, revoking the reported vouch,
    suspending or banning the reported member. The action itself is on the record."""
    report = _lock(report)
    _check_may_work(report, moderator)
    if not note.strip():
        raise ValidationError({"note": _("Explain the action: the member will read it.")})
    if action == "revoke_vouch":
        if report.vouch is None:
            raise ValidationError(_("This report is not about a vouch."), code="no_vouch")
        vouching_services.vouch_revoke(
            vouch=report.vouch,
            moderator=moderator,
            reason=reason,
            note=note,
            report_id=report.pk,
        )
    elif action == "suspend":
        vouching_services.member_suspend(
            member=report.reported,
            moderator=moderator,
            until=until,
            reason=reason,
            note=note,
            revoke_given=revoke_given,
            report_id=report.pk,
        )
    elif action == "ban":
        vouching_services.member_ban(
            member=report.reported,
            moderator=moderator,
            reason=reason,
            note=note,
            revoke_given=revoke_given,
            report_id=report.pk,
        )
    elif action != "none":
        raise ValidationError({"action": _("Choose what to do.")}, code="action")
    now = timezone.now()
    report.status = Report.Status.RESOLVED
    report.closed_by = moderator
    report.closed_at = now
    report.resolution = note.strip()
    report.save(update_fields=["status", "closed_by", "closed_at", "resolution"])
    vouching_services.record(
        actor=moderator,
        action=Action.REPORT_RESOLVED,
        member=report.reported,
        report_id=report.pk,
        note=note.strip(),
        after={"action": action},
    )
    return report


@transaction.atomic
def report_dismiss(*, report: Report, moderator: Member, note: str = "") -> Report:
    report = _lock(report)
    _check_may_work(report, moderator)
    report.status = Report.Status.DISMISSED
    report.closed_by = moderator
    report.closed_at = timezone.now()
    report.resolution = note.strip()
    report.save(update_fields=["status", "closed_by", "closed_at", "resolution"])
    vouching_services.record(
        actor=moderator,
        action=Action.REPORT_DISMISSED,
        member=report.reported,
        report_id=report.pk,
        note=note.strip(),
    )
    return report


def vouches_of_report(report: Report) -> list[Vouch]:
    """How the reported member got in: the vouches that stand for them."""
    return list(Vouch.objects.accepted().received_by(report.reported).select_related("voucher"))
