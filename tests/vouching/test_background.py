"""Asking for background work on the real broker, and what happens when it is not there."""

import logging

import pytest
from django.db import transaction
from django.urls import reverse
from kombu import pools as kombu_pools

from matchmaking.celery import app as celery_app
from tests.conftest import queue_purge, queue_size
from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching import services, tasks
from vouching.models import Invitation, Member, TrustState, Vouch

pytestmark = pytest.mark.django_db(transaction=True)


def standing_of(member):
    return Member.objects.select_related("trust").get(pk=member.pk).standing


def test_no_task_when_the_transaction_rolls_back(vouch_fields):
    founder = FounderFactory()
    newcomer = MemberFactory()
    vouch = services.vouch_create(voucher=founder, vouchee=newcomer, fields=vouch_fields)
    queue_purge()
    generation = TrustState.load().generation
    with pytest.raises(RuntimeError), transaction.atomic():
        services.vouch_accept(vouch=vouch, member=newcomer)
        raise RuntimeError("something later in the request failed")
    assert queue_size() == 0
    assert TrustState.load().generation == generation
    assert Vouch.objects.get(pk=vouch.pk).status == Vouch.Status.PENDING
    # The same change, committed, does ask for a run (and tells the voucher, by email).
    services.vouch_accept(vouch=vouch, member=newcomer)
    assert TrustState.load().enqueued_at is not None
    assert queue_size() >= 1
    queue_purge()


@pytest.fixture
def broker_down():
    """Point the app's producers at a port where no broker listens."""

    def use(url):
        kombu_pools.reset()  # closes and forgets every pooled connection
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.broker_write_url = url

    use("redis://127.0.0.1:9/0")
    yield
    use(None)


def test_saved_vouch_survives_a_broker_outage(member, client_for, broker_down, caplog):
    newcomer = MemberFactory()
    vouch = VouchFactory(voucher=member, vouchee=newcomer, status=Vouch.Status.PENDING)
    generation = TrustState.load().generation
    with caplog.at_level(logging.ERROR):
        response = client_for(newcomer).post(
            reverse("vouching:vouch_accept", kwargs={"vouch_id": vouch.pk})
        )
    assert response.status_code == 302
    assert Vouch.objects.get(pk=vouch.pk).status == Vouch.Status.ACCEPTED
    state = TrustState.load()
    assert state.dirty and state.generation == generation + 1
    assert any("request_trust_recalculation" in r.getMessage() for r in caplog.records)


def test_sweeper_recovers_after_a_broker_outage(member, client_for, broker_down):
    newcomer = MemberFactory()
    vouch = VouchFactory(voucher=member, vouchee=newcomer, status=Vouch.Status.PENDING)
    client_for(newcomer).post(reverse("vouching:vouch_accept", kwargs={"vouch_id": vouch.pk}))
    assert TrustState.load().enqueued_at is None, "a failed request must not block the next"
    with pytest.raises(Exception):  # noqa: B017 - whatever the transport raises
        tasks.sweep()
    assert TrustState.load().dirty


def test_sweeper_enqueues_once_the_broker_is_back(member):
    newcomer = MemberFactory()
    VouchFactory(voucher=member, vouchee=newcomer)
    with transaction.atomic():
        services.trust_graph_changed()
    queue_purge()
    TrustState.objects.update(enqueued_at=None)
    tasks.sweep()
    assert queue_size() == 1
    queue_purge()


def test_invitation_saved_while_the_broker_is_down_is_emailed_later(
    member, client_for, broker_down
):
    response = client_for(member).post(
        reverse("vouching:vouch_new"),
        {
            "email": "later@example.com",
            "relationship": "friend",
            "known_for": "1to3",
            "strength": "2",
            "statement": "We met at the choir; she is kind, funny and keeps her word always.",
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="later@example.com")
    assert invitation.sent_at is None
    assert services.invitation_emails_pending() == [invitation.pk]  # what the sweeper sends
