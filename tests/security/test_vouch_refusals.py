"""Someone who may not vouch learns nothing about the address they try."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import VouchedMemberFactory
from vouching import services as vouching_services
from vouching.models import Member

pytestmark = pytest.mark.django_db


def refusal(voucher, email, vouch_fields):
    with pytest.raises(ValidationError) as refused:
        vouching_services.vouch_or_invite(voucher=voucher, email=email, fields=vouch_fields)
    return refused.value.code, tuple(refused.value.messages)


def test_a_pending_member_gets_the_same_answer_whoever_the_address_belongs_to(
    newcomer, vouch_fields
):
    suspended = VouchedMemberFactory(suspended_until=timezone.now() + timedelta(days=3))
    banned = VouchedMemberFactory(banned_at=timezone.now())
    blocking = VouchedMemberFactory()
    vouching_services.member_block(member=blocking, other=newcomer)
    ordinary = VouchedMemberFactory()
    closed = VouchedMemberFactory(is_active=False)
    answers = {
        refusal(newcomer, who.email, vouch_fields)
        for who in (suspended, banned, blocking, ordinary, closed)
    }
    answers.add(refusal(newcomer, "nobody-here@example.com", vouch_fields))
    answers.add(refusal(newcomer, newcomer.email, vouch_fields))
    assert len(answers) == 1, answers
    code, _messages = answers.pop()
    assert code == "not_allowed"
    assert Member.objects.count() == 6
