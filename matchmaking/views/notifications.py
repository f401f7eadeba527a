"""A member's notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors, services


@login_required
def notifications(request):
    items = list(selectors.notifications_of(member=request.user)[:50])
    services.notifications_mark_read(member=request.user)
    return render(request, "matchmaking/notifications.html", {"notifications": items})
