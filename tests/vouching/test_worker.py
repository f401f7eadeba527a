"""A real Celery worker process on the real broker does the background work."""

import pytest

from tests.conftest import wait_for
from tests.factories import FounderFactory, MemberFactory
from vouching import services
from vouching.models import Invitation, Member, TrustState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def standing_of(member):
    return Member.objects.select_related("trust").get(pk=member.pk).standing


def test_worker_recalculates_standing_after_a_vouch_commits(celery_worker, vouch_fields):
    founder = FounderFactory()
    newcomer = MemberFactory()
    vouch = services.vouch_create(voucher=founder, vouchee=newcomer, fields=vouch_fields)
    assert standing_of(newcomer) == "pending"
    services.vouch_accept(vouch=vouch, member=newcomer)
    assert wait_for(lambda: standing_of(newcomer) == "vouched", timeout=30)
    state = wait_for(lambda: (s := TrustState.load()).computed_at and not s.dirty and s)
    assert state.computed_generation == state.generation

    # And back: withdrawing the only vouch takes the standing away again.
    services.vouch_withdraw(vouch=vouch, member=founder)
    assert wait_for(lambda: standing_of(newcomer) == "pending", timeout=30)


def test_worker_sends_invitation_email(celery_worker, member, vouch_fields):
    # The worker process has its own email backend: the console, so check the database.
    invitation = services.invitation_create(
        inviter=member, email="worker@example.com", fields=vouch_fields
    )
    assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at, timeout=30)
