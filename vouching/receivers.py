"""Signal receivers of the vouching app, connected in ``VouchingConfig.ready``."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .adapters import member_language
from .models import Member


@receiver(user_logged_in, dispatch_uid="vouching.remember_language")
def remember_language(sender, request, user, **kwargs):
    """Emails follow the language a member last signed in with."""
    language = member_language(request)
    if isinstance(user, Member) and user.language != language:
        Member.objects.filter(pk=user.pk).update(language=language)
        user.language = language
