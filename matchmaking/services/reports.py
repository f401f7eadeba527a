"""The moderators' side of reports: claim, resolve with an action, or dismiss."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import services as vouching_services
from vouching.models import Member

from ..models import Report, ReportAction

Action = ReportAction
# How closing a report is logged, by the status it closes with.
CLOSED_AS = {
    Report.Status.RESOLVED: Action.REPORT_RESOLVED,
    Report.Status.DISMISSED: Action.REPORT_DISMISSED,
}


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
        vouching_services.moderation_record_create(
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
    vouching_services.moderation_record_create(
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
    _act(
        report,
        moderator=moderator,
        action=action,
        reason=reason,
        note=note,
        until=until,
        revoke_given=revoke_given,
    )
    _close(
        report,
        moderator=moderator,
        status=Report.Status.RESOLVED,
        note=note,
        after={"action": action},
    )
    return report


def _act(
    report: Report,
    *,
    moderator: Member,
    action: str,
    reason: str,
    note: str,
    until: datetime | None,
    revoke_given: bool,
) -> None:
    """Do what resolving ``report`` with ``action`` does, on the record as an act of its
    own that names the report."""
    if action == "revoke_vouch":
        if report.vouch is None:
            raise ValidationError(_("This report is not about a vouch."), code="no_vouch")
        vouching_services.vouch_revoke(
            vouch=report.vouch, moderator=moderator, reason=reason, note=note, report_id=report.pk
        )
        return
    removal = {"moderator": moderator, "reason": reason, "note": note, "report_id": report.pk}
    if action == "suspend":
        vouching_services.member_suspend(
            member=report.reported, until=until, revoke_given=revoke_given, **removal
        )
    elif action == "ban":
        vouching_services.member_ban(member=report.reported, revoke_given=revoke_given, **removal)
    elif action != "none":
        raise ValidationError({"action": _("Choose what to do.")}, code="action")


def _close(
    report: Report, *, moderator: Member, status: str, note: str, after: dict | None = None
) -> None:
    report.status = status
    report.closed_by = moderator
    report.closed_at = timezone.now()
    report.resolution = note.strip()
    report.save(update_fields=["status", "closed_by", "closed_at", "resolution"])
    vouching_services.moderation_record_create(
        actor=moderator,
        action=CLOSED_AS[status],
        member=report.reported,
        report_id=report.pk,
        note=note.strip(),
        after=after,
    )


@transaction.atomic
def report_dismiss(*, report: Report, moderator: Member, note: str = "") -> Report:
    report = _lock(report)
    _check_may_work(report, moderator)
    _close(report, moderator=moderator, status=Report.Status.DISMISSED, note=note)
    return report
