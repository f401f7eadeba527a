"""Background work for membership and trust. Tasks are thin: they call services.

Pending work is recorded in the database (``TrustState.dirty``, unsent invitations), so
a lost message only delays it: the sweeper in beat asks again.
"""

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


def request_trust_recalculation() -> None:
    """After a commit that changed the vouch graph: ask for a recalculation soon.

    A named function on purpose: ``transaction.on_commit(..., robust=True)`` logs a
    broker failure with its name and the saved change stands.
    """
    from . import services

    delay = settings.TRUST_RECALC_DELAY.total_seconds()
    countdown = max(delay, services.trust_recalculation_spacing())
    # The claim holds until the run is due: a change meanwhile is in that run's graph.
    if not services.trust_recalculation_claim(
        lost_after_seconds=delay, due_in_seconds=countdown - delay
    ):
        return  # a run is already on its way and will see this change
    _publish_claimed_recalculation(countdown=countdown)


def _publish_claimed_recalculation(**options) -> None:
    """Ask the broker for a run, for which the caller holds the claim. Unless the broker
    took the message, the claim is released however publishing ended: an error (socket
    timeouts bound a broker that does not answer) or a ``SystemExit`` (gunicorn's worker
    timeout), so the next change or the sweeper asks again at once."""
    from . import services

    published = False
    try:
        recalculate_trust.apply_async(**options)
        published = True
    finally:
        if not published:
            services.trust_recalculation_unclaim()


def request_invitation_emails() -> None:
    """After an invitation commits: ask a worker to email it."""
    send_invitation_emails.delay()


def request_forfeit_notices() -> None:
    """After a pledge forfeit commits: ask a worker to tell the voucher."""
    send_forfeit_notices.delay()


@shared_task(name="vouching.recalculate_trust")
def recalculate_trust(force: bool = False, metric: str | None = None) -> dict | None:
    from . import services

    wait = 0.0 if force else services.trust_recalculation_spacing()
    if wait > 0:
        # Asked for before the interval since the latest run passed (it queued behind
        # that run, or the sweeper asked): once more when due, unless a request already
        # is; the claim drops the duplicates.
        if services.trust_recalculation_claim(lost_after_seconds=0, due_in_seconds=wait):
            _publish_claimed_recalculation(countdown=wait, kwargs={"metric": metric})
        return None
    run = services.trust_recalculate(force=force, metric_name=metric)
    if run is None:
        return None
    return {"generation": run.generation, "members": run.members, "changed": run.changed}


@shared_task(name="vouching.send_invitation_emails")
def send_invitation_emails() -> int:
    from . import services

    sent = 0
    for invitation_id in services.invitation_emails_pending():
        sent += services.invitation_send_email(invitation_id=invitation_id)
    return sent


@shared_task(name="vouching.send_forfeit_notices")
def send_forfeit_notices() -> int:
    from . import services

    sent = 0
    for forfeit_id in services.forfeit_notices_pending():
        sent += services.forfeit_send_notice(forfeit_id=forfeit_id)
    return sent


@shared_task(name="vouching.sweep")
def sweep() -> None:
    """Beat's safety net: re-ask for work the database says is still pending."""
    from . import services

    if services.trust_sweep_needed() and services.trust_recalculation_claim(
        lost_after_seconds=services.ENQUEUE_PRESUMED_LOST_SECONDS
    ):
        logger.info("Trust state is dirty with no run on its way; asking for one.")
        _publish_claimed_recalculation()
    if services.invitation_emails_pending():
        send_invitation_emails.delay()
    if services.forfeit_notices_pending():
        send_forfeit_notices.delay()
