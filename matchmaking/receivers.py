"""What the dating side does when membership events happen."""

from django.dispatch import receiver

from vouching.models import Vouch
from vouching.signals import member_moderated, vouch_accepted, vouch_created

from .models import Notification
from .services import notify


@receiver(vouch_created, dispatch_uid="matchmaking.vouch_created")
def tell_vouchee(sender, vouch, **kwargs):
    notify(recipient=vouch.vouchee, kind=Notification.Kind.VOUCH, actor=vouch.voucher, vouch=vouch)


@receiver(vouch_accepted, dispatch_uid="matchmaking.vouch_accepted")
def tell_voucher(sender, vouch, **kwargs):
    notify(
        recipient=vouch.voucher,
        kind=Notification.Kind.VOUCH_ACCEPTED,
        actor=vouch.vouchee,
        vouch=vouch,
    )


@receiver(member_moderated, dispatch_uid="matchmaking.member_moderated")
def tell_member_and_vouchers(sender, record, **kwargs):
    """The member is told why; whoever vouched for them is told they were moderated."""
    member = record.member
    notify(recipient=member, kind=Notification.Kind.MODERATION, record=record)
    if record.action in ("suspend", "ban"):
        for voucher_id in (
            Vouch.objects.accepted().received_by(member).values_list("voucher_id", flat=True)
        ):
            notify(
                recipient=type(member).objects.get(pk=voucher_id),
                kind=Notification.Kind.VOUCHEE_MODERATED,
                actor=member,
                record=record,
            )
