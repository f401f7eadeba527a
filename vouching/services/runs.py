"""What a trust recalculation holds while it runs: a lease on the trust state, renewed
while the run is alive, and a statement time limit of its own.

A run that dies with its worker (``kill -9``, the machine lost) releases nothing: its lease
simply stops being renewed and runs out within ``TRUST_RUN_LEASE``, and the sweeper then
asks for a new run. A run that is merely long keeps renewing, so it is never presumed
dead for being slow. The run's start stamp identifies it: a run presumed dead that turns
out alive cannot renew or release the lease of the one that replaced it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..models import TrustState

logger = logging.getLogger(__name__)


def trust_run_lease_take(*, state_pk: int) -> datetime:
    """Mark a run as started, holding the lease; any request for a run is now taken.
    Returns the run's start stamp, which names it."""
    now = timezone.now()
    TrustState.objects.filter(pk=state_pk).update(
        enqueued_at=None,
        run_started_at=now,
        last_run_started_at=now,
        run_lease_until=now + settings.TRUST_RUN_LEASE,
    )
    return now


def trust_run_lease_renew(*, state_pk: int, started_at: datetime) -> bool:
    """Extend the run's lease; False once another run has taken it over. A row locked by
    the run itself (it is storing its result, so it is alive) is skipped, not waited for."""
    with transaction.atomic():
        row = (
            TrustState.objects.select_for_update(skip_locked=True)
            .filter(pk=state_pk)
            .values("run_started_at")
            .first()
        )
        if row is None:
            return True  # locked by the run's own write: try again next beat
        if row["run_started_at"] != started_at:
            return False
        TrustState.objects.filter(pk=state_pk).update(
            run_lease_until=timezone.now() + settings.TRUST_RUN_LEASE
        )
        return True


def trust_run_lease_release(*, state_pk: int, started_at: datetime) -> None:
    TrustState.objects.filter(pk=state_pk, run_started_at=started_at).update(
        run_started_at=None, run_lease_until=None
    )


def trust_run_alive(state: TrustState) -> bool:
    """Whether a run holds an unexpired lease on the state."""
    return bool(state.run_lease_until and state.run_lease_until > timezone.now())


class RunLease:
    """``with RunLease(state_pk=...) as lease:`` holds the lease for the block, renewing it
    from a thread every ``TRUST_RUN_HEARTBEAT``, and releases it however the block ends
    (an exception, a soft time limit). A killed process leaves it to run out."""

    def __init__(self, *, state_pk: int):
        self.state_pk = state_pk
        self.started_at: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="trust-run-lease", daemon=True)

    def __enter__(self) -> RunLease:
        self.started_at = trust_run_lease_take(state_pk=self.state_pk)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        # A renewal stuck on the database must not hold the run up; a late one matches
        # nothing once the lease is released.
        self._thread.join(timeout=settings.TRUST_RUN_HEARTBEAT.total_seconds())
        trust_run_lease_release(state_pk=self.state_pk, started_at=self.started_at)

    def _renew(self) -> None:
        interval = settings.TRUST_RUN_HEARTBEAT.total_seconds()
        try:
            while not self._stop.wait(interval):
                try:
                    if not trust_run_lease_renew(
                        state_pk=self.state_pk, started_at=self.started_at
                    ):
                        return  # another run took over
                except DatabaseError:
                    logger.warning("Trust run lease not renewed; retrying.", exc_info=True)
        finally:
            connection.close()  # this thread's own connection


@contextmanager
def run_statement_timeout() -> Iterator[None]:
    """The run's own statement limit (``TRUST_RUN_STATEMENT_TIMEOUT``) on PostgreSQL, in
    place of the web's, which a graph-wide read or write may exceed."""
    if connection.vendor != "postgresql":
        yield
        return
    milliseconds = int(settings.TRUST_RUN_STATEMENT_TIMEOUT * 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except DatabaseError:
            logger.warning("Statement limit not reset; the connection is dropped.", exc_info=True)
            connection.close()
