"""Closing an account: the member leaves, and what the others keep forgets them."""

from __future__ import annotations

import logging

from django.core.files.storage import Storage
from django.db import transaction

from .. import signals
from ..models import Invitation, Member, Vouch
from .invitations import invitation_withdraw
from .trust import trust_graph_changed
from .vouches import vouch_withdraw

logger = logging.getLogger(__name__)


def files_delete_after_commit(*, storage: Storage, names: list[str]) -> None:
    """Delete stored files once the transaction that let go of them commits."""
    names = [name for name in names if name]
    if not names:
        return

    def delete_files():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete %s; delete it by hand.", name)

    transaction.on_commit(delete_files, robust=True)


@transaction.atomic
def member_close(*, member: Member) -> bool:
    """Close ``member``'s account for good; False if it is already closed.

    Their vouches are withdrawn and their open invitations withdrawn through the same
    services a member uses, then the account is deleted: the vouches they received and
    everything that is theirs alone leave with it, and the graph change asks for a
    recalculation after commit, which tells anyone who loses standing why. What others
    keep forgets them: the moderation log keeps every record under a pseudonym
    (``vouching.models.moderation.unlink_from_log``), forfeits they caused stay in force.
    The row lock makes a double submit or a parallel request find the account gone.
    Other apps let go of their files on ``signals.member_closing``.
    """
    member = Member.objects.select_for_update().filter(pk=member.pk).first()
    if member is None:
        return False
    for vouch in Vouch.objects.active().given_by(member):
        vouch_withdraw(vouch=vouch, member=member, closing=True)
    for invitation in Invitation.objects.sent_by(member).filter(status=Invitation.Status.OPEN):
        invitation_withdraw(invitation=invitation, member=member, closing=True)
    avatar = member.avatar.name if member.avatar else ""
    files_delete_after_commit(storage=member.avatar.storage, names=[avatar])
    signals.member_closing.send(sender=None, member=member)
    member.delete()
    # The member leaves the graph with every vouch they received: always recalculate.
    trust_graph_changed()
    return True
