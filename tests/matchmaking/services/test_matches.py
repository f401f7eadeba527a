"""Interest, passes and matches: private until mutual, one match, ended for both."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from matchmaking import selectors, services
from matchmaking.models import Introduction, Match, Notification, Profile, Reaction
from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def test_interest_is_private_until_mutual():
    her, him = woman(), man()
    assert services.reaction_interest(actor=him.member, target=her.member) is None
    assert not Notification.objects.filter(recipient=her.member).exists()
    match = services.reaction_interest(actor=her.member, target=him.member)
    assert match and match.source == "interest"
    kinds = set(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {(her.member.pk, "match"), (him.member.pk, "match")}
    # Twice changes nothing.
    assert services.reaction_interest(actor=her.member, target=him.member) == match
    assert Match.objects.count() == 1


def test_interest_needs_a_visible_profile():
    her = woman(seeks_man=False, seeks_woman=True)
    him = man()
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=him.member, target=her.member)
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=him.member, target=him.member)


@pytest.mark.django_db(transaction=True)
def test_mutual_interest_at_the_same_moment_makes_one_match():
    her, him = woman(), man()
    barrier = threading.Barrier(2)
    errors = []

    def like(actor, target):
        try:
            barrier.wait(timeout=10)
            services.reaction_interest(actor=actor, target=target)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=like, args=(him.member, her.member)),
        threading.Thread(target=like, args=(her.member, him.member)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert Match.objects.active().count() == 1


def test_unmatch_ends_it_for_both():
    her, him = woman(), man()
    services.reaction_interest(actor=him.member, target=her.member)
    match = services.reaction_interest(actor=her.member, target=him.member)
    services.match_end(member=her.member, match=match)
    match.refresh_from_db()
    assert match.ended_at and match.ended_by == her.member
    with pytest.raises(ValidationError, match="ended"):
        services.message_send(match=match, sender=him.member, body="Hello?")
    assert not selectors.matches_of(member=him.member).exists()
    with pytest.raises(ValidationError, match="not your match"):
        services.match_end(member=VouchedMemberFactory(), match=match)


def test_an_unmatched_introduction_match_leaves_each_others_browsing(trio):
    mei, jon, lena = trio
    intro = services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="!")
    services.introduction_respond(introduction=intro, member=jon, accept=True)
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    match = Match.objects.active().get()
    services.match_end(member=jon, match=match)
    shown_to_jon = [card.member for card in selectors.browse(viewer=jon).cards]
    shown_to_lena = [card.member for card in selectors.browse(viewer=lena).cards]
    assert lena not in shown_to_jon and jon not in shown_to_lena
    assert set(Reaction.objects.values_list("actor_id", "target_id", "kind")) == {
        (jon.pk, lena.pk, "pass"),
        (lena.pk, jon.pk, "pass"),
    }
    # Ending it twice changes nothing.
    services.match_end(member=lena, match=match)
    assert Reaction.objects.count() == 2


@pytest.mark.parametrize("voucher", ["without a profile", "wanting someone else"])
def test_a_voucher_sees_the_profile_but_cannot_show_interest_or_ask(trio, voucher):
    mei, jon, lena = trio
    if voucher == "without a profile":
        friend = VouchedMemberFactory()
    else:
        friend = man(seeks_woman=False, seeks_man=True).member
    VouchFactory(voucher=friend, vouchee=lena)
    VouchFactory(voucher=mei, vouchee=friend)
    vouching_services.trust_graph_changed()
    assert selectors.may_see_profile(viewer=friend, profile=Profile.objects.get(member=lena))
    with pytest.raises(ValidationError, match="not available"):
        services.reaction_interest(actor=friend, target=lena)
    with pytest.raises(ValidationError, match="not available"):
        services.introduction_request(requester=friend, target=lena, intermediary=mei)
    assert not Reaction.objects.exists() and not Introduction.objects.exists()
    assert not Notification.objects.exists()
