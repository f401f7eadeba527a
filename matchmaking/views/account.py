"""A member's data rights: download everything Pledge holds about them; close the account.

Both act behind allauth's reauthentication: a POST without a recent password (or second
factor) check goes to that check first and is replayed once it passes. The download is
then a second step from the data page: a replayed POST answered with a file would leave
the browser on the password page.
"""

import tempfile
import time

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
from django.views.decorators.http import require_POST

from .. import selectors, services

# One download per member per five minutes: each reads every row and photo of theirs.
DOWNLOAD_INTERVAL_SECONDS = 5 * 60
# After the password check, this browser session may download once within this long.
READY_SESSION_KEY = "matchmaking_data_export_ready_until"
READY_SECONDS = 10 * 60


def _download_ready(request) -> bool:
    return request.session.get(READY_SESSION_KEY, 0) > time.time()


@login_required
@reauthentication_required(allow_get=True)
def data_export(request):
    """What the download holds, and its button once the password is checked (GET);
    asking for it (POST, behind the password check)."""
    if request.method == "POST":
        request.session[READY_SESSION_KEY] = time.time() + READY_SECONDS
        return redirect("matchmaking:data_export")
    return render(request, "matchmaking/data_export.html", {"ready": _download_ready(request)})


@login_required
@require_POST
def data_export_download(request):
    """The download itself, a ZIP: once, for a session that passed the password check
    for it in the last ten minutes."""
    if not _download_ready(request):
        return redirect("matchmaking:data_export")
    del request.session[READY_SESSION_KEY]
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
