"""Signal receivers of the vouching app, connected in ``VouchingConfig.ready``."""

from functools import partial

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .adapters import member_language
from .models import Block, Member
from .selectors.blocks import blocks_forget
from .selectors.moderators import moderators_forget


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


@receiver(m2m_changed, sender=Member.user_permissions.through, dispatch_uid="vouching.perms")
@receiver(m2m_changed, sender=Member.groups.through, dispatch_uid="vouching.groups")
@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="vouching.group_perms")
def permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Members whose permissions change are asked afresh whether they moderate
    (``selectors.member_is_moderator``), now and once the change is committed."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if sender is Group.permissions.through:
        groups = [instance.pk] if not reverse else pk_set
        if groups is None:  # a permission taken from every group that had it
            groups = sender.objects.filter(permission=instance).values("group_id")
        members = list(Member.objects.filter(groups__in=groups).values_list("pk", flat=True))
    elif not reverse:
        members = [instance.pk]
    else:  # a permission or group given to or taken from members
        other = "permission" if sender is Member.user_permissions.through else "group"
        members = pk_set or sender.objects.filter(**{other: instance}).values_list(
            "member_id", flat=True
        )
    members = list(members)
    moderators_forget(members)
    transaction.on_commit(partial(moderators_forget, members))
