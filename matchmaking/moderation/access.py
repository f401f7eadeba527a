"""Who may use the console: moderators in good standing, signed in with a second factor.
The Django admin asks the same, and staff status besides (``matchmaking.admin_site``)."""

from enum import Enum
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


class Access(Enum):
    GRANTED = "granted"
    SIGN_IN = "sign_in"  # anonymous: the sign-in page first
    REFUSED = "refused"  # not a moderator, or one who is out
    SET_UP_SECOND_FACTOR = "set_up_second_factor"
    USE_SECOND_FACTOR = "use_second_factor"  # set up, but not used in this session


def moderator_access(request) -> Access:
    user = request.user
    if not user.is_authenticated:
        return Access.SIGN_IN
    if not user.is_active or not user.has_perm("vouching.moderate"):
        return Access.REFUSED
    if user.is_banned or user.is_suspended:
        # A moderator who is out is out of the console too: nobody reinstates themselves.
        return Access.REFUSED
    if not is_mfa_enabled(user):
        return Access.SET_UP_SECOND_FACTOR
    records = get_authentication_records(request, user)
    if not any(record.get("method") == "mfa" for record in records):
        return Access.USE_SECOND_FACTOR
    return Access.GRANTED


def second_factor_redirect(request, access: Access, back: str | None = None):
    """Where a moderator goes to set up, or to use, their second factor, and back (to
    ``back``, or to the page asked for)."""
    next_url = urlencode({"next": back or request.get_full_path()})
    if access == Access.SET_UP_SECOND_FACTOR:
        messages.info(request, _("Moderators sign in with a second factor. Set it up first."))
        return redirect(f"{reverse('mfa_activate_totp')}?{next_url}")
    return redirect(f"{reverse('mfa_reauthenticate')}?{next_url}")


def moderator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = moderator_access(request)
        if access == Access.SIGN_IN:
            return redirect_to_login(request.get_full_path())
        if access == Access.REFUSED:
            raise PermissionDenied
        if access != Access.GRANTED:
            return second_factor_redirect(request, access)
        return view(request, *args, **kwargs)

    return wrapper
