"""Recalculating trust in the background: the database records pending work.

Every change to the vouch graph bumps a generation counter and marks the trust state dirty
in its own transaction; after commit a recalculation is asked of the broker. Runs are
idempotent pure functions of the graph; the sweeper in beat re-asks while work is pending
and no live run holds the lease (``runs.py``): a run whose worker died is replaced once
its lease lapses, within seconds.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import signals, tasks
from ..models import TrustState
from ..trust import get_metric
from ..trust.database import StoredTrust, load_trust_graph, store_scores, store_trust_result
from ..trust.graph import TrustGraph, TrustResult
from .moderation import standing_lost_record
from .runs import RunLease, run_statement_timeout, trust_run_alive

logger = logging.getLogger(__name__)

# The sweeper re-asks when an earlier request has not been picked up by then.
ENQUEUE_PRESUMED_LOST_SECONDS = 60


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


def trust_recalculation_claim(*, lost_after_seconds: float, due_in_seconds: float = 0) -> bool:
    """Claim the right to ask for a recalculation; False if one was asked recently.

    This is what coalesces a burst of changes into a few runs. The claim is stamped
    ``due_in_seconds`` ahead (a run asked for later holds its claim until then) and is
    taken over once its stamp is ``lost_after_seconds`` old.
    """
    TrustState.load()
    now = timezone.now()
    threshold = now - timedelta(seconds=lost_after_seconds)
    claimed = (
        TrustState.objects.filter(pk=TrustState.SINGLETON_PK)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=threshold))
        .update(enqueued_at=now + timedelta(seconds=due_in_seconds))
    )
    return bool(claimed)


def trust_recalculation_spacing() -> float:
    """Seconds until a run may start: ``TRUST_RECALC_MIN_INTERVAL`` after the latest run
    started (0 once that has passed)."""
    started = (
        TrustState.objects.filter(pk=TrustState.SINGLETON_PK)
        .values_list("last_run_started_at", flat=True)
        .first()
    )
    if started is None:
        return 0.0
    due = started + settings.TRUST_RECALC_MIN_INTERVAL
    return max(0.0, (due - timezone.now()).total_seconds())


def trust_recalculation_unclaim() -> None:
    TrustState.objects.filter(pk=TrustState.SINGLETON_PK).update(enqueued_at=None)


def trust_sweep_needed() -> bool:
    """Whether the state is dirty with no live run to clean it: none started, or the one
    that started stopped renewing its lease (its worker died)."""
    TrustState.load()
    with transaction.atomic():
        state = TrustState.objects.select_for_update(skip_locked=True).first()
        # Locked: a run is storing its result (its lease may lapse while it does).
        return state is not None and state.dirty and not trust_run_alive(state)


@dataclass(frozen=True)
class TrustRun:
    generation: int
    metric: str
    members: int
    vouches: int
    changed: int
    standing_changed: tuple[int, ...]
    seconds: dict[str, float]


def _store_drift(state_pk: int, computed_at, stored, generation: int) -> bool:
    """Second step of a run, once its standing is out: the scores that only drifted,
    unless another run (even of the same generation) has stored its result since:
    ``computed_at`` is the stamp this run's first step left. The first step left the
    state dirty; it is cleared with the write, so a run killed or failing in between
    leaves the sweeper a reason to run again instead of leaving scores stale."""
    try:
        with transaction.atomic():
            state = TrustState.objects.select_for_update().get(pk=state_pk)
            if state.computed_at != computed_at:
                return False
            store_scores(stored)
            if state.generation == generation:
                TrustState.objects.filter(pk=state_pk).update(dirty=False)
            return True
    except DatabaseError:
        logger.exception("Scores of the trust run stamped %s not stored: dirty.", computed_at)
        return False


def configured_metric_name() -> str:
    """The metric every recalculation uses: the operator's ``PLEDGE_TRUST_METRIC``."""
    return settings.PLEDGE_TRUST_METRIC


