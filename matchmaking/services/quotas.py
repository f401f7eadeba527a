"""Daily limits on what a member can send, counted in the database under a row lock."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vouching.models import Member

# The limits themselves are settings: INTEREST_DAILY_QUOTA, INTRODUCTION_DAILY_QUOTA,
# MESSAGE_DAILY_QUOTA, REPORT_DAILY_QUOTA.
MESSAGES = {
    "INTEREST_DAILY_QUOTA": _(
        "You have shown interest in %(limit)d people today. Take your time: try tomorrow."
    ),
    "INTRODUCTION_DAILY_QUOTA": _(
        "You have asked for %(limit)d introductions today. Your friends need a rest too."
    ),
    "MESSAGE_DAILY_QUOTA": _(
        "You have sent %(limit)d messages today, the most a day. Try again tomorrow."
    ),
    "REPORT_DAILY_QUOTA": _(
        "You have sent %(limit)d reports today, the most a day. If something is urgent, "
        "try again tomorrow: the moderators are looking at the ones you sent."
    ),
}


def lock_member(member: Member) -> Member:
    """Lock the member's row: parallel requests from them queue here, so counts hold."""
    return Member.objects.select_for_update().get(pk=member.pk)


def lock_members(*members: Member) -> None:
    """Lock several members' rows, always in the same order so two requests cannot
    deadlock: mutual interest sent in the same instant still makes one match."""
    list(
        Member.objects.select_for_update()
        .filter(pk__in=[m.pk for m in members])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def since_a_day() -> timezone.datetime:
    return timezone.now() - timedelta(days=1)


def check_daily(setting: str, used: int) -> None:
    """Refuse when ``used`` in the last 24 hours reaches the limit named by ``setting``."""
    limit = getattr(settings, setting)
    if used >= limit:
        raise ValidationError(str(MESSAGES[setting]) % {"limit": limit}, code="quota")
