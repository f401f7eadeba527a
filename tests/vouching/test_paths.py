"""Trust paths: shortest first, strongest on ties, at most four hops, never through the
hidden, and served from cached neighbourhoods once warm."""

import random
from collections import Counter

import networkx as nx
import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import MemberFactory, VouchFactory, days_ago
from vouching import selectors, services
from vouching.models import Member, Vouch
from vouching.trust import paths

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def people(n):
    return MemberFactory.create_batch(n)


def names(path):
    return [m.display_name for m in path.members] if path else None


def test_direct_vouch_either_way_is_one_hop():
    a, b = people(2)
    VouchFactory(voucher=b, vouchee=a, strength=3, relationship="family")
    path = selectors.trust_path(viewer=a, target=b)
    assert path.length == 1 and path.members == (a, b)
    step = path.steps[0]
    assert (step.voucher, step.vouchee) == (b, a), "the hop says who vouched for whom"
    assert step.strength == 3 and step.relationship == "family"
    assert str(step.relationship_label) == "Family"


def test_four_hops_at_most():
    chain = people(6)
    for a, b in zip(chain, chain[1:], strict=False):
        VouchFactory(voucher=a, vouchee=b)
    assert selectors.trust_path(viewer=chain[0], target=chain[4]).length == 4
    assert selectors.trust_path(viewer=chain[0], target=chain[5]) is None
    assert selectors.trust_path(viewer=chain[5], target=chain[1]).length == 4


def test_shortest_first_then_strongest():
    you, mei, jon, lena, weak = people(5)
    # A strong three-hop path and a weak two-hop path: shortest wins.
    VouchFactory(voucher=you, vouchee=mei, strength=3)
    VouchFactory(voucher=mei, vouchee=jon, strength=3)
    VouchFactory(voucher=jon, vouchee=lena, strength=3)
    VouchFactory(voucher=you, vouchee=weak, strength=1)
    VouchFactory(voucher=lena, vouchee=weak, strength=1)
    assert names(selectors.trust_path(viewer=you, target=lena)) == [
        you.display_name,
        weak.display_name,
        lena.display_name,
    ]
    # Two two-hop paths: the one whose weakest vouch is stronger wins.
    strong = MemberFactory()
    VouchFactory(voucher=you, vouchee=strong, strength=2)
    VouchFactory(voucher=strong, vouchee=lena, strength=2)
    cache.clear()
    path = selectors.trust_path(viewer=you, target=lena)
    assert path.between == (strong,)


def test_equal_weakest_link_prefers_greater_total():
    you, a, b, target = people(4)
    VouchFactory(voucher=you, vouchee=a, strength=1)
    VouchFactory(voucher=a, vouchee=target, strength=1)
    VouchFactory(voucher=you, vouchee=b, strength=3)
    VouchFactory(voucher=target, vouchee=b, strength=1)
    assert selectors.trust_path(viewer=you, target=target).between == (b,)


def test_only_accepted_vouches_between_visible_members_link():
    you, mid, target, banned, other = people(5)
    VouchFactory(voucher=you, vouchee=mid, status=Vouch.Status.PENDING)
    VouchFactory(voucher=mid, vouchee=target)
    VouchFactory(voucher=you, vouchee=banned)
    VouchFactory(voucher=banned, vouchee=target)
    VouchFactory(voucher=you, vouchee=other, status=Vouch.Status.WITHDRAWN)
    VouchFactory(voucher=other, vouchee=target)
    Member.objects.filter(pk=banned.pk).update(banned_at=timezone.now())
    assert selectors.trust_path(viewer=you, target=target) is None


def test_no_path_to_a_hidden_member():
    you, target = people(2)
    VouchFactory(voucher=you, vouchee=target)
    Member.objects.filter(pk=target.pk).update(suspended_until=days_ago(-1))
    assert selectors.trust_path(viewer=you, target=target) is None


def test_warm_path_needs_no_query_and_a_graph_change_refreshes_it(
    django_assert_max_num_queries, django_assert_num_queries
):
    you, mid, target = people(3)
    VouchFactory(voucher=you, vouchee=mid)
    VouchFactory(voucher=mid, vouchee=target)
    generation = paths.current_generation()
    with django_assert_max_num_queries(12):
        assert paths.find_trust_path(you.pk, target.pk, generation).length == 2
    with django_assert_num_queries(0):
        assert paths.find_trust_path(you.pk, target.pk, generation).length == 2
    # A new vouch bumps the generation: the cached two-hop answer is not used any more.
    VouchFactory(voucher=you, vouchee=target)
    services.trust_graph_changed()
    assert paths.find_trust_path(you.pk, target.pk).length == 1


