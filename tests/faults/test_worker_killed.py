"""A worker killed with ``kill -9`` in the middle of a recalculation: its lease runs out,
the sweeper asks again, and a new worker brings standing up to date within seconds."""

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import wait_for
from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching import services, tasks
from vouching.models import Member, TrustScore, TrustState

from .conftest import LEASE_SECONDS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def standing_of(member):
    return Member.objects.select_related("trust").get(pk=member.pk).standing


def kill_when_paused(worker) -> None:
    wait_for(lambda: Path(worker.paused_file).exists(), timeout=30)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()


def beat_until(predicate, *, timeout: float):
    """Beat's part: ask for a sweep every half second until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks.sweep.delay()
        if wait_for_quietly(predicate, 0.5):
            return
    raise AssertionError(f"not converged within {timeout} s")


def wait_for_quietly(predicate, seconds: float) -> bool:
    try:
        wait_for(predicate, timeout=seconds, interval=0.05)
        return True
    except AssertionError:
        return False


def test_a_run_killed_mid_recalculation_is_replaced_once_its_lease_runs_out(
    start_worker, vouch_fields
):
    founder, newcomer = FounderFactory(), MemberFactory()
    vouch = services.vouch_create(voucher=founder, vouchee=newcomer, fields=vouch_fields)
    dying = start_worker(pause_at="compute")
    services.vouch_accept(vouch=vouch, member=newcomer)  # asks for a run after commit
    wait_for(lambda: Path(dying.paused_file).exists(), timeout=30)

    # The run holds a lease and renews it while it works.
    first = TrustState.load().run_lease_until
    assert first is not None
    assert wait_for(lambda: TrustState.load().run_lease_until > first, timeout=5)
    assert not services.trust_sweep_needed(), "a live run is left alone"

    kill_when_paused(dying)
    killed_at = time.monotonic()
    state = TrustState.load()
    assert state.dirty and state.run_started_at is not None, "nothing released the run"
    assert not services.trust_sweep_needed(), "not presumed dead before its lease ends"
    wait_for(services.trust_sweep_needed, timeout=LEASE_SECONDS + 5)
    assert time.monotonic() - killed_at >= LEASE_SECONDS - 1

    start_worker()
    beat_until(lambda: standing_of(newcomer) == "vouched", timeout=30)
    state = wait_for(lambda: (s := TrustState.load()).run_started_at is None and s)
    assert not state.dirty and state.computed_generation == state.generation
    assert state.run_lease_until is None


def test_a_run_killed_while_writing_the_drift_leaves_it_to_the_next_run(start_worker):
    founder = FounderFactory()
    VouchFactory(voucher=founder, vouchee=MemberFactory())
    services.trust_graph_changed()
    services.trust_recalculate()
    newcomer = MemberFactory()
    VouchFactory(voucher=founder, vouchee=newcomer)
    dying = start_worker(pause_at="drift")
    services.trust_graph_changed()  # committed: asks the paused worker for a run
    kill_when_paused(dying)

    assert standing_of(newcomer) == "vouched", "the first step, standing, is stored"
    assert TrustState.load().dirty, "the drift it was writing is still to do"

    start_worker()
    beat_until(lambda: not TrustState.load().dirty, timeout=30)
    stored = dict(TrustScore.objects.values_list("member_id", "score"))
    services.trust_recalculate(force=True)
    assert dict(TrustScore.objects.values_list("member_id", "score")) == pytest.approx(stored)
