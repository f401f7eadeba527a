from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import queue_purge, queue_size
from tests.factories import FounderFactory, MemberFactory, VouchFactory, days_ago
from vouching import services, tasks
from vouching.models import Member, TrustScore, TrustState, Vouch
from vouching.trust import ReachabilityMetric, TrustGraph, get_metric, load_trust_graph


def graph(founders, edges, members=None):
    members = members or {n for edge in edges for n in edge[:2]} | set(founders)
    return TrustGraph.build(founders=founders, members=members, edges=edges)


# THE METRIC (a pure function of the graph) --------------------------------------------


def test_reachability_follows_vouch_direction():
    result = ReachabilityMetric().compute(graph([1], [(1, 2, 1), (2, 3, 3), (4, 3, 2)]))
    assert {m for m, t in result.items() if t.vouched} == {1, 2, 3}
    assert not result[4].vouched  # vouching for a vouched member earns nothing


def test_reachability_scores_fall_with_distance():
    result = ReachabilityMetric().compute(graph([1], [(1, 2, 1), (2, 3, 1)]))
    assert result[1].score > result[2].score > result[3].score > 0


def test_no_founders_nobody_vouched():
    result = ReachabilityMetric().compute(graph([], [(1, 2, 1)]))
    assert not any(t.vouched for t in result.values())


def test_graph_ignores_edges_of_members_outside_it():
    g = TrustGraph.build(founders=[1], members=[1, 3], edges=[(1, 2, 1), (2, 3, 1)])
    assert g.edges == ()
    assert not ReachabilityMetric().compute(g)[3].vouched


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="Unknown trust metric"):
        get_metric("nonsense")


# LOADING THE GRAPH FROM THE DATABASE --------------------------------------------------


@pytest.mark.django_db
def test_load_trust_graph_uses_accepted_vouches_of_visible_members():
    founder = FounderFactory()
    a, b, banned, suspended = MemberFactory.create_batch(4)
    VouchFactory(voucher=founder, vouchee=a)
    VouchFactory(voucher=founder, vouchee=b, status=Vouch.Status.PENDING)
    VouchFactory(voucher=a, vouchee=banned)
    VouchFactory(voucher=banned, vouchee=b)
    VouchFactory(voucher=a, vouchee=suspended)
    Member.objects.filter(pk=banned.pk).update(banned_at=timezone.now())
    Member.objects.filter(pk=suspended.pk).update(suspended_until=days_ago(-1))
    g = load_trust_graph()
    assert g.founders == {founder.pk}
    assert g.members == {founder.pk, a.pk, b.pk}
    assert set(g.edges) == {(founder.pk, a.pk, 2)}


# RECALCULATION ------------------------------------------------------------------------


@pytest.mark.django_db
def test_recalculate_stores_standing_and_clears_dirty():
    founder = FounderFactory()
    a, b, c = MemberFactory.create_batch(3)
    VouchFactory(voucher=founder, vouchee=a)
    VouchFactory(voucher=a, vouchee=b)
    VouchFactory(voucher=c, vouchee=a)
    services.trust_graph_changed()
    generation = TrustState.load().generation
    run = services.trust_recalculate()
    assert run.generation == generation and run.metric == "reachability"
    vouched = set(Member.objects.in_good_standing().values_list("pk", flat=True))
    assert vouched == {founder.pk, a.pk, b.pk}
    assert set(run.standing_changed) == {founder.pk, a.pk, b.pk}
    state = TrustState.load()
    assert not state.dirty and state.computed_generation == generation and state.computed_at
    assert not state.is_stale


@pytest.mark.django_db
def test_recalculate_is_idempotent():
    founder = FounderFactory()
    a = MemberFactory()
    VouchFactory(voucher=founder, vouchee=a)
    services.trust_graph_changed()
    assert services.trust_recalculate().changed == 2
    assert services.trust_recalculate() is None  # nothing dirty: nothing to do
    forced = services.trust_recalculate(force=True)
    assert forced.changed == 0 and forced.standing_changed == ()
    assert TrustScore.objects.count() == 2


