"""Banned and suspended members: they cannot sign in, and a session they had stops on
its next request. What is left to them is appealing what the moderators did.

Signing in with the right password shows why not, and opens the appeal pages (only
those) to that browser session for a while, so that the appeals flow still works for the
people it exists for.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import render

from . import selectors
from .models import Member

# The browser session that proved the password of a removed member may appeal for this
# long (seconds); after that, signing in again shows the refusal and opens it again.
APPEAL_ACCESS_SECONDS = 3600
APPEAL_SESSION_KEY = "vouching_appeal_member"


def appeal_access_grant(request, member: Member) -> None:
    request.session[APPEAL_SESSION_KEY] = {
        "member": member.pk,
        "until": time.time() + APPEAL_ACCESS_SECONDS,
    }


def appellant(request) -> Member | None:
    """Who may appeal from this request: the signed-in member, or a banned or suspended
    member whose password this browser session proved lately."""
    if request.user.is_authenticated:
        return request.user
    grant = request.session.get(APPEAL_SESSION_KEY)
    if not isinstance(grant, dict) or grant.get("until", 0) < time.time():
        return None
    member = Member.objects.filter(pk=grant.get("member"), is_active=True).first()
    if member is None or selectors.removal_notice(member=member) is None:
        return None  # reinstated since: they sign in as everyone does
    return member


def removed_response(request, member: Member):
    """The answer to a removed member who signed in with the right password."""
    appeal_access_grant(request, member)
    return render(
        request,
        "account/removed.html",
        {
            "notice": selectors.removal_notice(member=member),
            "notices": selectors.moderation_notices(member=member),
        },
        status=403,
    )


class RemovedMemberMiddleware:
    """Signs out a banned, suspended or closed member on their next request, whatever the
    path: a removal that reached the database some other way than the moderators'
    services (which also end every session) still takes effect at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            notice = selectors.removal_notice(member=user)
            if notice or not user.is_active:
                logout(request)
                if notice:
                    appeal_access_grant(request, user)
                    messages.error(request, notice)
        return self.get_response(request)
