"""What the dating side does when membership events happen."""

from django.dispatch import receiver

from vouching.signals import vouch_accepted, vouch_created

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
