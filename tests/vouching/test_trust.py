from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bench.graphs import social_vouch_graph
from tests.conftest import queue_purge, queue_size
from tests.factories import FounderFactory, MemberFactory, VouchFactory, days_ago
from vouching import services, tasks
from vouching.models import Member, TrustScore, TrustState, Vouch
from vouching.services import trust as trust_services
from vouching.trust import METRICS, TrustGraph
from vouching.trust.advogato import AdvogatoMetric, accepted_by_flow, scaled_capacities
from vouching.trust.database import load_trust_graph
from vouching.trust.naive import NaiveMetric
from vouching.trust.pagerank import PledgePagerankMetric, relative_trust
from vouching.trust.pledge import PledgeMetric
from vouching.trust.sybilrank import SybilRankMetric


def graph(founders, edges, members=None, **kwargs):
    members = members or {n for edge in edges for n in edge[:2]} | set(founders)
    edges = [e if len(e) == 3 else (*e, 2) for e in edges]
    return TrustGraph.build(founders=founders, members=members, edges=edges, **kwargs)


def by_id(g, values):
    return {int(member_id): values[node] for node, member_id in enumerate(g.ids)}


# THE GRAPH ----------------------------------------------------------------------------


def test_graph_drops_self_vouches_and_strangers():
    g = TrustGraph.build(founders=[1], members=[1, 2, 3], edges=[(1, 2, 1), (2, 2, 3), (2, 9, 1)])
    assert g.m == 1 and g.n == 3
    assert g.ids[0] == 1, "founders come first"


def test_graph_levels_and_distances():
    g = graph([1], [(1, 2, 1), (2, 3, 3), (3, 4, 2), (5, 4, 3)])
    assert by_id(g, g.distances()) == {1: 0, 2: 1, 3: 2, 4: 3, 5: -1}
    strong = g.at_level(3)
    assert strong.m == 2
    assert by_id(strong, strong.distances())[3] == -1


# ADVOGATO -----------------------------------------------------------------------------


def test_advogato_fixed_capacities_accept_along_a_chain():
    chain = [(i, i + 1) for i in range(1, 12)]
    g = graph([1], chain, capacities=(800, 200, 50, 12, 4, 2, 1))
    accepted = by_id(g, accepted_by_flow(g))
    # The founder gets 200 (the supersource has 800), the next ones 50, 12, 4, 2 and 1:
    # the sixth member is accepted but passes nothing on.
    assert [accepted[i] for i in range(1, 13)] == [True] * 6 + [False] * 6


def test_advogato_capacity_caps_a_ring_behind_one_deep_attack_vouch():
    honest = [(i, i + 1) for i in range(1, 5)]
    fakes = range(100, 160)
    ring = [(a, b) for a in fakes for b in fakes if a != b and (b - a) % 60 < 6]
    g = graph([1], honest + ring + [(5, 100)], capacities=(800, 200, 50, 12, 4, 2, 1))
    accepted = by_id(g, accepted_by_flow(g))
    assert all(accepted[i] for i in range(1, 6))
    # Member 5 has capacity 2: one unit for themselves, one to pass on, whatever the ring.
    assert sum(accepted[f] for f in fakes) == 1


def test_advogato_level_is_the_strongest_network_that_accepts():
    g = graph([1], [(1, 2, 3), (2, 3, 1), (1, 4, 2)])
    result = AdvogatoMetric().compute(g)
    assert by_id(g, result.level) == {1: 3, 2: 3, 3: 1, 4: 2}
    assert by_id(g, result.vouched) == {1: True, 2: True, 3: True, 4: True}


def test_scaled_capacities_grow_with_membership():
    small = scaled_capacities([3, 30, 300])
    large = scaled_capacities([3, 300, 30000])
    assert small[0] == 334 and large[0] == 30304
    assert large[1] > small[1] and small[-1] == 1 == large[-1]


