"""What every response carries and every request is held to: request body limits,
Permissions-Policy, and private caching of what a signed-in member sees."""

from __future__ import annotations

import io

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers

# Views whose pages a shared computer's disk cache must not keep: account and second
# factor pages (recovery codes), conversations, settings, the moderators' console.
NO_STORE_VIEWS = ("account_", "mfa_", "matchmaking:match", "vouching:settings", "moderation:")


class ChunkedBodyLimit:
    """WSGI: a body sent without a Content-Length (chunked) is read here, at most one byte
    past ``REQUEST_BODY_MAX_BYTES``, and handed on with its length, so Django reads it
    like any other body and ``RequestBodyLimitMiddleware`` refuses one that is too big.
    (Django alone would ignore such a body.)"""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(settings.REQUEST_BODY_MAX_BYTES + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
        return self.application(environ, start_response)


class RequestBodyLimitMiddleware:
    """Refuse a body over ``REQUEST_BODY_MAX_BYTES`` from its Content-Length, before a byte
    of it is read or spooled to disk: a styled page, status 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot count
        if length > settings.REQUEST_BODY_MAX_BYTES:
            limit_mb = settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
            return render(request, "413.html", {"limit_mb": limit_mb}, status=413)
        return self.get_response(request)


# Powerful browser features Pledge never uses, denied to the page and anything in it.
DENIED_FEATURES = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
]


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; ``Cache-Control: private`` and
    ``Vary: Cookie`` on every response to a signed-in member (``no-store`` as well on
    the pages of ``NO_STORE_VIEWS``), so no shared cache keeps or serves them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{f}=()" for f in DENIED_FEATURES)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_vary_headers(response, ["Cookie"])
            match = getattr(request, "resolver_match", None)
            if match is not None and match.view_name.startswith(NO_STORE_VIEWS):
                patch_cache_control(response, private=True, no_store=True)
            else:
                patch_cache_control(response, private=True)
        return response
