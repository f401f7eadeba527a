"""Vouching for members: writing, answering, withdrawing."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Appeal, Member, ModerationRecord, Vouch
from ..selectors import is_blocked
from .rules import (
    DECLINED_VOUCH_COOLDOWN_DAYS,
    VouchTerms,
    _check_may_vouch,
    _lock_voucher,
    member_check_active,
)
from .trust import trust_graph_changed


@transaction.atomic
def vouch_create(*, voucher: Member, vouchee: Member, fields: VouchTerms) -> Vouch:
    """Vouch for an existing member; it counts once the vouchee accepts it."""
    voucher = _lock_voucher(voucher)
    # The right to vouch first: the answer to someone who may not vouch must say
    # nothing about the person they named (suspended, blocking them, or a member at all).
    _check_may_vouch(voucher)
    if voucher.pk == vouchee.pk:
        raise ValidationError(_("You cannot vouch for yourself."), code="self")
    if not Member.objects.visible().filter(pk=vouchee.pk).exists() or is_blocked(voucher, vouchee):
        raise ValidationError(_("This member cannot receive vouches."), code="vouchee")
    existing = Vouch.objects.active().given_by(voucher).received_by(vouchee).first()
    if existing is not None:
        if existing.status == Vouch.Status.PENDING:
            message = _("You already vouched for %(name)s; they have not answered yet.")
        else:
            message = _("You already vouch for %(name)s.")
        raise ValidationError(message % {"name": vouchee.display_name}, code="duplicate")
    if revoked_by_a_moderator(voucher=voucher, vouchee=vouchee):
        raise ValidationError(
            _(
                "A moderator revoked your vouch for %(name)s. You cannot vouch for them again "
                "unless an appeal undoes the revocation."
            )
            % {"name": vouchee.display_name},
            code="revoked",
        )
    cooldown_start = timezone.now() - timedelta(days=DECLINED_VOUCH_COOLDOWN_DAYS)
    declined = (
        Vouch.objects.given_by(voucher)
        .received_by(vouchee)
        .filter(status=Vouch.Status.DECLINED, responded_at__gte=cooldown_start)
        .exists()
    )
    if declined:
        raise ValidationError(
            _("%(name)s declined your vouch recently. Give them some time.")
            % {"name": vouchee.display_name},
            code="declined_recently",
        )
    vouch = Vouch(voucher=voucher, vouchee=vouchee, **fields.as_dict())
    vouch.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            vouch.save()
    except IntegrityError:
        # Only reachable if the lock above was bypassed; say the same as the check.
        raise ValidationError(
            _("You already vouch for %(name)s.") % {"name": vouchee.display_name},
            code="duplicate",
        ) from None
    signals.send_after_commit(signals.vouch_created, vouch=vouch)
    return vouch


def revoked_by_a_moderator(*, voucher: Member, vouchee: Member) -> bool:
    """A moderator revoked a vouch of this pair directly (not as a consequence of a ban
    or suspension, which reinstatement undoes), and no upheld appeal undid it."""
    return (
        ModerationRecord.objects.filter(
            action=ModerationRecord.Action.REVOKE_VOUCH,
            cause__isnull=True,
            vouch__voucher=voucher,
            vouch__vouchee=vouchee,
            vouch__status=Vouch.Status.REVOKED,
        )
        .exclude(appeals__status=Appeal.Status.UPHELD)
        .exists()
    )


def _lock_vouch(vouch: Vouch) -> Vouch:
    return Vouch.objects.select_for_update().select_related("voucher", "vouchee").get(pk=vouch.pk)


def _vouchee_answers(vouch: Vouch, member: Member, answer: str) -> Vouch:
    """The vouchee accepts or declines a pending vouch; answering twice changes nothing."""
    member_check_active(member=member)
    vouch = _lock_vouch(vouch)
    accepting = answer == Vouch.Status.ACCEPTED
    if vouch.vouchee_id != member.pk:
        message = (
            _("Only the person vouched for can accept.")
            if accepting
            else _("Only the person vouched for can decline.")
        )
        raise ValidationError(message, code="not_vouchee")
    if vouch.status == answer:
        return vouch
    if vouch.status != Vouch.Status.PENDING:
        message = (
            _("This vouch can no longer be accepted: %(status)s.")
            if accepting
            else _("This vouch can no longer be declined: %(status)s.")
        )
        raise ValidationError(
            message % {"status": vouch.get_status_display().lower()}, code="not_pending"
        )
    vouch.status = answer
    vouch.responded_at = timezone.now()
    vouch.save(update_fields=["status", "responded_at"])
    if accepting:
        trust_graph_changed()
        signals.send_after_commit(signals.vouch_accepted, vouch=vouch)
    return vouch


@transaction.atomic
def vouch_accept(*, vouch: Vouch, member: Member) -> Vouch:
    """The vouchee accepts a vouch: from now on it counts and shows on their page."""
    return _vouchee_answers(vouch, member, Vouch.Status.ACCEPTED)


@transaction.atomic
def vouch_decline(*, vouch: Vouch, member: Member) -> Vouch:
    """The vouchee declines a vouch: it never counts, and the voucher waits to ask again."""
    return _vouchee_answers(vouch, member, Vouch.Status.DECLINED)


@transaction.atomic
def vouch_withdraw(*, vouch: Vouch, member: Member, closing: bool = False) -> Vouch:
    """The voucher takes their vouch back, before or after it was accepted.

    ``closing``: their account is being closed, which a banned or suspended member may
    also ask for (an operator does it for them), so their standing is not checked."""
    if not closing:
        member_check_active(member=member)
    vouch = _lock_vouch(vouch)
    if vouch.voucher_id != member.pk:
        raise ValidationError(_("Only the voucher can withdraw a vouch."), code="not_voucher")
    if vouch.status == Vouch.Status.WITHDRAWN:
        return vouch
    if not vouch.is_active:
        raise ValidationError(
            _("This vouch no longer stands: %(status)s.")
            % {"status": vouch.get_status_display().lower()},
            code="not_active",
        )
    was_counting = vouch.status == Vouch.Status.ACCEPTED
    vouch.status = Vouch.Status.WITHDRAWN
    vouch.ended_at = timezone.now()
    vouch.save(update_fields=["status", "ended_at"])
    if was_counting:
        trust_graph_changed()
    return vouch