def test_advogato_accepts_everyone_in_a_large_honest_community():
    edges = social_vouch_graph(3000, seed=3)
    g = TrustGraph.build(founders=[0, 1, 2], members=range(3000), edges=edges)
    reachable = g.distances() >= 0
    accepted = AdvogatoMetric().compute(g).vouched
    # Fixed Advogato capacities would stop near 800; scaled ones reach almost everyone.
    assert accepted[reachable].mean() > 0.95


def test_forfeited_pledge_passes_on_less():
    edges = [(1, 2), (2, 3), (2, 4), (2, 5)]
    full = graph([1], edges, capacities=(100, 100, 4, 1))
    halved = graph([1], edges, capacities=(100, 100, 4, 1), pledge_weights={2: 0.5})
    assert sum(accepted_by_flow(full)) == 5
    assert sum(accepted_by_flow(halved)) == 3  # 2 passes on one unit instead of three


# SYBILRANK AND THE NAIVE RULE ----------------------------------------------------------


def honest_and_ring(reverse_attacks=0):
    honest = [(a, b) for a in range(1, 30) for b in range(1, 30) if a != b and (a * b) % 7 < 3]
    fakes = list(range(100, 140))
    ring = [(a, b) for a in fakes for b in fakes if a != b]
    # Fakes also vouch for honest members who accept: a cheap attack on link-based metrics.
    back = [(fakes[i], 1 + i % 29) for i in range(reverse_attacks)]
    g = graph([1, 2], honest + ring + [(5, 100)] + back)
    return g, {n for e in honest for n in e[:2]}, fakes


@pytest.mark.parametrize("metric", [PledgePagerankMetric(), SybilRankMetric()])
def test_trust_falls_off_behind_an_attack_vouch(metric):
    g, honest, fakes = honest_and_ring()
    result = metric.compute(g)
    score, vouched = by_id(g, result.score), by_id(g, result.vouched)
    assert min(score[h] for h in honest) > max(score[f] for f in fakes)
    assert all(vouched[h] for h in honest) and not any(vouched[f] for f in fakes)


def test_direction_keeps_fakes_out_when_they_vouch_for_honest_members():
    g, honest, fakes = honest_and_ring(reverse_attacks=40)
    pagerank = by_id(g, PledgePagerankMetric().compute(g).vouched)
    shares = by_id(g, PledgeMetric().compute(g).vouched)
    textbook = by_id(g, SybilRankMetric().compute(g).vouched)
    assert not any(pagerank[f] for f in fakes)
    assert sum(shares[f] for f in fakes) <= 1, "at most the fake the attack vouch names"
    # Links that ignore direction let the ring in through the vouches it gave.
    assert sum(textbook[f] for f in fakes) > 10


def test_pagerank_levels_follow_vouch_strength():
    g = graph([1], [(1, 2, 3), (2, 3, 3), (1, 4, 1), (4, 5, 2), (2, 5, 1)])
    result = PledgePagerankMetric().compute(g)
    assert by_id(g, result.level) == {1: 3, 2: 3, 3: 3, 4: 1, 5: 1}


def test_pagerank_counts_vouches_only_from_members_who_may_vouch():
    edges = [(1, 2, 3), (2, 3, 3)]
    assert by_id(graph([1], edges), PledgePagerankMetric().compute(graph([1], edges)).vouched)[3]
    strict = graph([1], edges, min_vouches_to_vouch=2)
    # 2 has one vouch: under a two-vouch rule 2 could not have vouched for 3.
    assert not by_id(strict, relative_trust(strict) > 0)[3]


def test_forfeited_pledge_weighs_less_in_propagation():
    edges = [(1, 2, 2), (1, 3, 2), (2, 4, 2), (3, 5, 2)]
    even = graph([1], edges)
    halved = graph([1], edges, pledge_weights={2: 0.5})
    score, score_halved = by_id(even, relative_trust(even)), by_id(halved, relative_trust(halved))
    assert score_halved[4] < 0.6 * score[4], "2 passes on half of what it holds"
    assert score_halved[5] >= score[5], "3's pledge is untouched"


