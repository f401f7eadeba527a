"""Member accounts: founders, names and photos."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Block, Member
from ..selectors.blocks import blocks_forget
from .names import display_name_check
from .rules import member_check_active
from .trust import trust_graph_changed


@transaction.atomic
def member_update(
    *,
    member: Member,
    display_name: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> Member:
    """Change what other members see of someone: their name and photo."""
    member_check_active(member=member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    old_avatar = member.avatar.name if member.avatar else ""
    if display_name != member.display_name:
        try:
            display_name = display_name_check(name=display_name, member=member)
        except ValidationError as error:
            raise ValidationError({"display_name": error.messages}) from None
    member.display_name = display_name
    if avatar is not None:
        member.avatar.save(avatar.name, avatar, save=False)
    elif remove_avatar:
        member.avatar = ""
    member.full_clean(exclude=["password", "avatar"])
    member.save(update_fields=["display_name", "avatar"])
    if old_avatar and old_avatar != (member.avatar.name if member.avatar else ""):
        storage = member.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar), robust=True)
    return member


@transaction.atomic
def founder_create(*, email: str, display_name: str, password: str | None = None) -> Member:
    """Create a founder: a seed of trust, in good standing without vouches."""
    email = email.strip().lower()
    if Member.objects.filter(email=email).exists():
        raise ValidationError(_("A member with this email address already exists."))
    founder = Member(email=email, display_name=display_name.strip(), is_founder=True)
    if password:
        founder.set_password(password)
    else:
        founder.set_unusable_password()
    founder.full_clean(exclude=["password"])
    founder.save()
    EmailAddress.objects.create(user=founder, email=email, primary=True, verified=True)
    trust_graph_changed()
    return founder


def member_set_language(*, member: Member, language: str) -> None:
    """The language a member reads the site in, and gets their emails in."""
    Member.objects.filter(pk=member.pk).exclude(language=language).update(language=language)
    member.language = language


def password_set_link(member: Member) -> str:
    """A one-time link where the member sets their password (spent once used)."""
    # allauth's forms import our signup form, which imports the services: import late.
    from allauth.account.forms import default_token_generator

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(member),
            "key": default_token_generator.make_token(member),
        },
    )
    return settings.PLEDGE_BASE_URL.rstrip("/") + path


@transaction.atomic
def placeholder_claim(*, member: Member, email: str, language: str | None = None) -> str:
    """Give an imported placeholder member their email address and send them a link to
    set a password. Returns the link. Only the owner of the address receives it."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    email = email.strip().lower()
    if not member.is_placeholder:
        raise ValidationError(_("This account has already been claimed."), code="claimed")
    if Member.objects.filter(email=email).exclude(pk=member.pk).exists():
        raise ValidationError(_("A member with this email address already exists."))
    member.email = email
    member.is_placeholder = False
    if language:
        member.language = language
    member.full_clean(exclude=["password", "avatar"])
    member.save(update_fields=["email", "is_placeholder", "language"])
    EmailAddress.objects.filter(user=member).delete()
    EmailAddress.objects.create(user=member, email=email, primary=True, verified=True)
    link = password_set_link(member)
    context = {"member": member, "link": link}
    with translation.override(member.language):
        subject = render_to_string("vouching/email/claim_subject.txt", context)
        body = render_to_string("vouching/email/claim_message.txt", context)
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [email])
    return link


@transaction.atomic
def member_block(*, member: Member, other: Member) -> Block:
    """``member`` blocks ``other``: neither sees the other anywhere from now on."""
    member_check_active(member=member)
    if member.pk == other.pk:
        raise ValidationError(_("You cannot block yourself."), code="self")
    block, _created = Block.objects.get_or_create(blocker=member, blocked=other)
    blocks_forget(member, other)
    return block


def member_unblock(*, member: Member, other: Member) -> None:
    Block.objects.filter(blocker=member, blocked=other).delete()
    blocks_forget(member, other)
