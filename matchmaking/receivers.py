"""What the dating side does when membership events happen."""

from django.dispatch import receiver

from vouching.models import ModerationRecord, Vouch
from vouching.signals import (
    member_closing,
    member_moderated,
    standing_lost,
    vouch_accepted,
    vouch_created,
)

from .models import Notification
from .services import notification_create, photos_let_go


@receiver(vouch_created, dispatch_uid="matchmaking.vouch_created")
def tell_vouchee(sender, vouch, **kwargs):
    notification_create(
        recipient=vouch.vouchee, kind=Notification.Kind.VOUCH, actor=vouch.voucher, vouch=vouch
    )


@receiver(vouch_accepted, dispatch_uid="matchmaking.vouch_accepted")
def tell_voucher(sender, vouch, **kwargs):
    notification_create(
        recipient=vouch.voucher,
        kind=Notification.Kind.VOUCH_ACCEPTED,
        actor=vouch.vouchee,
        vouch=vouch,
    )


def _forfeit_told(*, voucher_id: int, record) -> bool:
    """Whether this moderation forfeited the voucher's pledge: the forfeit notice then
    tells them what happened, what it costs them and that they may appeal, so a second
    email would repeat it."""
    return ModerationRecord.objects.filter(
        action=ModerationRecord.Action.FORFEIT, cause=record, member_id=voucher_id
    ).exists()


@receiver(member_moderated, dispatch_uid="matchmaking.member_moderated")
def tell_member_and_vouchers(sender, record, **kwargs):
    """The member is told why; whoever vouched for them is told they were moderated.
    Each is emailed once: where a forfeit notice already went, the notification only
    shows on the site."""
    member = record.member
    notification_create(
        recipient=member,
        kind=Notification.Kind.MODERATION,
        record=record,
        emailed=record.action == "revoke_vouch"
        and _forfeit_told(voucher_id=member.pk, record=record),
    )
    if record.action in ("suspend", "ban"):
        for voucher_id in (
            Vouch.objects.accepted().received_by(member).values_list("voucher_id", flat=True)
        ):
            notification_create(
                recipient=type(member).objects.get(pk=voucher_id),
                kind=Notification.Kind.VOUCHEE_MODERATED,
                actor=member,
                record=record,
                emailed=_forfeit_told(voucher_id=voucher_id, record=record),
            )


@receiver(standing_lost, dispatch_uid="matchmaking.standing_lost")
def tell_who_lost_standing(sender, record_ids, **kwargs):
    """A member who is no longer vouched hears why and what they can do, on the site and
    by email. Suspended and banned members already heard from the moderators."""
    records = ModerationRecord.objects.filter(pk__in=record_ids).select_related("member")
    for record in records:
        if (record.after or {}).get("standing") == "pending":
            notification_create(
                recipient=record.member, kind=Notification.Kind.STANDING_LOST, record=record
            )


@receiver(member_closing, dispatch_uid="matchmaking.member_closing")
def delete_photo_files(sender, member, **kwargs):
    photos_let_go(member=member)