def test_naive_rule_needs_three_vouched_vouchers():
    edges = [(f, 10) for f in (1, 2, 3)] + [(1, 11), (2, 11), (10, 12), (11, 12), (1, 12)]
    g = graph([1, 2, 3], edges)
    vouched = by_id(g, NaiveMetric().compute(g).vouched)
    assert vouched[10] and not vouched[11]
    assert not vouched[12], "11 vouches for 12 but is not vouched itself"
    g = graph([1, 2, 3], [*edges, (3, 12)])
    assert by_id(g, NaiveMetric().compute(g).vouched)[12]


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
    assert g.ids[g.founders].tolist() == [founder.pk]
    assert set(g.ids.tolist()) == {founder.pk, a.pk, b.pk}
    vouches = zip(g.ids[g.src].tolist(), g.ids[g.dst].tolist(), g.strength.tolist(), strict=True)
    assert list(vouches) == [(founder.pk, a.pk, 2)]


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
    assert run.generation == generation and run.metric == "pledge"
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
def test_standing_is_written_before_the_scores_that_only_drifted():
    from vouching.trust.database import store_scores, store_trust_result

    founders = FounderFactory.create_batch(2)
    friends = MemberFactory.create_batch(3)
    for friend in friends:
        for founder in founders:  # two vouches each: enough to vouch themselves
            VouchFactory(voucher=founder, vouchee=friend)
    services.trust_graph_changed()
    services.trust_recalculate()
    before = dict(TrustScore.objects.values_list("member_id", "score"))
    newcomer = MemberFactory()
    VouchFactory(voucher=friends[0], vouchee=newcomer)
    VouchFactory(voucher=friends[1], vouchee=newcomer)
    g = load_trust_graph()
    result = PledgeMetric().compute(g)
    expected = {int(m): round(float(s), 6) for m, s in zip(g.ids, result.score, strict=True)}
    stored = store_trust_result(g, result, scores_later=True)
    assert newcomer.pk in stored.standing_changed.tolist()
    rows = dict(TrustScore.objects.values_list("member_id", "score"))
    assert TrustScore.objects.get(member=newcomer).vouched
    drifted = [m for m in before if abs(expected[m] - before[m]) > 1e-6]
    assert drifted, "a newcomer moves the others' scores"
    assert all(rows[m] == before[m] for m in drifted), "drift waits for store_scores"
    assert stored.changed == len(drifted) + 1
    store_scores(stored)
    rows = dict(TrustScore.objects.values_list("member_id", "score"))
    assert rows == pytest.approx(expected)


def newcomer_after_a_run():
    """A founder's vouch for a newcomer, made after trust was computed: the next run
    changes the newcomer's standing and lets the others' scores drift."""
    founder = FounderFactory()
    VouchFactory(voucher=founder, vouchee=MemberFactory())
    services.trust_graph_changed()
    services.trust_recalculate()
    newcomer = MemberFactory()
    VouchFactory(voucher=founder, vouchee=newcomer)
    services.trust_graph_changed()
    return newcomer


@pytest.mark.django_db
def test_a_runs_drift_never_overwrites_a_newer_runs_result(monkeypatch):
    b = newcomer_after_a_run()
    left = []
    monkeypatch.setattr(trust_services, "_store_drift", lambda *args: left.append(args))
    run = services.trust_recalculate()
    assert b.pk in run.standing_changed and len(left) == 1
    (state_pk, computed_at, stored, generation) = left[0]
    assert run.changed == stored.standing_changed_rows, "the drift it did not write is not counted"
    monkeypatch.undo()
    scores = dict(TrustScore.objects.values_list("member_id", "score"))
    # Another run, of the same generation too, stored its result between the two steps.
    later = computed_at + timedelta(seconds=1)
    TrustState.objects.update(computed_at=later)
    assert trust_services._store_drift(state_pk, computed_at, stored, generation) is False
    assert dict(TrustScore.objects.values_list("member_id", "score")) == scores
    TrustState.objects.update(computed_at=computed_at)
    assert trust_services._store_drift(state_pk, computed_at, stored, generation) is True
    assert dict(TrustScore.objects.values_list("member_id", "score")) != scores


