"""Races the database must settle: a revocation while a run computes, two runs of the same
recalculation at once, and parallel requests on one invitation or one vouch quota.

A rolled-back transaction that asked for a run asks for nothing:
``tests/vouching/test_background.py::test_no_task_when_the_transaction_rolls_back``.
"""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import queue_purge, wait_for
from tests.factories import (
    FounderFactory,
    InvitationFactory,
    MemberFactory,
    VouchedMemberFactory,
    VouchFactory,
)
from tests.vouching.test_invitation_flow import signup
from vouching import services
from vouching.models import Invitation, Member, TrustScore, TrustState, Vouch
from vouching.selectors import invitation_token

from .conftest import in_parallel

pytestmark = pytest.mark.django_db(transaction=True)

STATEMENT = "We have climbed together for six years; I would trust her with anything."


def standing_of(member):
    return Member.objects.select_related("trust").get(pk=member.pk).standing


def settled() -> TrustState | None:
    state = TrustState.load()
    done = not state.dirty and state.run_started_at is None
    return state if done and state.computed_generation == state.generation else None


@pytest.mark.celery_worker
def test_a_vouch_revoked_while_a_run_computes_is_absent_from_the_final_result(
    start_worker, moderator
):
    founder, lena = FounderFactory(), MemberFactory()
    vouch = VouchFactory(voucher=founder, vouchee=lena)
    worker = start_worker(pause_at="compute")
    services.trust_graph_changed()  # asks for a run, which loads the graph with the vouch
    wait_for(lambda: Path(worker.paused_file).exists(), timeout=30)

    services.vouch_revoke(vouch=vouch, moderator=moderator, reason="mistake", note="Not her.")
    Path(worker.resume_file).touch()  # the run stores what it computed, the vouch counted

    wait_for(settled, timeout=30)  # and the run the revocation asked for replaces it
    assert standing_of(lena) == "pending"
    assert not TrustScore.objects.filter(member=lena, vouched=True).exists()


@st.composite
def vouch_graphs(draw):
    """Members 0..n-1 (the first one or two founders) and accepted vouches between them."""
    n = draw(st.integers(min_value=3, max_value=12))
    founders = draw(st.integers(min_value=1, max_value=2))
    vouch = st.tuples(
        st.integers(0, n - 1), st.integers(0, n - 1), st.integers(min_value=1, max_value=3)
    ).filter(lambda v: v[0] != v[1])
    vouches = draw(st.lists(vouch, max_size=3 * n, unique_by=lambda v: (v[0], v[1])))
    return n, founders, vouches


def trust_rows() -> dict:
    return {
        row[0]: row[1:]
        for row in TrustScore.objects.values_list("member_id", "vouched", "level", "score")
    }


@hypothesis_settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(graph=vouch_graphs())
def test_the_same_recalculation_twice_at_once_stores_what_one_would(graph):
    Vouch.objects.all().delete()  # each example starts from an empty community
    Member.objects.all().delete()
    TrustState.objects.all().delete()
    n, founders, vouches = graph
    members = [FounderFactory() for _ in range(founders)]
    members += [MemberFactory() for _ in range(n - founders)]
    for voucher, vouchee, strength in vouches:
        VouchFactory(voucher=members[voucher], vouchee=members[vouchee], strength=strength)
    services.trust_graph_changed()
    queue_purge()  # no worker here: the two runs below are the ones racing

    in_parallel([lambda: services.trust_recalculate(force=True)] * 2)
    both = trust_rows()
    assert settled() and len(both) == n
    services.trust_recalculate(force=True)
    alone = trust_rows()
    assert {k: v[:2] for k, v in both.items()} == {k: v[:2] for k, v in alone.items()}
    assert {k: v[2] for k, v in both.items()} == pytest.approx({k: v[2] for k, v in alone.items()})


def test_twenty_parallel_signups_on_one_invitation_make_one_member(founder):
    invitation = InvitationFactory(inviter=founder)
    landing = reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)})
    visitors = [Client(raise_request_exception=False) for _ in range(20)]
    for visitor in visitors:
        assert visitor.get(landing).status_code == 200
    statuses = in_parallel(
        [lambda v=v: signup(v, email=invitation.email).status_code for v in visitors]
    )
    assert 500 not in statuses and statuses.count(302) >= 1, statuses
    assert Member.objects.filter(email=invitation.email).count() == 1
    assert Vouch.objects.filter(invitation=invitation).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.ACCEPTED


def test_twenty_parallel_vouches_with_five_left_make_five(settings):
    settings.VOUCH_QUOTA = 5
    voucher = FounderFactory()
    friends = VouchedMemberFactory.create_batch(20)
    clients = []
    for _ in friends:
        client = Client(raise_request_exception=False)
        client.force_login(voucher)
        clients.append(client)
    form = {"relationship": "friend", "known_for": "3to10", "strength": "2"}
    statuses = in_parallel(
        [
            lambda c=c, f=f: (
                c.post(
                    reverse("vouching:vouch_new"),
                    {**form, "email": f.email, "statement": STATEMENT},
                ).status_code
            )
            for c, f in zip(clients, friends, strict=True)
        ]
    )
    assert sorted(statuses) == [200] * 15 + [302] * 5, "five saved, fifteen told the quota"
    assert Vouch.objects.given_by(voucher).count() == 5