def test_neighbourhoods_are_shared_between_searches(django_assert_max_num_queries):
    hub = MemberFactory()
    spokes = people(6)
    for spoke in spokes:
        VouchFactory(voucher=hub, vouchee=spoke)
    generation = paths.current_generation()
    paths.find_trust_path(spokes[0].pk, spokes[1].pk, generation)
    # Every member's links are now cached except those of spokes 2..5.
    with django_assert_max_num_queries(5):
        assert paths.find_trust_path(spokes[0].pk, spokes[2].pk, generation).length == 2


def test_batch_resolves_paths_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    you = MemberFactory()
    targets = people(5)
    for t in targets:
        VouchFactory(voucher=you, vouchee=t)
    selectors.trust_paths(viewer=you, targets=targets)  # warm the searches
    # The graph generation, the viewer's blocks and the members on the paths (the hops
    # keep their relationships in the cache): three queries however many paths.
    with django_assert_max_num_queries(3):
        found = selectors.trust_paths(viewer=you, targets=targets)
    assert all(found[t.pk].length == 1 for t in targets)


@pytest.mark.parametrize("seed", [4, 5])
def test_paths_agree_with_networkx_on_a_random_graph(seed):
    """networkx, by brute force over every shortest path, is the oracle: the same length
    and the same strength (weakest vouch, then total) on every pair."""
    rng = random.Random(seed)
    members = people(60)
    graph = nx.Graph()
    graph.add_nodes_from(m.pk for m in members)
    for _ in range(90):
        a, b = rng.sample(members, 2)
        if not Vouch.objects.filter(voucher=a, vouchee=b).exists():
            strength = rng.choice([1, 2, 3])
            VouchFactory(voucher=a, vouchee=b, strength=strength)
            best = (
                max(strength, graph.edges[a.pk, b.pk]["strength"])
                if graph.has_edge(a.pk, b.pk)
                else strength
            )
            graph.add_edge(a.pk, b.pk, strength=best)
    # Suspended members connect nobody: the oracle does without them.
    for member in rng.sample(members, 3):
        Member.objects.filter(pk=member.pk).update(suspended_until=days_ago(-1))
        graph.remove_node(member.pk)
    lengths = dict(nx.all_pairs_shortest_path_length(graph, cutoff=4))

    def quality(nodes):
        strengths = [graph.edges[x, y]["strength"] for x, y in zip(nodes, nodes[1:], strict=False)]
        return (min(strengths), sum(strengths))

    def check(a, b, path):
        expected = lengths.get(a.pk, {}).get(b.pk)
        assert (path.length if path else None) == expected
        if path:
            best = max(quality(p) for p in nx.all_shortest_paths(graph, a.pk, b.pk))
            assert quality([m.pk for m in path.members]) == best
            pairs = zip(path.members, path.members[1:], strict=False)
            for step, (x, y) in zip(path.steps, pairs, strict=True):
                assert {step.voucher.pk, step.vouchee.pk} == {x.pk, y.pk}
                assert graph.has_edge(x.pk, y.pk)

    found = Counter()
    for _ in range(150):  # one search at a time, as a profile page asks
        a, b = rng.sample(members, 2)
        path = selectors.trust_path(viewer=a, target=b)
        check(a, b, path)
        found[path.length if path else None] += 1
    assert {2, 3, 4} <= found.keys(), "the graph must exercise every stage"
    for viewer in rng.sample(members, 10):  # a page of profiles, as browsing asks
        targets = [m for m in rng.sample(members, 12) if m != viewer]
        page = selectors.trust_paths(viewer=viewer, targets=targets)
        for target in targets:
            check(viewer, target, page[target.pk])


def test_member_page_shows_how_you_are_connected(client_for):
    you, mei, lena = people(3)
    VouchFactory(voucher=you, vouchee=mei, relationship="family", strength=3)
    VouchFactory(voucher=lena, vouchee=mei, relationship="colleague", strength=1)
    text = client_for(you).get(lena.get_absolute_url()).text
    assert "How you are connected" in text
    assert text.index(mei.display_name) < text.index("vouched for by")
    assert "Family" in text and "I know them" in text
    stranger = MemberFactory()
    assert "How you are connected" not in client_for(you).get(stranger.get_absolute_url()).text


