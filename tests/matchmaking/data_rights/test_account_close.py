"""A member closes their own account: everything that was theirs goes, what the others
keep forgets them, and the moderation log keeps its records under a pseudonym."""

import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from matchmaking import services
from matchmaking.models import Match, Message, Profile, Report
from tests.conftest import queue_purge, queue_size, wait_for
from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching import services as vouching_services
from vouching.models import (
    Appeal,
    Invitation,
    Member,
    ModerationRecord,
    PledgeForfeit,
    TrustState,
    Vouch,
    former_member_pseudonym,
)

from .conftest import reauthenticated

pytestmark = pytest.mark.django_db


def stored_files(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def test_closing_an_account_that_has_everything(
    lived_in, media, client_for, with_second_factor, django_capture_on_commit_callbacks
):
    lena = lived_in.lena
    her_files = {lena.avatar.name} | {
        name for p in lived_in.photos for name in (p.image.name, p.thumbnail.name)
    }
    assert her_files <= stored_files(media)
    generation = TrustState.load().generation
    queue_purge()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.account_close(member=lena) is True

    assert not Member.objects.filter(pk=lena.pk).exists()
    assert not her_files & stored_files(media)
    assert not Profile.objects.filter(member_id=lena.pk).exists()
    assert not Match.objects.filter(pk=lived_in.match.pk).exists()
    assert not Message.objects.filter(match_id=lived_in.match.pk).exists()
    assert not Vouch.objects.filter(voucher_id=lena.pk).exists()
    assert not Vouch.objects.filter(vouchee_id=lena.pk).exists()
    assert not Invitation.objects.filter(inviter_id=lena.pk).exists()
    assert not Appeal.objects.filter(member_id=lena.pk).exists()
    # The invitation that brought her in stays in Mei's list, without her.
    assert Invitation.objects.filter(inviter=lived_in.mei, email=lena.email, member=None).exists()
    # Her report about Ann stays for the moderators, without her name; Kai's about her goes.
    assert Report.objects.get(reported=lived_in.ann).reporter is None
    assert not Report.objects.filter(reported_id=lena.pk).exists()
    # The log keeps both records, hers by a pseudonym, the same in both places.
    pseudonym = former_member_pseudonym(lena.pk)
    about = ModerationRecord.objects.get(pk=lived_in.record_about_her.pk)
    by = ModerationRecord.objects.get(pk=lived_in.record_by_her.pk)
    assert (about.member_id, about.member_pseudonym, about.actor_id) == (
        None,
        pseudonym,
        lived_in.moderator.pk,
    )
    assert (by.actor_id, by.actor_pseudonym, by.member_id) == (None, pseudonym, lived_in.ann.pk)
    # Mei's forfeit stands, and its record, without the vouch that left with Lena.
    forfeit = PledgeForfeit.objects.get(voucher=lived_in.mei)
    assert (forfeit.vouchee_id, forfeit.vouch_id, forfeit.lifted_at) == (None, None, None)
    mei_record = ModerationRecord.objects.get(action="forfeit", member=lived_in.mei)
    assert mei_record.vouch_id is None and mei_record.member_pseudonym == ""
    # A recalculation was asked for once the closure committed.
    state = TrustState.load()
    assert state.generation > generation and state.dirty and state.enqueued_at is not None
    assert queue_size() >= 1
    queue_purge()

    # The others' pages still work.
    jon = client_for(lived_in.jon)
    assert jon.get(reverse("matchmaking:matches")).status_code == 200
    assert jon.get(reverse("matchmaking:match", args=[lived_in.match.pk])).status_code == 404
    assert jon.get(reverse("home")).status_code == 200
    assert client_for(lived_in.mei).get(reverse("vouching:standing")).status_code == 200
    log = with_second_factor(lived_in.moderator).get(reverse("moderation:log"))
    assert log.status_code == 200 and f"former member #{pseudonym}" in log.content.decode()
    csv = with_second_factor(lived_in.moderator).get(reverse("moderation:log_csv"))
    assert f"former member #{pseudonym}" in csv.content.decode()
    report = Report.objects.get(reported=lived_in.ann)
    page = with_second_factor(lived_in.moderator).get(
        reverse("moderation:report", args=[report.pk])
    )
    assert page.status_code == 200 and "a former member" in page.content.decode()


def test_the_log_still_refuses_every_other_change(lived_in):
    services.account_close(member=lived_in.lena)
    record = ModerationRecord.objects.get(pk=lived_in.record_about_her.pk)
    for sql, params in [
        ("UPDATE vouching_moderationrecord SET note = 'edited' WHERE id = %s", [record.pk]),
        ("UPDATE vouching_moderationrecord SET member_pseudonym = 'x' WHERE id = %s", [record.pk]),
        ("UPDATE vouching_moderationrecord SET actor_id = NULL WHERE id = %s", [record.pk]),
        ("DELETE FROM vouching_moderationrecord WHERE id = %s", [record.pk]),
    ]:  # fmt: skip
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)


