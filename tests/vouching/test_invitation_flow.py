"""The whole way in, through the Django test client: invite, email, link, signup."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, InvitationFactory
from vouching import services
from vouching.models import Invitation, Member, Vouch
from vouching.selectors import invitation_token

pytestmark = pytest.mark.django_db

STATEMENT = "Lena and I shared a flat for three years. She is honest, kind and completely reliable."


def invite(client, email="lena@example.com", **overrides):
    data = {
        "email": email,
        "relationship": "friend",
        "known_for": "3to10",
        "strength": "3",
        "statement": STATEMENT,
        **overrides,
    }
    return client.post(reverse("vouching:vouch_new"), data)


def signup(client, email="lena@example.com", display_name="Lena", **overrides):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": display_name,
            "password1": PASSWORD,
            "password2": PASSWORD,
            **overrides,
        },
    )


def emailed_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://\S+/join/(\S+)/", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return reverse("vouching:invitation", kwargs={"token": match.group(1)})


def send_pending_emails():
    for invitation_id in services.invitation_emails_pending():
        services.invitation_send_email(invitation_id=invitation_id)


def test_whole_invitation_flow(member, client_for):
    inviter = client_for(member)
    response = invite(inviter)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.inviter == member and invitation.email == "lena@example.com"

    send_pending_emails()
    assert mail.outbox[0].to == ["lena@example.com"]
    assert member.display_name in mail.outbox[0].subject
    assert STATEMENT in mail.outbox[0].body
    link = emailed_link()

    visitor = Client()
    landing = visitor.get(link)
    assert landing.status_code == 200
    assert member.display_name in landing.text and STATEMENT in landing.text

    form = visitor.get(reverse("account_signup"))
    assert form.status_code == 200
    assert 'value="lena@example.com"' in form.text

    response = signup(visitor)
    assert response.status_code == 302, response.text
    lena = Member.objects.get(email="lena@example.com")
    assert lena.display_name == "Lena"
    assert lena.check_password(PASSWORD)
    assert lena.emailaddress_set.get().verified  # following the link proved the address
    vouch = Vouch.objects.get(vouchee=lena)
    assert vouch.voucher == member and vouch.status == Vouch.Status.ACCEPTED
    assert vouch.strength == 3 and vouch.statement == STATEMENT
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED

    # Signed in straight away, and the home page shows the vouch.
    home = visitor.get(reverse("home"))
    assert "Welcome, Lena" in home.text and STATEMENT in home.text

    # The link is single-use.
    reused = Client().get(link)
    assert reused.status_code == 410
    assert "already been used" in reused.text


def test_signup_without_invitation_is_closed(db):
    client = Client()
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "Pledge is invitation-only" in response.text
    response = signup(client)
    assert "Pledge is invitation-only" in response.text
    assert not Member.objects.exists()


@pytest.mark.parametrize("reason", ["expired", "withdrawn", "tampered", "used", "signature"])
def test_unusable_link_says_why_and_creates_nothing(founder, reason):
    invitation = InvitationFactory(inviter=founder)
    token = invitation_token(invitation)
    expected = {
        "expired": "has expired",
        "withdrawn": "was withdrawn",
        "tampered": "not valid",
        "used": "already been used",
        "signature": "has expired",
    }[reason]
    if reason == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif reason == "withdrawn":
        services.invitation_withdraw(invitation=invitation, member=founder)
    elif reason == "tampered":
        token = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    elif reason == "used":
        services.member_join(
            token=token, member=Member(email=invitation.email, display_name="First")
        )
    elif reason == "signature":
        # The signature expires on its own, even if the row said the invitation lived on.
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() + timedelta(days=365)
        )
        token = _token_signed_at(invitation, timezone.now() - timedelta(days=15))
    members_before = Member.objects.count()
    client = Client()
    response = client.get(reverse("vouching:invitation", kwargs={"token": token}))
    assert response.status_code in (400, 410)
    assert expected in response.text
    assert "Nothing was created" in response.text
    # Nor can the signup page be used with it.
    response = signup(client, email=invitation.email)
    assert Member.objects.count() == members_before


def _token_signed_at(invitation, moment):
    from unittest import mock

    with mock.patch("time.time", return_value=moment.timestamp()):
        return signing.dumps(
            {"i": invitation.pk, "n": invitation.nonce}, salt="vouching.invitation"
        )


def test_invitation_withdrawn_between_landing_and_signup(founder):
    invitation = InvitationFactory(inviter=founder)
    client = Client()
    client.get(reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)}))
    services.invitation_withdraw(invitation=invitation, member=founder)
    response = signup(client, email=invitation.email)
    assert "was withdrawn" in response.text
    assert not Member.objects.filter(email=invitation.email).exists()


def test_signup_must_use_the_invited_address(founder):
    invitation = InvitationFactory(inviter=founder)
    client = Client()
    client.get(reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)}))
    response = signup(client, email="other@example.com")
    assert response.status_code == 200
    assert f"Sign up with {invitation.email}" in response.text
    assert not Member.objects.filter(email="other@example.com").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": "   "}, "This field is required"),
        ({"password2": "something-else-entirely"}, "same password"),
        ({"password1": "123", "password2": "123"}, "too short"),
    ],
)
def test_bad_signup_input_changes_nothing(founder, overrides, message):
    invitation = InvitationFactory(inviter=founder)
    client = Client()
    client.get(reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)}))
    response = signup(client, email=invitation.email, **overrides)
    assert response.status_code == 200
    assert message in response.text
    assert not Member.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPEN


def test_signup_twice_with_same_invitation(founder):
    invitation = InvitationFactory(inviter=founder)
    token = invitation_token(invitation)
    first, second = Client(), Client()
    for client in (first, second):
        client.get(reverse("vouching:invitation", kwargs={"token": token}))
    assert signup(first, email=invitation.email).status_code == 302
    response = signup(second, email=invitation.email)
    assert response.status_code in (200, 302, 410)
    assert Member.objects.filter(email=invitation.email).count() == 1
    assert Vouch.objects.filter(invitation=invitation).count() == 1


def test_signed_in_member_opening_an_invitation(founder, member, client_for):
    invitation = InvitationFactory(inviter=founder)
    response = client_for(member).get(
        reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)})
    )
    assert response.status_code == 200
    assert "already signed in" in response.text


def test_invite_existing_member_by_email_makes_a_vouch_request(member, stranger, client_for):
    response = invite(client_for(member), email=stranger.email)
    assert response.status_code == 302
    vouch = Vouch.objects.get(voucher=member, vouchee=stranger)
    assert vouch.status == Vouch.Status.PENDING
    assert not Invitation.objects.exists()


def test_invitation_email_is_sent_once(member, client_for):
    invite(client_for(member))
    send_pending_emails()
    send_pending_emails()
    assert len(mail.outbox) == 1


def test_invitation_email_in_the_inviters_language(member, client_for):
    client = client_for(member)
    client.cookies["django_language"] = "zh-hans"
    invite(client)
    send_pending_emails()
    assert "为你担保" in mail.outbox[0].subject


def test_withdrawn_invitation_is_not_emailed(member):
    invitation = InvitationFactory(inviter=member)
    services.invitation_withdraw(invitation=invitation, member=member)
    send_pending_emails()
    assert mail.outbox == []