def test_paths_never_pass_through_or_reach_a_blocked_member():
    you, blocker, other_way, target = people(4)
    VouchFactory(voucher=you, vouchee=blocker)
    VouchFactory(voucher=blocker, vouchee=target)
    assert selectors.trust_path(viewer=you, target=target).between == (blocker,)
    services.member_block(member=blocker, other=you)
    assert selectors.trust_path(viewer=you, target=target) is None
    assert selectors.trust_path(viewer=you, target=blocker) is None
    VouchFactory(voucher=you, vouchee=other_way)
    VouchFactory(voucher=other_way, vouchee=target)
    services.trust_graph_changed()
    assert selectors.trust_path(viewer=you, target=target).between == (other_way,)


def test_distances_ask_only_about_the_members_in_question(django_assert_num_queries):
    you, a, b, c, d, stranger = people(6)
    for x, y in ((you, a), (b, a), (b, c), (d, c)):  # you - a - b - c - d, either way
        VouchFactory(voucher=x, vouchee=y)
    generation = paths.current_generation()
    assert paths.Neighbourhood(you.pk, generation).distances([c.pk]) == {c.pk: 3}
    # The second ring is cached and c is known: nothing to ask the database.
    with django_assert_num_queries(0):
        assert paths.Neighbourhood(you.pk, generation).distances([a.pk, b.pk, c.pk]) == {
            a.pk: 1,
            b.pk: 2,
            c.pk: 3,
        }
    # Members not asked about before take one query for all of them; four links is far.
    with django_assert_num_queries(1):
        assert paths.Neighbourhood(you.pk, generation).distances([c.pk, d.pk, stranger.pk]) == {
            c.pk: 3
        }
    # Nobody is reached through a member the viewer avoids, nor through the hidden.
    assert (
        paths.Neighbourhood(you.pk, generation, avoid=frozenset({a.pk})).distances([b.pk, c.pk])
        == {}
    )
    Member.objects.filter(pk=b.pk).update(banned_at=timezone.now())
    services.trust_graph_changed()
    assert paths.Neighbourhood(you.pk, paths.current_generation()).distances([b.pk, c.pk]) == {}


def test_answers_given_while_someone_was_hidden_end_with_their_suspension():
    """A suspension ends by the clock, not by a change to the graph: nothing computed
    while the member was hidden may be served once they are back."""
    from datetime import timedelta

    you, friend = people(2)
    VouchFactory(voucher=friend, vouchee=you)
    Member.objects.filter(pk=friend.pk).update(suspended_until=timezone.now() + timedelta(hours=1))
    services.trust_graph_changed()
    generation = paths.current_generation()
    assert paths.find_trust_path(you.pk, friend.pk, generation) is None
    assert paths.Neighbourhood(you.pk, generation).distances([friend.pk]) == {}
    # The suspension is over; the list of hidden members is refreshed within a minute.
    Member.objects.filter(pk=friend.pk).update(suspended_until=timezone.now())
    cache.delete(f"trust:hidden:{generation}")
    assert paths.current_generation() == generation
    assert paths.find_trust_path(you.pk, friend.pk, generation).length == 1
    assert paths.Neighbourhood(you.pk, generation).distances([friend.pk]) == {friend.pk: 1}


def test_a_page_reads_each_members_links_once(monkeypatch):
    """A browse page's neighbourhood and its path searches share one LinkBook: nobody's
    links are fetched from the cache or the database twice in a request."""
    you, *friends = people(4)
    targets = people(6)
    for friend in friends:
        VouchFactory(voucher=you, vouchee=friend)
        for target in targets:
            VouchFactory(voucher=friend, vouchee=target)
    generation = paths.current_generation()
    asked = Counter()
    real = paths.member_links

    def counting(member_ids, generation):
        member_ids = list(member_ids)
        asked.update(member_ids)
        return real(member_ids, generation)

    monkeypatch.setattr(paths, "member_links", counting)
    book = paths.LinkBook(generation)
    paths.Neighbourhood(you.pk, generation, book=book)
    found = paths.find_trust_paths(you.pk, [t.pk for t in targets], generation, book=book)
    assert all(found[t.pk].length == 2 for t in targets)
    assert asked and max(asked.values()) == 1, asked


@pytest.mark.parametrize("join", [False, True])
@pytest.mark.parametrize("ids", [[], [1], "all"])
def test_sql_in_matches_exactly_the_values_given(join, ids):
    """Both forms of ``sql_in`` (a lookup and a semi-join) on either database, the empty
    list included: PostgreSQL cannot tell the type of an empty array on its own."""
    from django.db import connection

    members = people(3)
    values = [m.pk for m in members] if ids == "all" else [members[0].pk] if ids else []
    condition, params = paths.sql_in("id", values, join=join)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Member._meta.db_table} WHERE {condition}", params)
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(values)
