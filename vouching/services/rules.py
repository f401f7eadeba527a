"""The vouching rules: who may vouch, how often, and what a vouch must say."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Member, PledgeForfeit


def vouching_suspended_until(member: Member):
    """When a member's right to vouch comes back, if pledge forfeits suspended it."""
    return (
        PledgeForfeit.objects.of(member)
        .filter(vouching_suspended_until__gt=timezone.now(), lifted_at__isnull=True)
        .order_by("-vouching_suspended_until")
        .values_list("vouching_suspended_until", flat=True)
        .first()
    )


# After someone declines your vouch, wait this long before vouching for them again.
DECLINED_VOUCH_COOLDOWN_DAYS = 90


@dataclass(frozen=True)
class VouchTerms:
    """What a person writes when they vouch, on its way from a form to a vouch or an
    invitation (which store it in the columns of ``models.VouchFields``)."""

    relationship: str
    known_for: str
    strength: int
    statement: str

    def as_dict(self) -> dict:
        return {
            "relationship": self.relationship,
            "known_for": self.known_for,
            "strength": self.strength,
            "statement": self.statement.strip(),
        }


def vouching_refusal(*, voucher: Member) -> str | None:
    """Why ``voucher`` may not vouch at all right now, or None if they may."""
    if not voucher.in_good_standing:
        return _("Only members in good standing can vouch. Your standing is %(standing)s.") % {
            "standing": voucher.standing.label.lower()
        }
    suspended_until = vouching_suspended_until(voucher)
    if suspended_until:
        return _(
            "Your right to vouch is suspended until %(date)s: two people you vouched for "
            "turned out to be bad news within a year."
        ) % {"date": formats.date_format(timezone.localtime(suspended_until), "DATE_FORMAT")}
    if not voucher.is_founder:
        received = selectors.accepted_vouch_count(member=voucher)
        needed = settings.MIN_VOUCHES_TO_VOUCH
        if received < needed:
            return _(
                "You can vouch for others once %(needed)d members vouch for you "
                "(you have %(received)d)."
            ) % {"needed": needed, "received": received}
    return None


def _lock_voucher(voucher: Member) -> Member:
    """Lock the voucher's row for the quota check and re-read their standing."""
    return Member.objects.select_for_update(of=("self",)).select_related("trust").get(pk=voucher.pk)


def _check_may_vouch(voucher: Member) -> None:
    refusal = vouching_refusal(voucher=voucher)
    if refusal:
        raise ValidationError(refusal, code="not_allowed")
    if selectors.vouch_quota_remaining(member=voucher) <= 0:
        days = settings.VOUCH_QUOTA_WINDOW.days
        raise ValidationError(
            _(
                "You have used all %(quota)d vouches and invitations for the last "
                "%(days)d days. You can vouch again when the oldest is %(days)d days old."
            )
            % {"quota": settings.VOUCH_QUOTA, "days": days},
            code="quota",
        )


def member_check_active(*, member: Member) -> None:
    """Refuse whatever a banned, suspended or closed account tries to do, by any path.
    The row is read again: the caller's copy may be older than the removal."""
    current = (
        Member.objects.only("is_active", "banned_at", "suspended_until")
        .filter(pk=member.pk)
        .first()
    )
    if current is None or not current.is_active:
        raise ValidationError(_("This account is closed."), code="removed")
    notice = selectors.removal_notice(member=current)
    if notice:
        raise ValidationError(notice, code="removed")
