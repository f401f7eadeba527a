"""Every change to membership and trust goes through these functions.

The vouching rules live here and only here. A refusal is a ``ValidationError`` with a
message a person can read (keyed by form field where one applies); views show it next to
the form, never as an error page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import selectors, tasks
from .models import Invitation, Member, TrustScore, TrustState, Vouch
from .selectors import InvitationUnusable
from .trust import UNTRUSTED, get_metric, load_trust_graph

logger = logging.getLogger(__name__)

# After someone declines your vouch, wait this long before vouching for them again.
DECLINED_VOUCH_COOLDOWN_DAYS = 90
# A recalculation that started longer ago than the task time limit has died.
RUN_PRESUMED_DEAD_SECONDS = settings.CELERY_TASK_TIME_LIMIT
# The sweeper re-asks when an earlier request has not been picked up by then.
ENQUEUE_PRESUMED_LOST_SECONDS = 60


@dataclass(frozen=True)
class VouchFields:
    relationship: str
    known_for: str
    strength: int
    statement: str

    def as_dict(self) -> dict:
        return {
            "relationship": self.relationship,
            "known_for": self.known_for,
            "strength": self.strength,
            "statement": self.statement.strip(),
        }


# VOUCHING RULES -----------------------------------------------------------------------


def vouching_refusal(*, voucher: Member) -> str | None:
    """Why ``voucher`` may not vouch at all right now, or None if they may."""
    if not voucher.in_good_standing:
        return _("Only members in good standing can vouch. Your standing is %(standing)s.") % {
            "standing": voucher.standing.label.lower()
        }
    if not voucher.is_founder:
        received = selectors.accepted_vouch_count(member=voucher)
        needed = settings.MIN_VOUCHES_TO_VOUCH
        if received < needed:
            return _(
                "You can vouch for others once %(needed)d members vouch for you "
                "(you have %(received)d)."
            ) % {"needed": needed, "received": received}
    return None


def _lock_voucher(voucher: Member) -> Member:
    """Lock the voucher's row for the quota check and re-read their standing."""
    return Member.objects.select_for_update(of=("self",)).select_related("trust").get(pk=voucher.pk)


def _check_may_vouch(voucher: Member) -> None:
    refusal = vouching_refusal(voucher=voucher)
    if refusal:
        raise ValidationError(refusal, code="not_allowed")
    if selectors.vouch_quota_remaining(member=voucher) <= 0:
        days = settings.VOUCH_QUOTA_WINDOW.days
        raise ValidationError(
            _(
                "You have used all %(quota)d vouches and invitations for the last "
                "%(days)d days. You can vouch again when the oldest is %(days)d days old."
            )
            % {"quota": settings.VOUCH_QUOTA, "days": days},
            code="quota",
        )


# VOUCHES ------------------------------------------------------------------------------


@transaction.atomic
def vouch_create(*, voucher: Member, vouchee: Member, fields: VouchFields) -> Vouch:
    """Vouch for an existing member; it counts once the vouchee accepts it."""
    voucher = _lock_voucher(voucher)
    if voucher.pk == vouchee.pk:
        raise ValidationError(_("You cannot vouch for yourself."), code="self")
    if not Member.objects.visible().filter(pk=vouchee.pk).exists():
        raise ValidationError(_("This member cannot receive vouches."), code="vouchee")
    _check_may_vouch(voucher)
    existing = Vouch.objects.active().given_by(voucher).received_by(vouchee).first()
    if existing is not None:
        if existing.status == Vouch.Status.PENDING:
            message = _("You already vouched for %(name)s; they have not answered yet.")
        else:
            message = _("You already vouch for %(name)s.")
        raise ValidationError(message % {"name": vouchee.display_name}, code="duplicate")
    cooldown_start = timezone.now() - timedelta(days=DECLINED_VOUCH_COOLDOWN_DAYS)
    declined = (
        Vouch.objects.given_by(voucher)
        .received_by(vouchee)
        .filter(status=Vouch.Status.DECLINED, responded_at__gte=cooldown_start)
        .exists()
    )
    if declined:
        raise ValidationError(
            _("%(name)s declined your vouch recently. Give them some time.")
            % {"name": vouchee.display_name},
            code="declined_recently",
        )
    vouch = Vouch(voucher=voucher, vouchee=vouchee, **fields.as_dict())
    vouch.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            vouch.save()
    except IntegrityError:
        # Only reachable if the lock above was bypassed; say the same as the check.
        raise ValidationError(
            _("You already vouch for %(name)s.") % {"name": vouchee.display_name},
            code="duplicate",
        ) from None
    return vouch


