"""Invitations: vouches for people who are not members yet, and joining through them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import selectors, signals, tasks
from ..models import Invitation, Member, Vouch
from ..selectors import InvitationUnusable
from .rules import VouchTerms, _check_may_vouch, _lock_voucher, member_check_active
from .trust import trust_graph_changed
from .vouches import vouch_create


def vouch_or_invite(
    *, voucher: Member, email: str, fields: VouchTerms, language: str = "en"
) -> Vouch | Invitation:
    """Vouch for whoever owns ``email``: a vouch if they are a member, else an invitation."""
    existing = selectors.member_by_email(email)
    if existing is not None:
        return vouch_create(voucher=voucher, vouchee=existing, fields=fields)
    return invitation_create(inviter=voucher, email=email, fields=fields, language=language)


@transaction.atomic
def invitation_create(
    *, inviter: Member, email: str, fields: VouchTerms, language: str = "en"
) -> Invitation:
    """Write a vouch for someone who is not a member and email them a link to join."""
    inviter = _lock_voucher(inviter)
    _check_may_vouch(inviter)  # first: the refusal must not tell who is a member
    email = email.strip().lower()
    if email == inviter.email:
        raise ValidationError({"email": _("You cannot invite yourself.")}, code="self")
    if selectors.member_by_email(email) is not None:
        raise ValidationError(
            {"email": _("This person is already a member.")}, code="already_member"
        )
    now = timezone.now()
    mine = Invitation.objects.sent_by(inviter).for_email(email)
    mine.filter(status=Invitation.Status.OPEN, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED
    )
    if mine.filter(status=Invitation.Status.OPEN).exists():
        raise ValidationError(
            {"email": _("You already invited this person; the invitation is waiting for them.")},
            code="duplicate",
        )
    invitation = Invitation(
        inviter=inviter,
        email=email,
        language=language,
        created_at=now,
        expires_at=now + settings.INVITATION_TTL,
        **fields.as_dict(),
    )
    invitation.full_clean(validate_constraints=False)
    invitation.save()
    transaction.on_commit(tasks.request_invitation_emails, robust=True)
    return invitation


@transaction.atomic
def invitation_withdraw(
    *, invitation: Invitation, member: Member, closing: bool = False
) -> Invitation:
    """The inviter withdraws an open invitation (``closing``: as ``vouch_withdraw``)."""
    if not closing:
        member_check_active(member=member)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.inviter_id != member.pk:
        raise ValidationError(_("Only the inviter can withdraw an invitation."), code="owner")
    if invitation.status == Invitation.Status.WITHDRAWN:
        return invitation
    if invitation.status != Invitation.Status.OPEN:
        raise ValidationError(
            _("This invitation can no longer be withdrawn: %(status)s.")
            % {"status": invitation.get_status_display().lower()},
            code="not_open",
        )
    invitation.status = Invitation.Status.WITHDRAWN
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation


def invitation_send_email(*, invitation_id: int) -> bool:
    """Email an invitation once. Returns whether an email went out.

    The row lock makes parallel senders skip each other; an email whose send fails
    stays unsent and the sweeper tries again.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True)
            .select_related("inviter")
            .filter(pk=invitation_id, sent_at__isnull=True)
            .first()
        )
        if invitation is None or not invitation.is_open:
            return False
        link = settings.PLEDGE_BASE_URL.rstrip("/") + reverse(
            "vouching:invitation", kwargs={"token": selectors.invitation_token(invitation)}
        )
        context = {"invitation": invitation, "link": link, "inviter": invitation.inviter}
        with translation.override(invitation.language):
            subject = render_to_string("vouching/email/invitation_subject.txt", context)
            body = render_to_string("vouching/email/invitation_message.txt", context)
        send_mail(
            " ".join(subject.split()),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def invitation_emails_pending() -> list[int]:
    """Open invitations whose email has not gone out yet."""
    return list(
        Invitation.objects.open()
        .filter(sent_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def _invitation_to_vouch(invitation: Invitation, member: Member, *, status: str, now) -> Vouch:
    """The invitation's vouch, now for a member: accepted if they joined through it,
    otherwise waiting for them to accept it."""
    vouch = Vouch.objects.create(
        voucher_id=invitation.inviter_id,
        vouchee=member,
        invitation=invitation,
        status=Vouch.Status.ACCEPTED
        if status == Invitation.Status.ACCEPTED
        else Vouch.Status.PENDING,
        responded_at=now if status == Invitation.Status.ACCEPTED else None,
        created_at=invitation.created_at,
        relationship=invitation.relationship,
        known_for=invitation.known_for,
        strength=invitation.strength,
        statement=invitation.statement,
    )
    invitation.status = status
    invitation.responded_at = now
    invitation.member = member
    invitation.save(update_fields=["status", "responded_at", "member"])
    if vouch.status == Vouch.Status.PENDING:
        signals.send_after_commit(signals.vouch_created, vouch=vouch)
    return vouch


def email_mismatch_message(invited_email: str) -> str:
    return _("Sign up with %(email)s, the address your invitation was sent to.") % {
        "email": invited_email
    }


@transaction.atomic
def member_join(*, token: str, member: Member) -> Member:
    """Create ``member`` (unsaved) from an invitation, with the inviter's vouch.

    The member, their accepted vouch and the invitation's new state are written in one
    transaction. Other members' open invitations to the same address become vouches
    that wait for the new member to accept them.
    """
    invitation = selectors.invitation_from_token(token)
    invitation = (
        Invitation.objects.select_for_update().select_related("inviter").get(pk=invitation.pk)
    )
    selectors.invitation_check_usable(invitation)
    if member.email.strip().lower() != invitation.email:
        raise ValidationError(
            {"email": email_mismatch_message(invitation.email)}, code="email_mismatch"
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # The same address joined through another invitation a moment ago.
        raise InvitationUnusable(InvitationUnusable.USED, invitation) from None
    _invitation_to_vouch(invitation, member, status=Invitation.Status.ACCEPTED, now=now)
    others = (
        Invitation.objects.open()
        .for_email(invitation.email)
        .exclude(pk=invitation.pk)
        .select_for_update()
    )
    for other in others:
        _invitation_to_vouch(other, member, status=Invitation.Status.CONVERTED, now=now)
    trust_graph_changed()
    return member
