"""Messages between the two people of a match."""

import pytest
from django.core.exceptions import ValidationError

from matchmaking import selectors, services
from matchmaking.models import Message, Notification
from tests.factories import VouchedMemberFactory

pytestmark = pytest.mark.django_db


def test_one_message_until_the_other_replies(matched):
    match, her, him = matched
    services.message_send(match=match, sender=him, body="Hi! Dumplings?")
    with pytest.raises(ValidationError, match="Wait for"):
        services.message_send(match=match, sender=him, body="Hello??")
    services.message_send(match=match, sender=her, body="Yes, Saturday.")
    services.message_send(match=match, sender=him, body="Great!")
    services.message_send(match=match, sender=him, body="Where?")
    assert [m.body for m in selectors.messages_of(match=match)] == [
        "Hi! Dumplings?",
        "Yes, Saturday.",
        "Great!",
        "Where?",
    ]


def test_unread_counts_and_one_notification_per_conversation(matched):
    match, her, him = matched
    services.message_send(match=match, sender=him, body="Hi")
    services.message_send(match=match, sender=her, body="Hey")
    services.message_send(match=match, sender=him, body="How are you?")
    assert selectors.unread_message_count(member=her) == 2
    assert Notification.objects.filter(recipient=her, kind="message").count() == 1
    assert services.messages_mark_read(match=match, member=her) == 2
    assert selectors.unread_message_count(member=her) == 0
    services.message_send(match=match, sender=him, body="Still there?")
    assert Notification.objects.filter(recipient=her, kind="message").count() == 2


@pytest.mark.parametrize(
    ("body", "message"), [("   ", "Write a message"), ("x" * 2001, "under 2000")]
)
def test_bad_messages_are_refused(matched, body, message):
    match, _her, him = matched
    with pytest.raises(ValidationError, match=message):
        services.message_send(match=match, sender=him, body=body)
    assert not Message.objects.exists()


def test_only_the_two_may_write(matched):
    match, _her, _him = matched
    with pytest.raises(ValidationError, match="not your conversation"):
        services.message_send(match=match, sender=VouchedMemberFactory(), body="Hi")
