"""Daily quotas: a pass frees nothing, and parallel requests cannot overrun them."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from matchmaking import services
from matchmaking.models import Introduction, Message, Reaction
from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def test_interest_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man()
    services.reaction_interest(actor=him.member, target=woman().member)
    services.reaction_interest(actor=him.member, target=woman().member)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him.member, target=woman().member)
    assert Reaction.objects.count() == 2


def test_message_quota(matched, settings):
    settings.MESSAGE_DAILY_QUOTA = 3
    match, her, him = matched
    services.message_send(match=match, sender=him, body="1")
    services.message_send(match=match, sender=her, body="2")
    services.message_send(match=match, sender=him, body="3")
    services.message_send(match=match, sender=him, body="4")
    with pytest.raises(ValidationError, match="sent 3 messages today"):
        services.message_send(match=match, sender=him, body="5")


def test_passing_after_interest_does_not_free_the_interest_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man()
    first, second, third = woman(), woman(), woman()
    services.reaction_interest(actor=him.member, target=first.member)
    services.reaction_pass(actor=him.member, target=first.member)
    services.reaction_interest(actor=him.member, target=second.member)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him.member, target=third.member)
    assert not Reaction.objects.filter(target=third.member).exists()
    # Changing his mind about the first counts her once, not twice.
    services.reaction_interest(actor=him.member, target=first.member)
    assert Reaction.objects.filter(actor=him.member, kind="interest").count() == 2


def test_unmatching_does_not_free_the_interest_quota(settings, matched):
    settings.INTEREST_DAILY_QUOTA = 2
    match, her, him = matched
    services.reaction_interest(actor=him, target=woman().member)
    services.match_end(member=him, match=match)
    with pytest.raises(ValidationError, match="interest in 2 people today"):
        services.reaction_interest(actor=him, target=woman().member)


def at_once(calls):
    """Run each call in its own thread and database connection, all released together;
    returns the errors raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    close_old_connections()
    return errors


def only_quota_refusals(errors, expected):
    assert len(errors) == expected, errors
    assert all(isinstance(e, ValidationError) and e.code == "quota" for e in errors), errors


@pytest.mark.django_db(transaction=True)
def test_parallel_interest_cannot_overrun_the_quota(settings):
    settings.INTEREST_DAILY_QUOTA = 2
    him = man().member
    women = [woman().member for _ in range(5)]
    errors = at_once([lambda w=w: services.reaction_interest(actor=him, target=w) for w in women])
    only_quota_refusals(errors, 3)
    assert Reaction.objects.filter(actor=him, kind="interest").count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_messages_cannot_overrun_the_quota(settings):
    settings.MESSAGE_DAILY_QUOTA = 2
    him = man().member
    matches = []
    for _ in range(5):
        her = woman().member
        services.reaction_interest(actor=him, target=her)
        matches.append(services.reaction_interest(actor=her, target=him))
    errors = at_once(
        [lambda m=m: services.message_send(match=m, sender=him, body="Hello!") for m in matches]
    )
    only_quota_refusals(errors, 3)
    assert Message.objects.filter(sender=him).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_introduction_requests_cannot_overrun_the_quota(settings):
    settings.INTRODUCTION_DAILY_QUOTA = 2
    mei = VouchedMemberFactory()
    him = man().member
    VouchFactory(voucher=mei, vouchee=him)
    women = []
    for _ in range(5):
        her = woman().member
        VouchFactory(voucher=mei, vouchee=her)
        women.append(her)
    vouching_services.trust_graph_changed()
    errors = at_once(
        [
            lambda w=w: services.introduction_request(requester=him, target=w, intermediary=mei)
            for w in women
        ]
    )
    only_quota_refusals(errors, 3)
    assert Introduction.objects.filter(person_a=him).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_introduction_offers_cannot_overrun_the_quota(settings):
    settings.INTRODUCTION_DAILY_QUOTA = 2
    mei = VouchedMemberFactory()
    pairs = []
    for _ in range(5):
        him, her = man().member, woman().member
        VouchFactory(voucher=mei, vouchee=him)
        VouchFactory(voucher=mei, vouchee=her)
        pairs.append((him, her))
    vouching_services.trust_graph_changed()
    errors = at_once(
        [
            lambda a=a, b=b: services.introduction_offer(
                intermediary=mei, person_a=a, person_b=b, note="You two!"
            )
            for a, b in pairs
        ]
    )
    only_quota_refusals(errors, 3)
    assert Introduction.objects.filter(intermediary=mei).count() == 2