@pytest.mark.django_db
def test_a_drift_that_cannot_be_written_leaves_the_state_dirty(monkeypatch):
    from django.db import OperationalError

    b = newcomer_after_a_run()

    def locked(stored):
        raise OperationalError("database is locked")

    monkeypatch.setattr(trust_services, "store_scores", locked)
    run = services.trust_recalculate()
    assert b.pk in run.standing_changed, "standing is out all the same"
    assert TrustState.load().dirty, "the sweeper will run again for the scores"


@pytest.mark.django_db
def test_losing_the_path_loses_standing():
    founder, second = FounderFactory.create_batch(2)
    a, b = MemberFactory.create_batch(2)
    first = VouchFactory(voucher=founder, vouchee=a)
    VouchFactory(voucher=second, vouchee=a)
    VouchFactory(voucher=a, vouchee=b)
    services.trust_graph_changed()
    services.trust_recalculate()
    assert Member.objects.in_good_standing().filter(pk__in=[a.pk, b.pk]).count() == 2
    # With one vouch left, a may no longer vouch (MIN_VOUCHES_TO_VOUCH = 2): a keeps
    # standing, but a's vouch no longer carries b.
    services.vouch_withdraw(vouch=first, member=founder)
    run = services.trust_recalculate()
    assert set(run.standing_changed) == {b.pk}
    assert Member.objects.in_good_standing().filter(pk=a.pk).exists()


@pytest.mark.django_db
def test_change_during_a_run_keeps_the_state_dirty(monkeypatch):
    founder = FounderFactory()
    a = MemberFactory()
    VouchFactory(voucher=founder, vouchee=a)
    services.trust_graph_changed()
    real_load = trust_services.load_trust_graph

    def load_then_change():
        loaded = real_load()
        services.trust_graph_changed()  # a vouch commits while the run computes
        return loaded

    monkeypatch.setattr(trust_services, "load_trust_graph", load_then_change)
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
    real_load = trust_services.load_trust_graph

    def newer_run_finishes_first():
        loaded = real_load()
        monkeypatch.setattr(trust_services, "load_trust_graph", real_load)
        services.vouch_withdraw(vouch=vouch, member=founder)
        services.trust_recalculate()  # the newer generation: a is no longer vouched
        return loaded

    monkeypatch.setattr(trust_services, "load_trust_graph", newer_run_finishes_first)
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
    now = timezone.now()
    TrustState.objects.update(
        dirty=True, run_started_at=days_ago(1), run_lease_until=now + timedelta(seconds=20)
    )
    tasks.sweep()
    assert queue_size() == 0, "a long run that renews its lease is alive"
    TrustState.objects.update(run_lease_until=now - timedelta(seconds=1))  # that run died
    tasks.sweep()
    assert queue_size() == 1
    queue_purge()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_a_thousand_changes_asks_for_a_handful_of_runs(settings):
    """At the real delay, runs are asked for at most once per delay, not once per change."""
    import time

    queue_purge()
    members = MemberFactory.create_batch(40)
    pairs = [(a, b) for a in members for b in members if a != b][:1000]
    started = time.monotonic()
    for voucher, vouchee in pairs:
        with transaction.atomic():
            VouchFactory(voucher=voucher, vouchee=vouchee)
            services.trust_graph_changed()
    elapsed = time.monotonic() - started
    delay = settings.TRUST_RECALC_DELAY.total_seconds()
    asked = queue_size()
    assert 1 <= asked <= elapsed / delay + 2
    assert asked <= 50, f"{asked} runs asked for 1,000 changes in {elapsed:.1f} s"
    assert TrustState.load().generation >= 1000
    queue_purge()


