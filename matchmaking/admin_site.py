"""The Django admin behind the console's door: a moderator with a second factor used in
this session, and staff. It has no sign-in of its own: allauth's (rate limited, with the
second factor) is the only one. Its path is a setting, ``PLEDGE_ADMIN_PATH``."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .moderation.access import Access, moderator_access, second_factor_redirect


class PledgeAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return request.user.is_staff and moderator_access(request) == Access.GRANTED

    def login(self, request, extra_context=None):
        """Where the admin sends whoever it refuses: allauth's sign-in for visitors, the
        second factor for a staff moderator who has not used it, and a 404 for the rest,
        to whom the admin does not exist."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        access = moderator_access(request)
        if access == Access.SIGN_IN:
            return redirect_to_login(next_url)
        if not request.user.is_staff or access in (Access.REFUSED, Access.GRANTED):
            raise Http404
        return second_factor_redirect(request, access, back=next_url)