def trust_recalculate(*, force: bool = False, metric_name: str | None = None) -> TrustRun | None:
    """Recompute every member's trust from the graph, store it and publish the changes.

    The metric is the configured one (``PLEDGE_TRUST_METRIC``) unless ``metric_name``
    names another; storing another metric's result is for tests and benchmarks: the next
    automatic run would replace it (``recalculate_trust --metric`` only compares).

    Idempotent: runs that find nothing dirty do nothing (unless forced), and a run never
    overwrites the result of a newer generation. The dirty flag is cleared only when the
    generation did not move while computing. Standing (and every new or re-levelled
    row) is committed first; the scores that merely drifted follow in a second
    transaction, so a vouch's effect is not held back by a graph-wide rewrite.
    """
    metric = get_metric(metric_name or configured_metric_name())
    state = TrustState.load()
    if not state.dirty and not force:
        return None
    with RunLease(state_pk=state.pk), run_statement_timeout():
        started = time.perf_counter()
        # Read the generation before the graph: a change that lands in between is then in
        # the graph but not in the generation, which only costs one more run.
        generation = TrustState.objects.values_list("generation", flat=True).get(pk=state.pk)
        graph = load_trust_graph()
        loaded = time.perf_counter()
        result = metric.compute(graph)
        computed = time.perf_counter()
        first = _store_standing(
            state.pk, generation=generation, graph=graph, result=result, metric_name=metric.name
        )
        if first is None:
            return None
        published = time.perf_counter()
        stored = first.stored
        changed = int(stored.standing_changed_rows)
        if stored.scores_pending is not None and _store_drift(
            state.pk, first.computed_at, stored, generation
        ):
            changed += len(stored.scores_pending.ids)
        finished = time.perf_counter()
    return _logged(
        TrustRun(
            generation=generation,
            metric=metric.name,
            members=graph.n,
            vouches=graph.m,
            changed=changed,
            standing_changed=first.standing_changed,
            seconds={
                "load": round(loaded - started, 3),
                "compute": round(computed - loaded, 3),
                "store": round(finished - computed, 3),
                "standing_published": round(published - started, 3),
                "total": round(finished - started, 3),
            },
        )
    )


def _logged(run: TrustRun) -> TrustRun:
    logger.info(
        "Trust recalculated with %s: generation %s, %s members, %s vouches, %s rows changed.",
        run.metric,
        run.generation,
        run.members,
        run.vouches,
        run.changed,
    )
    return run


class StandingStored(NamedTuple):
    """What the first step of a run stored."""

    stored: StoredTrust
    computed_at: datetime  # the stamp it left on the state: the second step checks it
    standing_changed: tuple[int, ...]  # member ids


def _store_standing(
    state_pk: int, *, generation: int, graph: TrustGraph, result: TrustResult, metric_name: str
) -> StandingStored | None:
    """First step of a run, in one transaction: standing (and every new or re-levelled
    row), the records of standing lost, the state marked computed, and the signals sent
    once it commits. None if a newer generation was stored meanwhile."""
    with transaction.atomic():
        state = TrustState.objects.select_for_update().get(pk=state_pk)
        if state.computed_generation is not None and generation < state.computed_generation:
            logger.info("Trust run for generation %s superseded; not stored.", generation)
            return None
        stored = store_trust_result(graph, result, scores_later=True)
        lost_records = _standing_lost_record(stored, generation=generation, since=state.computed_at)
        previous_metric = state.metric
        state.computed_generation = generation
        state.computed_at = timezone.now()
        state.metric = metric_name
        if stored.scores_pending is not None:
            state.dirty = True  # until the second step has written the drift
        elif state.generation == generation:
            state.dirty = False
        state.save()
        changed_ids = tuple(int(i) for i in stored.standing_changed)
        if changed_ids:
            transaction.on_commit(
                lambda: signals.standing_changed.send_robust(
                    sender=TrustState, member_ids=changed_ids, generation=generation
                )
            )
        # Members are told they lost standing when the graph changed, not when the
        # operator chose another metric (the records keep it all the same).
        if lost_records and previous_metric in ("", metric_name):
            signals.send_after_commit(signals.standing_lost, record_ids=lost_records)
    return StandingStored(stored, state.computed_at, changed_ids)


def _standing_lost_record(stored: StoredTrust, *, generation: int, since) -> list[int]:
    """The moderation records of the members who lost standing in this run (their ids)."""
    if not len(stored.lost):
        return []
    return standing_lost_record(
        stored.lost.tolist(), generation=generation, since=since, carriers=stored.lost_carriers
    )


@dataclass(frozen=True)
class TrustComparison:
    configured: str
    other: str
    members: int
    vouched_configured: int
    vouched_other: int
    would_gain: int  # vouched by the other metric only
    would_lose: int  # vouched by the configured metric only


def trust_compare(*, metric_name: str) -> TrustComparison:
    """What another metric would decide on today's graph, next to the configured one,
    written nowhere: how an operator tries a metric before choosing it."""
    graph = load_trust_graph()
    mine = get_metric(configured_metric_name()).compute(graph).vouched
    theirs = get_metric(metric_name).compute(graph).vouched
    return TrustComparison(
        configured=configured_metric_name(),
        other=metric_name,
        members=graph.n,
        vouched_configured=int(mine.sum()),
        vouched_other=int(theirs.sum()),
        would_gain=int((theirs & ~mine).sum()),
        would_lose=int((mine & ~theirs).sum()),
    )