@pytest.mark.django_db(transaction=True)
def test_a_change_soon_after_a_run_started_asks_for_the_next_one_an_interval_later(settings):
    settings.TRUST_RECALC_MIN_INTERVAL = timedelta(seconds=60)
    queue_purge()
    founder = FounderFactory()
    TrustState.load()
    TrustState.objects.update(last_run_started_at=timezone.now())
    for member in MemberFactory.create_batch(2):
        with transaction.atomic():
            VouchFactory(voucher=founder, vouchee=member)
            services.trust_graph_changed()
    assert queue_size() == 1
    due = TrustState.load().enqueued_at - timezone.now()
    assert due > timedelta(seconds=50), "held until the interval has passed"
    TrustState.objects.update(enqueued_at=None, last_run_started_at=days_ago(1))
    with transaction.atomic():
        VouchFactory(voucher=founder, vouchee=MemberFactory())
        services.trust_graph_changed()
    assert TrustState.load().enqueued_at <= timezone.now(), "no recent run: the usual delay"
    queue_purge()


@pytest.mark.django_db(transaction=True)
def test_a_run_asked_for_too_soon_waits_for_the_interval_once(settings):
    """A request that queued behind a run starts no run of its own before the interval
    since that run's start: it is asked again when due, and a duplicate is dropped."""
    settings.TRUST_RECALC_MIN_INTERVAL = timedelta(seconds=60)
    queue_purge()
    with transaction.atomic():
        VouchFactory(voucher=FounderFactory(), vouchee=MemberFactory())
        services.trust_graph_changed()
    queue_purge()
    TrustState.objects.update(enqueued_at=None, last_run_started_at=timezone.now())
    assert tasks.recalculate_trust() is None
    assert tasks.recalculate_trust() is None
    state = TrustState.load()
    assert state.dirty and state.computed_generation is None, "no run yet"
    assert queue_size() == 1 and state.enqueued_at > timezone.now() + timedelta(seconds=50)
    TrustState.objects.update(last_run_started_at=days_ago(1))
    assert tasks.recalculate_trust()["generation"] == state.generation
    assert tasks.recalculate_trust(force=True) is not None, "a forced run is never held"
    queue_purge()


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_handles_a_site_with_no_founder_yet_and_an_empty_one(name):
    for g in (
        TrustGraph.build(founders=[], members=[], edges=[]),
        TrustGraph.build(founders=[], members=[1, 2, 3], edges=[(1, 2, 2), (2, 3, 1)]),
    ):
        result = METRICS[name].compute(g)
        assert len(result.vouched) == g.n and not result.vouched.any()
        assert ((0 <= result.score) & (result.score <= 1)).all()


@pytest.mark.django_db(transaction=True)
def test_a_run_renews_its_lease_until_another_run_takes_it_over(settings):
    from tests.conftest import wait_for
    from vouching.services.runs import RunLease

    settings.TRUST_RUN_HEARTBEAT = timedelta(seconds=0.05)
    settings.TRUST_RUN_LEASE = timedelta(seconds=1)
    state = TrustState.load()
    with RunLease(state_pk=state.pk) as lease:
        first = TrustState.load().run_lease_until
        assert wait_for(lambda: TrustState.load().run_lease_until > first, timeout=5)
        other = timezone.now()
        TrustState.objects.update(run_started_at=other)  # presumed dead, replaced
        lease._thread.join(timeout=5)
        assert not lease._thread.is_alive(), "it stops renewing another run's lease"
    assert TrustState.load().run_started_at == other, "nor does it release it"


@pytest.mark.django_db
def test_the_recalculation_has_its_own_statement_limit(settings):
    from django.db import connection

    from vouching.services.runs import run_statement_timeout

    def limit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    settings.TRUST_RUN_STATEMENT_TIMEOUT = 600
    if connection.vendor != "postgresql":
        with run_statement_timeout():
            return  # SQLite has no statement limit to lift
    assert limit() == "20s", "the web's, from the settings"
    with run_statement_timeout():
        assert limit() == "10min"
    assert limit() == "20s"
