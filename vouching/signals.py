"""What the vouching app tells the rest of the site."""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent after a recalculation commits, with ``member_ids`` whose standing flipped between
# vouched and not vouched, and the ``generation`` it was computed from.
standing_changed = Signal()
# Sent after a recalculation commits, with ``record_ids``: the "standing lost" records of
# the members who are no longer vouched. The dating side tells them why.
standing_lost = Signal()

# Sent after commit with ``vouch`` when a member writes a vouch for an existing member
# (waiting for them to accept it), and when the vouchee accepts one.
vouch_created = Signal()
vouch_accepted = Signal()
# Sent inside the transaction that closes a member's account, just before the account is
# deleted, with ``member``: other apps let go of what is theirs and not the database's
# (files, after commit). A receiver that fails fails the closure.
member_closing = Signal()
# Sent after commit with ``record`` (a ModerationRecord) when a moderator revokes a vouch,
# suspends or bans a member: the dating side tells the member and their vouchers.
member_moderated = Signal()


def send_after_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` once the current transaction commits; receivers' errors are logged."""

    def send():
        for receiver, response in signal.send_robust(sender=None, **kwargs):
            if isinstance(response, Exception):
                logger.error("Receiver %r of %r failed: %r", receiver, signal, response)

    transaction.on_commit(send, robust=True)
