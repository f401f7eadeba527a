"""Signal receivers of the vouching app, connected in ``VouchingConfig.ready``."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .adapters import member_language
from .models import Block, Member
from .selectors.blocks import blocks_forget


@receiver(user_logged_in, dispatch_uid="vouching.remember_language")
def remember_language(sender, request, user, **kwargs):
    """Emails follow the language a member last signed in with."""
    language = member_language(request)
    if isinstance(user, Member) and user.language != language:
        Member.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@receiver(post_save, sender=Block, dispatch_uid="vouching.block_saved")
@receiver(post_delete, sender=Block, dispatch_uid="vouching.block_deleted")
def block_changed(sender, instance, **kwargs):
    """The two members' objects at hand forget whom they had blocked
    (``selectors.blocked_ids`` remembers it on each member object)."""
    for field in ("blocker", "blocked"):
        if Block._meta.get_field(field).is_cached(instance):
            blocks_forget(getattr(instance, field))
