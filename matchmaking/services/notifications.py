"""Telling members what happened: in the site at once, by email from a worker.

The database is the outbox: a notification is a row, and a worker emails the rows not
emailed yet (the sweeper in beat retries what a broker outage held back).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from vouching import selectors as vouching_selectors
from vouching.models import Member, Standing

from .. import tasks
from ..models import Notification


def notification_create(
    *, recipient: Member, kind: str, actor: Member | None = None, emailed: bool = False, **about
) -> None:
    """Record a notification in the caller's transaction; email it after commit (unless
    ``emailed``: another email already said it).

    New messages in a conversation make one notification until the member reads them.
    """
    if actor is not None and vouching_selectors.is_blocked(recipient, actor):
        return
    if (
        kind == Notification.Kind.MESSAGE
        and Notification.objects.filter(
            recipient=recipient, kind=kind, match=about.get("match"), read_at__isnull=True
        ).exists()
    ):
        return
    Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor,
        emailed_at=timezone.now() if emailed else None,
        **about,
    )
    if not emailed:
        transaction.on_commit(tasks.request_notification_emails, robust=True)


def notifications_mark_read(*, member: Member) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_emails_pending() -> list[int]:
    return list(
        Notification.objects.filter(emailed_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def notification_send_email(*, notification_id: int) -> bool:
    """Email one notification once, in the recipient's language."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "actor", "match", "introduction", "vouch")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        # Standing lost and regained before the email went out: the news is stale.
        stale = (
            notification.kind == Notification.Kind.STANDING_LOST
            and recipient.standing != Standing.PENDING
        )
        if recipient.is_active and not recipient.is_placeholder and not stale:
            context = {
                "notification": notification,
                "recipient": recipient,
                "actor": notification.actor,
                "site": settings.PLEDGE_BASE_URL.rstrip("/"),
            }
            if notification.kind == Notification.Kind.STANDING_LOST:
                context["loss"] = vouching_selectors.standing_loss(record=notification.record)
            with translation.override(recipient.language or settings.LANGUAGE_CODE):
                subject = render_to_string("matchmaking/email/notification_subject.txt", context)
                body = render_to_string("matchmaking/email/notification_message.txt", context)
            send_mail(
                " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [recipient.email]
            )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
