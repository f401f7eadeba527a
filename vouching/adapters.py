"""The allauth adapter is Pledge's door: signup is open only to a valid invitation."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import get_language

from . import selectors, services
from .access import removed_response
from .selectors import InvitationUnusable

# The invitation token a visitor arrived with, kept until they finish signing up.
INVITATION_SESSION_KEY = "vouching_invitation_token"


def member_language(request) -> str:
    """The site language the request is in, as stored on a member."""
    language = getattr(request, "LANGUAGE_CODE", None) or get_language()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def invitation_unusable_response(request, error: InvitationUnusable):
    return render(
        request,
        "vouching/invitation_unusable.html",
        {"reason": error.reason, "invitation": error.invitation},
        status=410 if error.reason != InvitationUnusable.TAMPERED else 400,
    )


def invitation_inviter():
    """Who vouched by the invitation the current visitor is signing up with, if any."""
    request = context.request
    token = request.session.get(INVITATION_SESSION_KEY) if request else None
    if not token:
        return None
    try:
        return selectors.invitation_from_token(token).inviter
    except InvitationUnusable:
        return None  # the signup itself says so, with the whole page


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request, user, **kwargs):
        """Banned and suspended members do not sign in, whatever the way (password,
        email confirmation, a second factor still to come): they are told why."""
        if user.is_active and selectors.removal_notice(member=user):
            clear_login(request)
            return removed_response(request, user)
        return super().pre_login(request, user, **kwargs)

    def is_open_for_signup(self, request) -> bool:
        token = request.session.get(INVITATION_SESSION_KEY)
        if not token:
            return False
        try:
            selectors.invitation_from_token(token)
        except InvitationUnusable as error:
            request.session.pop(INVITATION_SESSION_KEY, None)
            raise ImmediateHttpResponse(invitation_unusable_response(request, error)) from None
        return True

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        request = context.request
        token = request.session.get(INVITATION_SESSION_KEY) if request else None
        if token:
            try:
                invitation = selectors.invitation_from_token(token)
            except InvitationUnusable:
                return email  # save_user reports it with the full page
            if email.strip().lower() != invitation.email:
                raise ValidationError(
                    services.email_mismatch_message(invitation.email), code="email_mismatch"
                )
        return email

    def clean_password(self, password, user=None):
        """The signup form checks the password against a member not built yet, with only
        an email: the display name typed next to it counts too (``display_name`` is one
        of the similarity validator's attributes)."""
        request = context.request
        if user is not None and user.pk is None and not user.display_name and request:
            user.display_name = " ".join(str(request.POST.get("display_name", "")).split())
        return super().clean_password(password, user=user)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        user.language = member_language(request)
        token = request.session.get(INVITATION_SESSION_KEY, "")
        try:
            services.member_join(token=token, member=user)
        except InvitationUnusable as error:
            raise ImmediateHttpResponse(invitation_unusable_response(request, error)) from None
        request.session.pop(INVITATION_SESSION_KEY, None)
        return user
