"""Notifications: on the site, and emailed once in the recipient's language."""

import pytest
from django.core import mail

from matchmaking import services
from matchmaking.models import Notification
from tests.factories import FounderFactory, MemberFactory, VouchedMemberFactory
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def send_emails():
    return sum(
        services.notification_send_email(notification_id=i)
        for i in services.notification_emails_pending()
    )


def test_notifications_are_emailed_once_in_the_recipients_language(matched):
    match, her, him = matched
    type(her).objects.filter(pk=her.pk).update(language="zh-hans")
    assert send_emails() == 2
    assert send_emails() == 0
    to_her = next(m for m in mail.outbox if m.to == [her.email])
    to_him = next(m for m in mail.outbox if m.to == [him.email])
    assert him.display_name in to_her.body and "配对" in to_her.subject
    assert her.display_name in to_him.body and "match" in to_him.subject.lower()


def test_vouches_notify_through_signals(django_capture_on_commit_callbacks):
    founder = FounderFactory()
    vouchee = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vouch = vouching_services.vouch_create(
            voucher=founder,
            vouchee=vouchee,
            fields=vouching_services.VouchTerms("friend", "1to3", 2, "x" * 60),
        )
    assert Notification.objects.filter(recipient=vouchee, kind="vouch", vouch=vouch).exists()
    with django_capture_on_commit_callbacks(execute=True):
        vouching_services.vouch_accept(vouch=vouch, member=vouchee)
    assert Notification.objects.filter(recipient=founder, kind="vouch_accepted").exists()


RAW_NAME = "Zoë O'Brien & <Co>"


@pytest.mark.parametrize(
    "kind",
    [
        "match",
        "intro_request",
        "introduction",
        "intro_accepted",
        "message",
        "vouch",
        "vouch_accepted",
    ],
)
def test_email_subjects_and_bodies_carry_names_as_written(kind):
    actor = VouchedMemberFactory(display_name=RAW_NAME)
    recipient = VouchedMemberFactory()
    Notification.objects.create(recipient=recipient, actor=actor, kind=kind)
    assert send_emails() == 1
    email = mail.outbox[-1]
    assert RAW_NAME in email.subject, email.subject
    assert RAW_NAME in email.body
    assert "&amp;" not in email.subject + email.body and "&#x27;" not in email.subject


def test_invitation_subject_carries_the_name_as_written():
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(inviter=FounderFactory(display_name=RAW_NAME))
    assert vouching_services.invitation_send_email(invitation_id=invitation.pk)
    email = mail.outbox[-1]
    assert email.subject == f"{RAW_NAME} vouched for you on Pledge"
    assert RAW_NAME in email.body
