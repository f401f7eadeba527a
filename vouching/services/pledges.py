"""Pledge accountability: when someone turns out to be bad news, their vouchers pay.

A moderator revoking a vouch as a bad vouch, or banning a member, forfeits the pledge of
the members who vouched: their vouches count for half (``FORFEIT_WEIGHT``) for
``FORFEIT_DAYS``, and a second forfeit within ``REPEAT_WINDOW_DAYS`` suspends their right
to vouch for as long. Every forfeit is recorded, the voucher is told, and the trust
metrics take the weight into account from the next recalculation.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import tasks
from ..models import Member, PledgeForfeit, RevocationReason, Vouch
from .trust import trust_graph_changed

# Half weight: enough to matter to a voucher, not so much that one mistake ends them.
FORFEIT_WEIGHT = 0.5
FORFEIT_DAYS = 180
# A second forfeit inside this window shows a pattern: the right to vouch is suspended.
REPEAT_WINDOW_DAYS = 365


def pledge_forfeit(*, vouch: Vouch, reason: str, note: str = "") -> PledgeForfeit | None:
    """Forfeit the pledge behind ``vouch``; in the caller's transaction. Once per vouch."""
    if PledgeForfeit.objects.filter(vouch=vouch).exists():
        return None
    now = timezone.now()
    voucher = Member.objects.select_for_update().get(pk=vouch.voucher_id)
    earlier = PledgeForfeit.objects.of(voucher).filter(
        created_at__gte=now - timedelta(days=REPEAT_WINDOW_DAYS)
    )
    until = now + timedelta(days=FORFEIT_DAYS)
    forfeit = PledgeForfeit.objects.create(
        voucher=voucher,
        vouchee_id=vouch.vouchee_id,
        vouch=vouch,
        reason=reason,
        note=note,
        weight=FORFEIT_WEIGHT,
        created_at=now,
        until=until,
        vouching_suspended_until=until if earlier.exists() else None,
    )
    transaction.on_commit(tasks.request_forfeit_notices, robust=True)
    return forfeit


@transaction.atomic
def vouch_revoke(
    *, vouch: Vouch, moderator: Member, reason: str, note: str
) -> tuple[Vouch, PledgeForfeit | None]:
    """A moderator ends a vouch; as a bad vouch it also forfeits the voucher's pledge."""
    if reason not in RevocationReason.values:
        raise ValidationError({"reason": _("Choose a reason.")}, code="reason")
    if not note.strip():
        raise ValidationError({"note": _("Say why the vouch is revoked.")}, code="note")
    vouch = Vouch.objects.select_for_update().get(pk=vouch.pk)
    if vouch.status == Vouch.Status.REVOKED:
        return vouch, PledgeForfeit.objects.filter(vouch=vouch).first()
    was_counting = vouch.status == Vouch.Status.ACCEPTED
    vouch.status = Vouch.Status.REVOKED
    vouch.ended_at = timezone.now()
    vouch.revocation_reason = reason
    vouch.revocation_note = note.strip()
    vouch.revoked_by = moderator
    vouch.save(
        update_fields=[
            "status",
            "ended_at",
            "revocation_reason",
            "revocation_note",
            "revoked_by",
        ]
    )
    forfeit = None
    if reason == RevocationReason.BAD_VOUCH:
        forfeit = pledge_forfeit(
            vouch=vouch, reason=PledgeForfeit.Reason.VOUCH_REVOKED, note=note.strip()
        )
    if was_counting or forfeit:
        trust_graph_changed()
    return vouch, forfeit


@transaction.atomic
def member_ban(*, member: Member, moderator: Member, note: str) -> list[PledgeForfeit]:
    """Ban a member; everyone whose vouch for them stood forfeits their pledge."""
    if not note.strip():
        raise ValidationError({"note": _("Say why the member is banned.")}, code="note")
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.pk == moderator.pk:
        raise ValidationError(_("You cannot ban yourself."), code="self")
    forfeits = []
    if member.banned_at is None:
        member.banned_at = timezone.now()
        member.save(update_fields=["banned_at"])
        for vouch in Vouch.objects.accepted().received_by(member).select_related("voucher"):
            forfeit = pledge_forfeit(
                vouch=vouch, reason=PledgeForfeit.Reason.MEMBER_BANNED, note=note.strip()
            )
            if forfeit:
                forfeits.append(forfeit)
        trust_graph_changed()
    return forfeits


def forfeit_notices_pending() -> list[int]:
    return list(
        PledgeForfeit.objects.filter(notified_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def forfeit_send_notice(*, forfeit_id: int) -> bool:
    """Tell a voucher, once, that their pledge was forfeited and what that means."""
    with transaction.atomic():
        forfeit = (
            PledgeForfeit.objects.select_for_update(skip_locked=True)
            .select_related("voucher", "vouchee")
            .filter(pk=forfeit_id, notified_at__isnull=True)
            .first()
        )
        if forfeit is None:
            return False
        context = {"forfeit": forfeit, "voucher": forfeit.voucher, "vouchee": forfeit.vouchee}
        with translation.override(forfeit.voucher.language or settings.LANGUAGE_CODE):
            subject = render_to_string("vouching/email/forfeit_subject.txt", context)
            body = render_to_string("vouching/email/forfeit_message.txt", context)
        send_mail(
            " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [forfeit.voucher.email]
        )
        forfeit.notified_at = timezone.now()
        forfeit.save(update_fields=["notified_at"])
    return True
