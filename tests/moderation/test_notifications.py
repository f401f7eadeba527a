"""What members are told: what was done, why, and where to appeal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matchmaking import services as matchmaking_services
from matchmaking.models import Notification
from tests.factories import ModeratorFactory
from vouching import services as vouching_services
from vouching.models import PledgeForfeit
from vouching.tasks import send_forfeit_notices

pytestmark = pytest.mark.django_db


def test_the_member_and_their_vouchers_are_told(community, django_capture_on_commit_callbacks):
    mod = ModeratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vouching_services.member_suspend(
            member=community["bob"],
            moderator=mod,
            until=timezone.now() + timedelta(days=3),
            reason="harassment",
            note="Rude messages.",
        )
    told = Notification.objects.filter(kind="moderation", recipient=community["bob"])
    assert told.get().record.note == "Rude messages."
    vouchers = set(
        Notification.objects.filter(kind="vouchee_moderated").values_list("recipient_id", flat=True)
    )
    assert vouchers == {community["ann"].pk, community["f1"].pk}


def send_notification_emails():
    for pk in matchmaking_services.notification_emails_pending():
        matchmaking_services.notification_send_email(notification_id=pk)


def test_moderation_notifications_say_what_why_and_where_to_appeal(
    community, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    mod = ModeratorFactory()
    ann, cat = community["ann"], community["cat"]
    with django_capture_on_commit_callbacks(execute=True):
        vouching_services.member_suspend(
            member=cat,
            moderator=mod,
            until=timezone.now() + timedelta(days=10),
            reason="harassment",
            note="Rude <b>messages</b>.",
        )
        vouching_services.vouch_revoke(
            vouch=community["ann_bob"], moderator=mod, reason="fake", note="Bob is not real."
        )
    page = client_for(ann).get(reverse("matchmaking:notifications")).text
    assert "Cat, whom you vouched for, was suspended by the moderators." in page
    assert "A moderator revoked your vouch for Bob." in page
    assert "Reason: Harassment or abuse" in page and "Reason: Fake account" in page
    assert "Rude &lt;b&gt;messages&lt;/b&gt;." in page and "Bob is not real." in page
    assert "You may appeal once, from your home page." in page
    assert f'href="{reverse("home")}"' in page

    send_notification_emails()
    send_forfeit_notices()
    to = {m.to[0]: m for m in mailoutbox if "moderat" in m.subject or "Pledge" in m.subject}
    cats = [m for m in mailoutbox if m.to == [cat.email]]
    assert [m.subject for m in cats] == ["Your account on Pledge is suspended"]
    body = cats[0].body
    assert "A moderator suspended your account until" in body
    assert "Reason: Harassment or abuse" in body and "Rude <b>messages</b>." in body
    assert "You may appeal once, from your home page." in body and "/notifications/" not in body
    # Ann hears of each event once: the forfeit notice says what happened and what it
    # costs her, so the notifications of the same events only show on the site.
    anns = [m.body for m in mailoutbox if m.to == [ann.email]]
    assert len(anns) == 2
    assert any("Cat, whom you vouched for, was suspended" in body for body in anns)
    assert any("revoked your vouch for Bob" in body and "Bob is not real." in body for body in anns)
    assert to


@pytest.mark.parametrize(
    ("reason", "says", "never"),
    [
        ("vouch_revoked", "revoked your vouch for Bob as a bad vouch", "was suspended"),
        ("member_banned", "Bob, whom you vouched for, was banned", "bad vouch"),
        ("member_suspended", "Bob, whom you vouched for, was suspended", "bad vouch"),
        ("something_new", "Pledge's moderators acted on your vouch for Bob.", "bad vouch"),
    ],
)
def test_each_forfeit_reason_has_its_own_words(community, mailoutbox, reason, says, never):
    forfeit = PledgeForfeit.objects.create(
        voucher=community["ann"],
        vouchee=community["bob"],
        vouch=community["ann_bob"],
        reason=reason,
        weight=0.5,
        until=timezone.now() + timedelta(days=180),
    )
    assert vouching_services.forfeit_send_notice(forfeit_id=forfeit.pk)
    body = mailoutbox[-1].body
    assert says in body and never not in body
