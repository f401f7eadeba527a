"""Who may use the console: moderators in good standing, signed in with a second factor."""

from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def moderator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.has_perm("vouching.moderate"):
            raise PermissionDenied
        if user.is_banned or user.is_suspended:
            # A moderator who is out is out of the console too: nobody reinstates themselves.
            raise PermissionDenied
        next_url = urlencode({"next": request.get_full_path()})
        if not is_mfa_enabled(user):
            messages.info(request, _("Moderators sign in with a second factor. Set it up first."))
            return redirect(f"{reverse('mfa_activate_totp')}?{next_url}")
        records = get_authentication_records(request, user)
        if not any(record.get("method") == "mfa" for record in records):
            return redirect(f"{reverse('mfa_reauthenticate')}?{next_url}")
        return view(request, *args, **kwargs)

    return wrapper