def _lock_vouch(vouch: Vouch) -> Vouch:
    return Vouch.objects.select_for_update().select_related("voucher", "vouchee").get(pk=vouch.pk)


def _vouchee_answers(vouch: Vouch, member: Member, answer: str) -> Vouch:
    """The vouchee accepts or declines a pending vouch; answering twice changes nothing."""
    vouch = _lock_vouch(vouch)
    accepting = answer == Vouch.Status.ACCEPTED
    if vouch.vouchee_id != member.pk:
        message = (
            _("Only the person vouched for can accept.")
            if accepting
            else _("Only the person vouched for can decline.")
        )
        raise ValidationError(message, code="not_vouchee")
    if vouch.status == answer:
        return vouch
    if vouch.status != Vouch.Status.PENDING:
        message = (
            _("This vouch can no longer be accepted: %(status)s.")
            if accepting
            else _("This vouch can no longer be declined: %(status)s.")
        )
        raise ValidationError(
            message % {"status": vouch.get_status_display().lower()}, code="not_pending"
        )
    vouch.status = answer
    vouch.responded_at = timezone.now()
    vouch.save(update_fields=["status", "responded_at"])
    if accepting:
        trust_graph_changed()
    return vouch


@transaction.atomic
def vouch_accept(*, vouch: Vouch, member: Member) -> Vouch:
    """The vouchee accepts a vouch: from now on it counts and shows on their page."""
    return _vouchee_answers(vouch, member, Vouch.Status.ACCEPTED)


@transaction.atomic
def vouch_decline(*, vouch: Vouch, member: Member) -> Vouch:
    """The vouchee declines a vouch: it never counts, and the voucher waits to ask again."""
    return _vouchee_answers(vouch, member, Vouch.Status.DECLINED)


@transaction.atomic
def vouch_withdraw(*, vouch: Vouch, member: Member) -> Vouch:
    """The voucher takes their vouch back, before or after it was accepted."""
    vouch = _lock_vouch(vouch)
    if vouch.voucher_id != member.pk:
        raise ValidationError(_("Only the voucher can withdraw a vouch."), code="not_voucher")
    if vouch.status == Vouch.Status.WITHDRAWN:
        return vouch
    if not vouch.is_active:
        raise ValidationError(
            _("This vouch no longer stands: %(status)s.")
            % {"status": vouch.get_status_display().lower()},
            code="not_active",
        )
    was_counting = vouch.status == Vouch.Status.ACCEPTED
    vouch.status = Vouch.Status.WITHDRAWN
    vouch.ended_at = timezone.now()
    vouch.save(update_fields=["status", "ended_at"])
    if was_counting:
        trust_graph_changed()
    return vouch


# INVITATIONS --------------------------------------------------------------------------


def vouch_or_invite(
    *, voucher: Member, email: str, fields: VouchFields, language: str = "en"
) -> Vouch | Invitation:
    """Vouch for whoever owns ``email``: a vouch if they are a member, else an invitation."""
    existing = selectors.member_by_email(email)
    if existing is not None:
        return vouch_create(voucher=voucher, vouchee=existing, fields=fields)
    return invitation_create(inviter=voucher, email=email, fields=fields, language=language)


@transaction.atomic
def invitation_create(
    *, inviter: Member, email: str, fields: VouchFields, language: str = "en"
) -> Invitation:
    """Write a vouch for someone who is not a member and email them a link to join."""
    inviter = _lock_voucher(inviter)
    email = email.strip().lower()
    if email == inviter.email:
        raise ValidationError({"email": _("You cannot invite yourself.")}, code="self")
    if selectors.member_by_email(email) is not None:
        raise ValidationError(
            {"email": _("This person is already a member.")}, code="already_member"
        )
    _check_may_vouch(inviter)
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
def invitation_withdraw(*, invitation: Invitation, member: Member) -> Invitation:
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


# MEMBERS ----------------------------------------------------------------------------


