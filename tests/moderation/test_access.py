"""The console's doors: only moderators in good standing, signed in with a second
factor, and never on their own account; the role itself is on the record."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matchmaking.models import Report
from tests.factories import MemberFactory, ModeratorFactory, VouchedMemberFactory, VouchFactory
from vouching import services as vouching_services
from vouching.models import Appeal, Member, ModerationRecord

pytestmark = pytest.mark.django_db


def console_urls(community):
    report = Report.objects.create(
        reporter=community["cat"], reported=community["bob"], reason="fake"
    )
    appeal_record = vouching_services.moderation_record_create(
        actor=None, action="forfeit", member=community["ann"]
    )
    appeal = Appeal.objects.create(record=appeal_record, member=community["ann"], text="x")
    from matchmaking.moderation import urls as moderation_urls

    ids = {
        "report_id": report.pk,
        "public_id": community["bob"].public_id,
        "action": "suspend",
        "vouch_id": community["ann_bob"].pk,
        "appeal_id": appeal.pk,
        "photo_id": 1,
        "size": "thumb",
    }
    for pattern in moderation_urls.urlpatterns:
        params = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        yield (
            pattern.name,
            reverse(f"moderation:{pattern.name}", kwargs={p: ids[p] for p in params}),
        )


def test_every_console_url_refuses_members_without_the_permission(community, client_for):
    member_client = client_for(VouchedMemberFactory())
    anonymous = Client()
    urls = list(console_urls(community))
    assert len(urls) == 12
    for name, url in urls:
        assert member_client.get(url).status_code == 403, name
        assert member_client.post(url, {"note": "x", "confirm": "1"}).status_code == 403, name
        response = anonymous.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert community["bob"].standing == "vouched"
    assert not ModerationRecord.objects.exclude(action__in=["forfeit"]).exists()


def test_the_console_needs_a_second_factor(with_second_factor, community):
    mod = ModeratorFactory()
    client = Client()
    client.force_login(mod)
    response = client.get(reverse("moderation:dashboard"))
    assert response.status_code == 302 and reverse("mfa_activate_totp") in response["Location"]
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(mod, generate_totp_secret())
    response = client.get(reverse("moderation:dashboard"))
    assert response.status_code == 302 and reverse("mfa_reauthenticate") in response["Location"]
    assert (
        with_second_factor(Member.objects.get(pk=mod.pk))
        .get(reverse("moderation:dashboard"))
        .status_code
        == 200
    )


def test_grant_moderator_command(community):
    call_command("grant_moderator", community["ann"].email, stdout=io.StringIO())
    ann = Member.objects.get(pk=community["ann"].pk)
    assert ann.has_perm("vouching.moderate")
    assert ModerationRecord.objects.filter(action="moderator_granted", member=ann).exists()
    call_command("grant_moderator", ann.email, "--remove", stdout=io.StringIO())
    assert not Member.objects.get(pk=ann.pk).has_perm("vouching.moderate")
    assert Permission.objects.filter(codename="moderate").exists()


@pytest.mark.django_db
def test_granting_the_role_in_the_admin_is_recorded(with_second_factor):
    from django.contrib.auth.models import Group

    superuser = MemberFactory(is_staff=True, is_superuser=True)
    member = MemberFactory()
    admin = with_second_factor(superuser)
    url = reverse("admin:vouching_member_change", args=[member.pk])
    permission = Permission.objects.get(codename="moderate", content_type__app_label="vouching")
    base = {"email": member.email, "display_name": member.display_name, "is_active": "on"}

    def save(**fields):
        response = admin.post(url, {**base, **fields})
        assert response.status_code == 302, response.content[:500]

    def actions():
        return list(
            ModerationRecord.objects.filter(member=member)
            .order_by("pk")
            .values_list("action", "actor_id")
        )

    save(display_name="Renamed")  # nothing to do with the role: nothing recorded
    assert actions() == []
    save(user_permissions=[permission.pk])
    assert actions() == [("moderator_granted", superuser.pk)]
    save()
    assert actions()[-1] == ("moderator_removed", superuser.pk)
    moderators = Group.objects.create(name="Moderators")
    moderators.permissions.add(permission)
    save(groups=[moderators.pk])  # the role through a group counts too
    assert actions()[-1] == ("moderator_granted", superuser.pk) and len(actions()) == 3


def test_a_moderator_cannot_moderate_themselves():
    mod = ModeratorFactory()
    with pytest.raises(ValidationError, match="yourself"):
        vouching_services.member_ban(member=mod, moderator=mod, reason="other", note="Oops.")


def test_a_banned_or_suspended_moderator_is_out_of_the_console(with_second_factor, community):
    boss, rogue = ModeratorFactory(), ModeratorFactory(email="rogue.mod@example.com")
    vouching_services.member_suspend(
        member=rogue,
        moderator=boss,
        until=timezone.now() + timedelta(days=3),
        reason="other",
        note="Abused the console.",
    )
    client = with_second_factor(Member.objects.get(pk=rogue.pk))
    # Their session ends at the next request: every console page wants a sign-in again.
    assert client.get(reverse("moderation:dashboard")).status_code == 302
    reinstate = reverse("moderation:member_action", args=[rogue.public_id, "reinstate"])
    assert client.post(reinstate, {"note": "I forgive myself."}).status_code in (302, 403)
    assert Member.objects.get(pk=rogue.pk).is_suspended
    assert not ModerationRecord.objects.filter(action="reinstate").exists()


def test_a_moderator_cannot_act_on_their_own_account(with_second_factor, community):
    mod = ModeratorFactory()
    client = with_second_factor(mod)
    for action in ("reinstate", "suspend", "ban"):
        url = reverse("moderation:member_action", args=[mod.public_id, action])
        assert client.get(url).status_code == 403
    with pytest.raises(ValidationError, match="yourself"):
        vouching_services.member_reinstate(member=mod, moderator=mod, note="Me.")
    own = VouchFactory(voucher=mod, vouchee=community["cat"])
    with pytest.raises(ValidationError, match="yourself"):
        vouching_services.vouch_revoke(vouch=own, moderator=mod, reason="mistake", note="Mine.")
    assert client.get(reverse("moderation:vouch_revoke", args=[own.pk])).status_code == 403
