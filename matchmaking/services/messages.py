"""Messages between matched members: plain text, and one at a time until a reply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.models import Member

from ..models import MESSAGE_MAX_LENGTH, Match, Message, Notification
from .notifications import notification_create
from .quotas import check_daily, lock_member, since_a_day


@transaction.atomic
def message_send(*, match: Match, sender: Member, body: str) -> Message:
    vouching_services.member_check_active(member=sender)
    lock_member(sender)
    match = Match.objects.select_related("member_a", "member_b").get(pk=match.pk)
    if not match.involves(sender):
        raise ValidationError(_("This is not your conversation."), code="owner")
    other = match.other(sender)
    if match.ended_at is not None or vouching_selectors.is_blocked(sender, other):
        raise ValidationError(_("This conversation has ended."), code="ended")
    if Member.objects.hidden().filter(pk__in=[sender.pk, other.pk]).exists():
        # A banned or suspended member neither writes nor is written to.
        raise ValidationError(_("This conversation is not available right now."), code="hidden")
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")}, code="empty")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep it under %(max)d characters.") % {"max": MESSAGE_MAX_LENGTH}},
            code="long",
        )
    # Until the other replies, one message is enough: nobody gets a wall of text.
    replied = match.messages.exclude(sender=sender).exists()
    if not replied and match.messages.filter(sender=sender).exists():
        raise ValidationError(
            _("Wait for %(name)s to reply before you write again.") % {"name": other.display_name},
            code="wait",
        )
    used = Message.objects.filter(sender=sender, created_at__gte=since_a_day()).count()
    check_daily("MESSAGE_DAILY_QUOTA", used)
    message = Message.objects.create(match=match, sender=sender, body=body)
    notification_create(recipient=other, kind=Notification.Kind.MESSAGE, actor=sender, match=match)
    return message


def messages_mark_read(*, match: Match, member: Member) -> int:
    if not match.involves(member):
        return 0
    now = timezone.now()
    read = (
        Message.objects.filter(match=match, read_at__isnull=True)
        .exclude(sender=member)
        .update(read_at=now)
    )
    Notification.objects.filter(
        recipient=member, match=match, kind=Notification.Kind.MESSAGE, read_at__isnull=True
    ).update(read_at=now)
    return read