@pytest.mark.django_db
def test_losing_the_path_loses_standing():
    founder = FounderFactory()
    a, b = MemberFactory.create_batch(2)
    first = VouchFactory(voucher=founder, vouchee=a)
    VouchFactory(voucher=a, vouchee=b)
    services.trust_graph_changed()
    services.trust_recalculate()
    services.vouch_withdraw(vouch=first, member=founder)
    run = services.trust_recalculate()
    assert set(run.standing_changed) == {a.pk, b.pk}
    assert not Member.objects.in_good_standing().filter(pk__in=[a.pk, b.pk]).exists()


@pytest.mark.django_db
def test_change_during_a_run_keeps_the_state_dirty(monkeypatch):
    founder = FounderFactory()
    a = MemberFactory()
    VouchFactory(voucher=founder, vouchee=a)
    services.trust_graph_changed()
    real_load = services.load_trust_graph

    def load_then_change():
        loaded = real_load()
        services.trust_graph_changed()  # a vouch commits while the run computes
        return loaded

    monkeypatch.setattr(services, "load_trust_graph", load_then_change)
    run = services.trust_recalculate()
    state = TrustState.load()
    assert state.dirty, "a change during the run must leave work for the next run"
    assert state.computed_generation == run.generation == state.generation - 1
    assert state.is_stale


@pytest.mark.django_db
def test_older_run_never_overwrites_a_newer_result(monkeypatch):
    founder = FounderFactory()
    a = MemberFactory()
    vouch = VouchFactory(voucher=founder, vouchee=a)
    services.trust_graph_changed()
    real_load = services.load_trust_graph

    def newer_run_finishes_first():
        loaded = real_load()
        monkeypatch.setattr(services, "load_trust_graph", real_load)
        services.vouch_withdraw(vouch=vouch, member=founder)
        services.trust_recalculate()  # the newer generation: a is no longer vouched
        return loaded

    monkeypatch.setattr(services, "load_trust_graph", newer_run_finishes_first)
    assert services.trust_recalculate() is None
    assert not TrustScore.objects.get(member=a).vouched
    assert not TrustState.load().dirty


@pytest.mark.django_db
def test_trust_graph_changed_rolls_back_with_the_transaction():
    before = TrustState.load().generation
    with pytest.raises(RuntimeError), transaction.atomic():
        services.trust_graph_changed()
        raise RuntimeError
    assert TrustState.load().generation == before


@pytest.mark.django_db
def test_trust_state_row_is_recreated_if_missing():
    TrustState.objects.all().delete()
    services.trust_graph_changed()
    state = TrustState.load()
    assert state.generation == 1 and state.dirty


# COALESCING AND THE SWEEPER (real broker, no worker) -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_burst_of_changes_asks_for_one_run(settings):
    settings.TRUST_RECALC_DELAY = timedelta(seconds=30)  # the whole burst falls in one window
    queue_purge()
    founder = FounderFactory()
    members = MemberFactory.create_batch(20)
    for m in members:
        with transaction.atomic():
            VouchFactory(voucher=founder, vouchee=m)
            services.trust_graph_changed()
    assert queue_size() == 1
    assert TrustState.load().generation >= 20


@pytest.mark.django_db(transaction=True)
def test_sweeper_reasks_when_a_request_was_lost():
    queue_purge()
    founder = FounderFactory()
    with transaction.atomic():
        VouchFactory(voucher=founder, vouchee=MemberFactory())
        services.trust_graph_changed()
    assert queue_size() == 1
    queue_purge()  # the message is lost, as with a worker killed mid-task
    tasks.sweep()
    assert queue_size() == 0, "a fresh request is not presumed lost yet"
    TrustState.objects.update(enqueued_at=days_ago(1))
    tasks.sweep()
    assert queue_size() == 1
    tasks.sweep()
    assert queue_size() == 1, "one request at a time"


@pytest.mark.django_db(transaction=True)
def test_sweeper_leaves_a_clean_state_and_a_live_run_alone():
    queue_purge()
    TrustState.load()
    tasks.sweep()
    assert queue_size() == 0
    TrustState.objects.update(dirty=True, run_started_at=timezone.now())
    tasks.sweep()
    assert queue_size() == 0
    TrustState.objects.update(run_started_at=days_ago(1))  # that run died
    tasks.sweep()
    assert queue_size() == 1
    queue_purge()