def test_a_closed_members_email_can_be_invited_again(lived_in, vouch_fields):
    email = lived_in.lena.email
    services.account_close(member=lived_in.lena)
    invitation = vouching_services.vouch_or_invite(
        voucher=FounderFactory(), email=email, fields=vouch_fields
    )
    assert isinstance(invitation, Invitation) and invitation.email == email


def test_a_voucher_who_leaves_takes_their_vouch_with_them():
    founder, other = FounderFactory(), FounderFactory()
    newcomer = MemberFactory()
    VouchFactory(voucher=founder, vouchee=newcomer)
    VouchFactory(voucher=other, vouchee=newcomer)
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()
    assert Member.objects.get(pk=newcomer.pk).standing == "vouched"
    services.account_close(member=founder)
    services.account_close(member=other)
    vouching_services.trust_recalculate()
    assert Member.objects.select_related("trust").get(pk=newcomer.pk).standing == "pending"


def test_the_pages_explain_ask_for_the_password_close_and_sign_out(client_for, media):
    member = MemberFactory(display_name="Lena")
    client, other_device = client_for(member), client_for(member)
    settings_page = client.get(reverse("vouching:settings")).content.decode()
    assert reverse("matchmaking:account_close") in settings_page
    assert reverse("matchmaking:data_export") in settings_page
    url = reverse("matchmaking:account_close")
    assert "cannot be undone" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302 and reverse("account_reauthenticate") in response["Location"]
    assert Member.objects.filter(pk=member.pk).exists()

    response = reauthenticated(client, member).post(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "matchmaking:account_closed"
    )
    assert not Member.objects.filter(pk=member.pk).exists()
    closed = client.get(response["Location"])
    assert closed.status_code == 200 and not closed.wsgi_request.user.is_authenticated
    # Signed out on every device; a second click on the old page breaks nothing.
    elsewhere = other_device.get(reverse("vouching:settings"))
    assert elsewhere.status_code == 302 and reverse("account_login") in elsewhere["Location"]
    again = client.post(url)
    assert again.status_code == 302 and reverse("account_login") in again["Location"]


def test_a_double_submit_closes_once(media):
    member = MemberFactory()
    assert services.account_close(member=member) is True
    assert services.account_close(member=member) is False


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_close_once_without_an_error(media):
    member = MemberFactory()
    VouchFactory(voucher=member, vouchee=MemberFactory())
    clients = []
    for _ in range(4):
        client = Client()
        client.force_login(member)
        clients.append(reauthenticated(client, member))
    statuses, barrier = [], threading.Barrier(len(clients))

    def close(client):
        barrier.wait()
        statuses.append(client.post(reverse("matchmaking:account_close")).status_code)
        connection.close()

    threads = [threading.Thread(target=close, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] * 4
    assert not Member.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_recalculates_standing_after_a_voucher_leaves(celery_worker, media):
    founder, newcomer = FounderFactory(), MemberFactory()

    def standing():
        return Member.objects.select_related("trust").get(pk=newcomer.pk).standing

    VouchFactory(voucher=founder, vouchee=newcomer)
    vouching_services.trust_graph_changed()
    assert wait_for(lambda: standing() == "vouched", timeout=30)
    services.account_close(member=founder)
    assert wait_for(lambda: standing() == "pending", timeout=30)


def test_a_member_whose_voucher_left_is_told_so(
    client_for, django_capture_on_commit_callbacks, mailoutbox
):
    from matchmaking.services import notification_emails_pending, notification_send_email

    FounderFactory()
    founder = FounderFactory(display_name="Ada")
    lena = MemberFactory(display_name="Lena", email="lena@example.com")
    VouchFactory(voucher=founder, vouchee=lena)
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()
    services.account_close(member=founder)
    with django_capture_on_commit_callbacks(execute=True):
        vouching_services.trust_recalculate()
    assert Member.objects.select_related("trust").get(pk=lena.pk).standing == "pending"
    told = "Someone who vouched for you closed their account."
    assert told in client_for(lena).get(reverse("vouching:standing")).content.decode()
    for pk in notification_emails_pending():
        notification_send_email(notification_id=pk)
    (mail,) = [m for m in mailoutbox if m.to == ["lena@example.com"]]
    assert told in mail.body
