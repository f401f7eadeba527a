"""``blocked_ids`` is read once per member object, and forgotten whenever a block between
the members at hand is made or lifted, whichever way it is made."""

import pytest

from tests.factories import MemberFactory
from vouching import selectors, services
from vouching.models import Block

pytestmark = pytest.mark.django_db


def test_read_once_per_member_object(django_assert_num_queries):
    mei, jon = MemberFactory(), MemberFactory()
    Block.objects.create(blocker=mei, blocked=jon)
    with django_assert_num_queries(1):
        assert selectors.blocked_ids(member=mei) == {jon.pk}
        assert selectors.blocked_ids(member=mei) == {jon.pk}
        assert selectors.is_blocked(mei, jon)
        assert not selectors.is_blocked(mei, MemberFactory.build(pk=10**9))


def test_blocking_and_unblocking_through_the_services_are_seen_at_once():
    mei, jon = MemberFactory(), MemberFactory()
    assert selectors.blocked_ids(member=mei) == frozenset()
    assert selectors.blocked_ids(member=jon) == frozenset()
    services.member_block(member=mei, other=jon)
    assert selectors.blocked_ids(member=mei) == {jon.pk}
    assert selectors.blocked_ids(member=jon) == {mei.pk}
    assert selectors.is_blocked(jon, mei)
    services.member_unblock(member=mei, other=jon)
    assert selectors.blocked_ids(member=mei) == frozenset()
    assert not selectors.is_blocked(jon, mei)


def test_a_block_saved_or_deleted_directly_is_seen_by_the_objects_it_holds():
    mei, jon = MemberFactory(), MemberFactory()
    assert not selectors.is_blocked(mei, jon)
    assert not selectors.is_blocked(jon, mei)
    block = Block.objects.create(blocker=mei, blocked=jon)
    assert selectors.is_blocked(mei, jon)
    assert selectors.is_blocked(jon, mei)
    block.delete()
    assert not selectors.is_blocked(mei, jon)
    assert not selectors.is_blocked(jon, mei)


def test_each_request_reads_the_blocks_afresh(client):
    """``request.user`` is a new object per request: a block made elsewhere since the
    last request counts in the next one."""
    mei, jon = MemberFactory(), MemberFactory()
    client.force_login(mei)
    assert client.get(jon.get_absolute_url()).status_code == 200
    Block.objects.create(blocker=jon, blocked=mei)
    assert client.get(jon.get_absolute_url()).status_code == 404
