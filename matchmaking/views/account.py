"""A member's data rights: download everything Pledge holds about them; close the account.

Both act behind allauth's reauthentication: a POST without a recent password (or second
factor) check goes to that check first and is replayed once it passes.
"""

import tempfile

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .. import selectors, services

# One download per member per five minutes: each reads every row and photo of theirs.
DOWNLOAD_INTERVAL_SECONDS = 5 * 60


@login_required
@reauthentication_required(allow_get=True)
def data_export(request):
    """What the download holds (GET); the download itself, a ZIP (POST)."""
    if request.method != "POST":
        return render(request, "matchmaking/data_export.html")
    if not cache.add(f"data-export:{request.user.pk}", 1, DOWNLOAD_INTERVAL_SECONDS):
        messages.error(
            request, _("You downloaded your data a moment ago. Try again in a few minutes.")
        )
        return redirect("matchmaking:data_export")
    archive = tempfile.TemporaryFile()
    selectors.member_export(member=request.user, file=archive)
    archive.seek(0)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"pledge-{timezone.localdate():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@reauthentication_required(allow_get=True)
def account_close(request):
    """What closing an account does (GET); closing it, for good (POST), then signed out."""
    if request.method != "POST":
        return render(request, "matchmaking/account_close.html")
    services.account_close(member=request.user)
    logout(request)
    return redirect("matchmaking:account_closed")


def account_closed(request):
    return render(request, "matchmaking/account_closed.html")
