"""The header's link to the moderators' console follows the permission at once, however
it is given or taken, although the answer is remembered in the cache."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import MemberFactory
from vouching import selectors
from vouching.services import moderator_grant
from vouching.services.moderation import moderate_permission

pytestmark = pytest.mark.django_db

CONSOLE = reverse("moderation:dashboard")


def shows_console_link(client) -> bool:
    return f'href="{CONSOLE}"' in client.get(reverse("home")).content.decode()


def test_granted_and_removed_through_the_service(client):
    mei = MemberFactory()
    client.force_login(mei)
    assert not shows_console_link(client)
    moderator_grant(member=mei)
    assert shows_console_link(client)
    moderator_grant(member=mei, remove=True)
    assert not shows_console_link(client)


def test_through_a_group_and_the_groups_permissions(client):
    mei, jon = MemberFactory(), MemberFactory()
    client.force_login(mei)
    group = Group.objects.create(name="Moderators")
    group.user_set.add(mei, jon)  # from the group's side
    assert not shows_console_link(client)
    group.permissions.add(moderate_permission())
    assert shows_console_link(client)
    moderate_permission().group_set.clear()  # from the permission's side
    assert not shows_console_link(client)
    group.permissions.add(moderate_permission())
    assert shows_console_link(client)
    mei.groups.remove(group)
    assert not shows_console_link(client)
    assert selectors.member_is_moderator(member=jon)


def test_remembered_between_requests(django_assert_num_queries):
    mei = MemberFactory()
    assert not selectors.member_is_moderator(member=mei)
    with django_assert_num_queries(0):
        assert not selectors.member_is_moderator(member=mei)
    superuser = MemberFactory(is_superuser=True)
    with django_assert_num_queries(0):
        assert selectors.member_is_moderator(member=superuser)