@transaction.atomic
def member_update(
    *,
    member: Member,
    display_name: str,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> Member:
    """Change what other members see of someone: their name and photo."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    old_avatar = member.avatar.name if member.avatar else ""
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


# FOUNDERS -----------------------------------------------------------------------------


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


# TRUST RECALCULATION ------------------------------------------------------------------


def trust_graph_changed() -> None:
    """Record, in the caller's transaction, that the vouch graph changed.

    The generation bump and dirty flag commit or roll back with the change itself; only
    after commit is a recalculation asked of the broker, and a broker that is down
    cannot turn the saved change into an error (the sweeper asks again).
    """
    if not TrustState.objects.filter(pk=TrustState.SINGLETON_PK).exists():
        TrustState.load()
    TrustState.objects.filter(pk=TrustState.SINGLETON_PK).update(
        generation=F("generation") + 1, dirty=True, changed_at=timezone.now()
    )
    transaction.on_commit(tasks.request_trust_recalculation, robust=True)


def trust_recalculation_claim(*, lost_after_seconds: float) -> bool:
    """Claim the right to ask for a recalculation; False if one was asked recently.

    This is what coalesces a burst of changes into a few runs.
    """
    TrustState.load()
    now = timezone.now()
    threshold = now - timedelta(seconds=lost_after_seconds)
    claimed = (
        TrustState.objects.filter(pk=TrustState.SINGLETON_PK)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=threshold))
        .update(enqueued_at=now)
    )
    return bool(claimed)


def trust_recalculation_unclaim() -> None:
    TrustState.objects.filter(pk=TrustState.SINGLETON_PK).update(enqueued_at=None)


def trust_sweep_needed() -> bool:
    """Whether the state is dirty with no live run or fresh request to clean it."""
    state = TrustState.load()
    if not state.dirty:
        return False
    now = timezone.now()
    if (
        state.run_started_at
        and (now - state.run_started_at).total_seconds() < RUN_PRESUMED_DEAD_SECONDS
    ):
        return False
    return True


@dataclass(frozen=True)
class TrustRun:
    generation: int
    metric: str
    members: int
    changed: int
    standing_changed: tuple[int, ...]


def trust_recalculate(*, force: bool = False, metric_name: str | None = None) -> TrustRun | None:
    """Recompute every member's trust from the graph and store it.

    Idempotent: runs that find nothing dirty do nothing (unless forced), and a run never
    overwrites the result of a newer generation. The dirty flag is cleared only when the
    generation did not move while computing.
    """
    metric = get_metric(metric_name)
    state = TrustState.load()
    if not state.dirty and not force:
        return None
    TrustState.objects.filter(pk=state.pk).update(enqueued_at=None, run_started_at=timezone.now())
    # Read the generation before the graph: a change that lands in between is then in
    # the graph but not in the generation, which only costs one more run.
    generation = TrustState.objects.values_list("generation", flat=True).get(pk=state.pk)
    graph = load_trust_graph()
    results = metric.compute(graph)
    with transaction.atomic():
        state = TrustState.objects.select_for_update().get(pk=state.pk)
        if state.computed_generation is not None and generation < state.computed_generation:
            logger.info("Trust run for generation %s superseded; not stored.", generation)
            return None
        changed, standing_changed = _store_trust(results)
        state.computed_generation = generation
        state.computed_at = timezone.now()
        state.metric = metric.name
        state.run_started_at = None
        if state.generation == generation:
            state.dirty = False
        state.save()
    logger.info(
        "Trust recalculated: generation %s, %s members, %s changed.",
        generation,
        len(graph.members),
        changed,
    )
    return TrustRun(
        generation=generation,
        metric=metric.name,
        members=len(graph.members),
        changed=changed,
        standing_changed=tuple(standing_changed),
    )


def _store_trust(results) -> tuple[int, list[int]]:
    """Upsert the rows whose trust changed; members outside the graph become untrusted."""
    stored = {
        member_id: (vouched, round(score, 9), level)
        for member_id, vouched, score, level in TrustScore.objects.values_list(
            "member_id", "vouched", "score", "level"
        ).iterator(chunk_size=10_000)
    }
    rows, standing_changed = [], []
    for member_id in Member.objects.values_list("pk", flat=True).iterator(chunk_size=10_000):
        trust = results.get(member_id, UNTRUSTED)
        new = (trust.vouched, round(trust.score, 9), trust.level)
        old = stored.get(member_id)
        if old == new:
            continue
        if (old[0] if old else False) != new[0]:
            standing_changed.append(member_id)
        rows.append(TrustScore(member_id=member_id, vouched=new[0], score=new[1], level=new[2]))
    TrustScore.objects.bulk_create(
        rows,
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["member"],
        update_fields=["vouched", "score", "level"],
    )
    return len(rows), standing_changed
