"""The pages for errors the site did not expect, rendered without the database.

The database may be why the page is needed, so neither page runs context processors
(they query it) nor touches ``request.user``: the header shows the signed-out navigation.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader

logger = logging.getLogger(__name__)

# What a member's browser is told to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30


def _render(request, template_name: str, status: int) -> HttpResponse:
    # A plain dict, not a RequestContext: no context processor runs.
    context = {"request": request, "csrf_token": get_token(request)}
    return HttpResponse(loader.get_template(template_name).render(context), status=status)


def server_error(request) -> HttpResponse:
    """``handler500``: the database unreachable (down, restarting, timed out) is a 503
    that says to try again shortly; anything else the styled 500 page. Called while the
    exception is being handled, so ``sys.exc_info`` names it."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = _render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _render(request, "500.html", status=500)
