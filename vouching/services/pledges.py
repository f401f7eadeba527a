"""Pledge accountability: when someone turns out to be bad news, their vouchers pay.

A moderator revoking a vouch as a bad vouch, or suspending or banning a member (see
``revocations.py`` and ``removals.py``), forfeits the pledge of the members who vouched:
their vouches count for half (``FORFEIT_WEIGHT``) for ``FORFEIT_DAYS``, and a second
forfeit within ``REPEAT_WINDOW_DAYS`` suspends their right to vouch for as long. Every
forfeit is recorded, the voucher is told, and the trust metrics take the weight into
account from the next recalculation.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .. import tasks
from ..models import Member, PledgeForfeit, Vouch

# Half weight: enough to matter to a voucher, not so much that one mistake ends them.
FORFEIT_WEIGHT = 0.5
FORFEIT_DAYS = 180
# A second forfeit inside this window shows a pattern: the right to vouch is suspended.
REPEAT_WINDOW_DAYS = 365


def vouches_to_forfeit(vouch_ids) -> set[int]:
    """Which of these vouches a new forfeit would fall on: those without a forfeit that
    still stands. A lifted forfeit (its action undone) does not protect a vouch; one that
    was not lifted does, even once expired: one vouch costs its voucher once. The
    preview and ``pledge_forfeit`` both ask this, so they cannot disagree."""
    ids = set(vouch_ids)
    taken = PledgeForfeit.objects.filter(vouch_id__in=ids, lifted_at__isnull=True).values_list(
        "vouch_id", flat=True
    )
    return ids - set(taken)


def pledge_forfeit(*, vouch: Vouch, reason: str, note: str = "") -> PledgeForfeit | None:
    """Forfeit the pledge behind ``vouch``; in the caller's transaction. Once per vouch
    while that forfeit stands (see ``vouches_to_forfeit``); None if it already stands."""
    voucher = Member.objects.select_for_update().get(pk=vouch.voucher_id)
    if not vouches_to_forfeit([vouch.pk]):
        return None
    now = timezone.now()
    earlier = PledgeForfeit.objects.of(voucher).filter(
        created_at__gte=now - timedelta(days=REPEAT_WINDOW_DAYS), lifted_at__isnull=True
    )
    until = now + timedelta(days=FORFEIT_DAYS)
    try:
        with transaction.atomic():  # a savepoint: a simultaneous forfeit won the race
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
    except IntegrityError:
        return None
    transaction.on_commit(tasks.request_forfeit_notices, robust=True)
    return forfeit


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
            PledgeForfeit.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("voucher", "vouchee")
            .filter(pk=forfeit_id, notified_at__isnull=True)
            .first()
        )
        if forfeit is None:
            return False
        context = {
            "forfeit": forfeit,
            "voucher": forfeit.voucher,
            "vouchee": forfeit.vouchee,
            "site": settings.PLEDGE_BASE_URL.rstrip("/"),
        }
        with translation.override(forfeit.voucher.language or settings.LANGUAGE_CODE):
            subject = render_to_string("vouching/email/forfeit_subject.txt", context)
            body = render_to_string("vouching/email/forfeit_message.txt", context)
        send_mail(
            " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [forfeit.voucher.email]
        )
        forfeit.notified_at = timezone.now()
        forfeit.save(update_fields=["notified_at"])
    return True
