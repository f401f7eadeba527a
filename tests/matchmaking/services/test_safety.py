"""Blocks and reports: a block removes two people from each other everywhere."""

import pytest
from django.core.exceptions import ValidationError

from matchmaking import selectors, services
from matchmaking.models import Match, Report

pytestmark = pytest.mark.django_db


def test_block_removes_them_from_each_other_everywhere(trio):
    mei, jon, lena = trio
    intro = services.introduction_request(requester=jon, target=lena, intermediary=mei)
    services.introduction_introduce(introduction=intro, member=mei, note="You two!")
    services.introduction_respond(introduction=intro, member=lena, accept=True)
    match = Match.objects.active().between(jon, lena).get()
    services.message_send(match=match, sender=jon, body="Hi Lena")
    services.member_block(member=lena, other=jon)
    match.refresh_from_db()
    assert match.ended_at is not None
    assert not selectors.matches_of(member=jon).exists()
    assert selectors.unread_message_count(member=lena) == 0
    assert not selectors.notifications_of(member=lena).filter(actor=jon).exists()
    with pytest.raises(ValidationError):
        services.reaction_interest(actor=jon, target=lena)
    with pytest.raises(ValidationError, match="not possible"):
        services.introduction_offer(intermediary=mei, person_a=jon, person_b=lena, note="Again?")
    services.member_unblock(member=lena, other=jon)
    assert not Match.objects.active().exists(), "an ended match stays ended"


def test_report_is_recorded(matched):
    match, her, him = matched
    message = services.message_send(match=match, sender=him, body="Send me money")
    report = services.report_file(
        reporter=her, reported=him, reason="scam", note="Asked for money.", message=message
    )
    assert Report.objects.get() == report and report.status == "open"
    with pytest.raises(ValidationError):
        services.report_file(reporter=her, reported=him, reason="because")
    with pytest.raises(ValidationError, match="report yourself"):
        services.report_file(reporter=her, reported=her, reason="fake")
