"""Moderation: every action and its consequences, the preview against what really
happens, the log's immutability, the console's permissions and second factor."""

import csv
import html
import io
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matchmaking import services as dating
from matchmaking.models import Notification, Report
from tests.factories import (
    FounderFactory,
    MemberFactory,
    VouchedMemberFactory,
    VouchFactory,
    woman,
)
from vouching import services
from vouching.models import Appeal, Member, ModerationRecord, PledgeForfeit, Vouch
from vouching.tasks import send_forfeit_notices
from vouching.trust.rings import suspicious_rings

pytestmark = pytest.mark.django_db


def moderator(**kwargs) -> Member:
    member = MemberFactory(display_name="Moderator", **kwargs)
    services.moderator_grant(member=member)
    return Member.objects.get(pk=member.pk)


def with_second_factor(member: Member) -> Client:
    """A client signed in as ``member`` whose session passed a TOTP check."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(member):
        TOTP.activate(member, generate_totp_secret())
    client = Client()
    client.force_login(member)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time()},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(member.pk)
    session.save()
    return client


@pytest.fixture
def community():
    """Two founders; Ann carried by both; Bob only through Ann; Cat only through Bob."""
    f1, f2 = FounderFactory(display_name="F1"), FounderFactory(display_name="F2")
    ann, bob, cat = (MemberFactory(display_name=n) for n in ("Ann", "Bob", "Cat"))
    VouchFactory(voucher=f1, vouchee=ann)
    VouchFactory(voucher=f2, vouchee=ann)
    ann_bob = VouchFactory(voucher=ann, vouchee=bob)
    VouchFactory(voucher=f1, vouchee=bob)
    VouchFactory(voucher=bob, vouchee=cat)
    VouchFactory(voucher=ann, vouchee=cat)
    services.trust_graph_changed()
    services.trust_recalculate()
    return {"f1": f1, "f2": f2, "ann": ann, "bob": bob, "cat": cat, "ann_bob": ann_bob}


def lost_after(run) -> set[int]:
    return {m for m in run.standing_changed if not Member.objects.get(pk=m).in_good_standing}


CONFIRM_FORM = re.compile(r'<form method="post" class="card confirm".*?</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirmation(preview_response) -> dict:
    """What the Confirm button of a preview page posts, as a browser would send it."""
    form = CONFIRM_FORM.search(preview_response.text)
    assert form, "the page shows no confirmation form"
    data: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(form.group(0)):
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(html.unescape(value))
    return {**data, "confirm": "1"}


def preview_and_confirm(client, url, data):
    preview = client.post(url, data)
    assert "Before you confirm" in preview.text
    return client.post(url, confirmation(preview))


# THE PREVIEW IS WHAT HAPPENS ----------------------------------------------------------


@pytest.mark.parametrize("case", ["revoke bad vouch", "ban", "ban and revoke given", "suspend"])
def test_preview_equals_what_actually_happens(community, case):
    mod = moderator()
    ann, bob, cat = community["ann"], community["bob"], community["cat"]
    if case == "revoke bad vouch":
        dot = MemberFactory(display_name="Dot")  # carried by Bob alone
        vouch = VouchFactory(voucher=bob, vouchee=dot)
        services.trust_graph_changed()
        services.trust_recalculate()
        assert Member.objects.get(pk=dot.pk).in_good_standing
        preview = services.moderation_preview(revoke=[vouch], bad_vouches=[vouch])
        services.vouch_revoke(vouch=vouch, moderator=mod, reason="bad_vouch", note="False vouch.")
    elif case == "suspend":
        preview = services.moderation_preview(remove=[ann])
        services.member_suspend(
            member=ann,
            moderator=mod,
            until=timezone.now() + timedelta(days=30),
            reason="harassment",
            note="Harassed two members.",
        )
    else:
        given = list(Vouch.objects.active().given_by(ann)) if "revoke" in case else []
        preview = services.moderation_preview(remove=[ann], revoke=given)
        services.member_ban(
            member=ann,
            moderator=mod,
            reason="scam",
            note="Asked members for money.",
            revoke_given="revoke" in case,
        )
    run = services.trust_recalculate()
    actually_lost = lost_after(run) - {m.pk for m in preview.removed}
    assert preview.losing, "the case must cost someone their standing to prove anything"
    assert {m.pk for m in preview.losing} == actually_lost
    if case.startswith("ban") or case == "suspend":
        assert {m.pk for m in preview.removed} == {ann.pk}
        assert {m.pk for m in preview.forfeiting} == {community["f1"].pk, community["f2"].pk}
        assert {m.pk for m in preview.losing} == {cat.pk}
    else:
        assert {m.pk for m in preview.losing} == {dot.pk}
        assert {m.pk for m in preview.forfeiting} == {bob.pk}
    assert set(PledgeForfeit.objects.values_list("voucher_id", flat=True)) == {
        m.pk for m in preview.forfeiting
    }


def test_preview_changes_nothing(community):
    vouch = community["ann_bob"]
    generation = services.trust_recalculate(force=True).generation
    services.moderation_preview(revoke=[vouch], remove=[community["bob"]], bad_vouches=[vouch])
    vouch.refresh_from_db()
    assert vouch.status == "accepted" and not ModerationRecord.objects.exists()
    assert not PledgeForfeit.objects.exists()
    assert services.trust_recalculate(force=True).generation == generation


# ACTIONS AND THEIR CONSEQUENCES, ON THE RECORD ----------------------------------------


def test_revoking_a_bad_vouch_is_recorded_with_its_forfeit(community):
    mod = moderator()
    vouch = community["ann_bob"]
    services.vouch_revoke(vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met him.")
    revoke = ModerationRecord.objects.get(action="revoke_vouch")
    assert revoke.actor == mod and revoke.member == community["ann"] and revoke.vouch == vouch
    assert revoke.before == {"status": "accepted"} and revoke.after == {"status": "revoked"}
    forfeit = ModerationRecord.objects.get(action="forfeit")
    assert forfeit.actor is None and forfeit.cause == revoke and forfeit.member == community["ann"]
    assert forfeit.after["weight"] == 0.5


def test_suspension_hides_signs_out_and_forfeits(community, client_for):
    mod = moderator()
    ann = community["ann"]
    her_browser = client_for(ann)
    assert her_browser.get(reverse("home")).context["user"].is_authenticated
    services.member_suspend(
        member=ann,
        moderator=mod,
        until=timezone.now() + timedelta(days=7),
        reason="harassment",
        note="Harassment.",
    )
    ann.refresh_from_db()
    assert ann.standing == "suspended"
    assert not her_browser.get(reverse("home")).context["user"].is_authenticated
    assert client_for(community["bob"]).get(ann.get_absolute_url()).status_code == 404
    suspended = ModerationRecord.objects.get(action="suspend")
    assert suspended.before["standing"] == "vouched" and suspended.after["standing"] == "suspended"
    forfeits = ModerationRecord.objects.filter(action="forfeit", cause=suspended)
    assert {r.member for r in forfeits} == {community["f1"], community["f2"]}


def test_standing_lost_is_recorded_by_the_recalculation(community):
    mod = moderator()
    services.member_ban(
        member=community["ann"], moderator=mod, reason="fake", note="A fake account."
    )
    run = services.trust_recalculate()
    lost = set(
        ModerationRecord.objects.filter(action="standing_lost").values_list("member_id", flat=True)
    )
    assert lost == {m for m in run.standing_changed if m != community["ann"].pk} | (
        {community["ann"].pk} if community["ann"].pk in run.standing_changed else set()
    )
    assert all(r.actor is None for r in ModerationRecord.objects.filter(action="standing_lost"))


def test_reinstate_undoes_the_ban_and_its_forfeits(community):
    mod = moderator()
    ann = community["ann"]
    services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam.")
    assert PledgeForfeit.objects.in_force().count() == 2
    services.member_reinstate(member=ann, moderator=mod, note="Identity confirmed: not a scam.")
    ann.refresh_from_db()
    assert ann.banned_at is None and ann.standing in ("vouched", "pending")
    assert PledgeForfeit.objects.in_force().count() == 0
    assert ModerationRecord.objects.filter(action="reinstate").exists()
    with pytest.raises(ValidationError, match="neither suspended nor banned"):
        services.member_reinstate(member=ann, moderator=mod, note="Again.")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "", "note": "x"}, "Choose a reason"),
        ({"reason": "scam", "note": " "}, "Explain the action"),
    ],
)
def test_actions_need_a_reason_and_an_explanation(community, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        services.member_ban(member=community["bob"], moderator=moderator(), **kwargs)
    assert not ModerationRecord.objects.filter(action="ban").exists()


def test_a_moderator_cannot_moderate_themselves():
    mod = moderator()
    with pytest.raises(ValidationError, match="yourself"):
        services.member_ban(member=mod, moderator=mod, reason="other", note="Oops.")


def test_the_member_and_their_vouchers_are_told(community, django_capture_on_commit_callbacks):
    mod = moderator()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_suspend(
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


# APPEALS ------------------------------------------------------------------------------


def test_appeal_once_and_an_upheld_appeal_undoes_the_action(community, client_for):
    mod = moderator()
    vouch = community["ann_bob"]
    services.vouch_revoke(vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met.")
    revoke = ModerationRecord.objects.get(action="revoke_vouch")
    client = client_for(community["ann"])
    home = client.get(reverse("home")).text
    assert "Never met." in home and reverse("vouching:appeal", args=[revoke.pk]) in home
    response = client.post(
        reverse("vouching:appeal", args=[revoke.pk]), {"text": "We are cousins; ask Bob."}
    )
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="already appealed"):
        services.appeal_file(member=community["ann"], entry=revoke, text="Again")
    assert (
        client_for(community["bob"]).get(reverse("vouching:appeal", args=[revoke.pk])).status_code
        == 404
    )
    appeal = Appeal.objects.get()
    services.appeal_decide(appeal=appeal, moderator=mod, uphold=True, note="Confirmed cousins.")
    vouch.refresh_from_db()
    assert vouch.status == "accepted"
    assert not PledgeForfeit.objects.in_force().exists()
    assert ModerationRecord.objects.filter(action="appeal_upheld", cause=revoke).exists()


# THE LOG CANNOT BE CHANGED -------------------------------------------------------------


def test_the_log_is_append_only_in_the_orm_and_the_database(community):
    entry = services.record(actor=moderator(), action="ban", member=community["bob"], note="x")
    entry.note = "edited"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ModerationRecord.objects.filter(pk=entry.pk).update(note="edited")
    with pytest.raises(PermissionError):
        ModerationRecord.objects.all().delete()
    table = ModerationRecord._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET note = 'edited' WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert ModerationRecord.objects.get(pk=entry.pk).note == "x"


def test_the_admin_only_reads_the_log(community):
    entry = services.record(actor=None, action="forfeit", member=community["bob"])
    admin = Client()
    admin.force_login(MemberFactory(is_staff=True, is_superuser=True))
    base = "admin:vouching_moderationrecord"
    assert admin.get(reverse(f"{base}_changelist")).status_code == 200
    assert admin.get(reverse(f"{base}_add")).status_code == 403
    assert admin.post(reverse(f"{base}_delete", args=[entry.pk])).status_code == 403
    page = admin.get(reverse(f"{base}_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text


def test_log_exports_as_csv(community):
    mod = moderator()
    services.member_ban(member=community["bob"], moderator=mod, reason="fake", note="Fake.")
    response = with_second_factor(mod).get(reverse("moderation:log_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert {"Time", "Moderator", "Action", "Member", "Note", "Before", "After"} <= rows[0].keys()
    banned = next(r for r in rows if r["Action"] == "Banned")
    assert banned["Note"] == "Fake." and banned["Reason"] == "Fake account"
    assert "standing: Banned" in banned["After"] and "standing: Vouched" in banned["Before"]


def test_the_csv_never_carries_a_formula(community):
    mod = moderator()
    services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note='=HYPERLINK("x","y")'
    )
    response = with_second_factor(mod).get(reverse("moderation:log_csv"))
    notes = [r["Note"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert '\'=HYPERLINK("x","y")' in notes
    assert not any(note.startswith("=") for note in notes)


@pytest.mark.parametrize("member", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_the_log_filtered_by_an_unknown_member_is_empty(community, member):
    mod = moderator()
    services.member_ban(member=community["bob"], moderator=mod, reason="fake", note="Fake.")
    response = with_second_factor(mod).get(reverse("moderation:log"), {"member": member})
    assert response.status_code == 200
    assert not response.context["records"]
    everything = with_second_factor(mod).get(reverse("moderation:log"))
    assert everything.context["records"]


# THE CONSOLE: PERMISSION AND SECOND FACTOR --------------------------------------------


def console_urls(community):
    report = Report.objects.create(
        reporter=community["cat"], reported=community["bob"], reason="fake"
    )
    appeal_record = services.record(actor=None, action="forfeit", member=community["ann"])
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


def test_the_console_needs_a_second_factor(community):
    mod = moderator()
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


# THE CONSOLE AT WORK ------------------------------------------------------------------


def test_revoke_through_the_console_previews_then_acts(community):
    mod = moderator()
    client = with_second_factor(mod)
    vouch = Vouch.objects.get(voucher=community["f1"], vouchee=community["bob"])
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "bad_vouch", "note": "Reckless vouch."})
    assert "Before you confirm" in preview.text
    vouch.refresh_from_db()
    assert vouch.status == "accepted", "the preview changes nothing"
    done = client.post(url, confirmation(preview))
    assert done.status_code == 302
    vouch.refresh_from_db()
    assert vouch.status == "revoked"
    log = client.get(reverse("moderation:log")).text
    assert "Revoked a vouch" in log and "Reckless vouch." in log and "Pledge forfeited" in log


def test_reports_queue_claim_resolve_and_flag(community):
    mod = moderator()
    client = with_second_factor(mod)
    nagger = community["cat"]
    for _ in range(3):
        report = dating.report_file(reporter=nagger, reported=community["bob"], reason="other")
        dating.report_dismiss(report=report, moderator=mod, note="Nothing wrong.")
    report = dating.report_file(
        reporter=nagger, reported=community["ann"], reason="fake", note="Fake photos."
    )
    queue = client.get(reverse("moderation:reports")).text
    assert "Fake photos." in queue and "Reporter often dismissed" in queue
    page = client.get(reverse("moderation:report", args=[report.pk])).text
    assert "How they got in" in page and ">F1<" in page and ">F2<" in page
    client.post(reverse("moderation:report", args=[report.pk]), {"claim": "1"})
    report.refresh_from_db()
    assert report.claimed_by == mod
    other = moderator(email="other.mod@example.com")
    with pytest.raises(ValidationError, match="Another moderator"):
        dating.report_resolve(
            report=report, moderator=other, action="none", reason="other", note="x"
        )
    data = {
        "action": "suspend",
        "reason": "fake",
        "note": "Photos are a stock model.",
        "until": (timezone.localdate() + timedelta(days=14)).isoformat(),
    }
    preview_and_confirm(client, reverse("moderation:report", args=[report.pk]), data)
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution == "Photos are a stock model."
    assert Member.objects.get(pk=community["ann"].pk).standing == "suspended"
    resolved = ModerationRecord.objects.get(action="report_resolved")
    assert resolved.report_id == report.pk and resolved.after == {"action": "suspend"}


def test_investigation_page(community):
    mod = moderator()
    page = (
        with_second_factor(mod)
        .get(reverse("moderation:member", args=[community["cat"].public_id]))
        .text
    )
    assert "up to the founders" in page
    # Names as links, within the chain only: the page's CSRF tokens are random letters
    # and digits, and one holding "F1" once made a bare search fail.
    chain = page[page.index("up to the founders") : page.index("Vouches they received")]
    assert chain.index(">Bob<") < chain.index(">F1<"), "vouchers listed towards the founders"


# RINGS --------------------------------------------------------------------------------


def test_a_dense_recent_ring_is_found_and_the_honest_are_not():
    old = timezone.now() - timedelta(days=400)
    founder = FounderFactory(date_joined=old)
    honest = [MemberFactory(date_joined=timezone.now() - timedelta(days=10)) for _ in range(6)]
    for member in honest:
        VouchFactory(voucher=founder, vouchee=member)
    for a, b in zip(honest, honest[1:], strict=False):
        VouchFactory(voucher=a, vouchee=b)
    ring = [MemberFactory(date_joined=timezone.now() - timedelta(days=5)) for _ in range(6)]
    for a in ring:
        for b in ring:
            if a != b:
                VouchFactory(voucher=a, vouchee=b)
    # One recent honest member was fooled; the older community vouched for none of them.
    VouchFactory(voucher=honest[0], vouchee=ring[0])
    found = suspicious_rings()
    assert len(found) == 1
    assert {m.pk for m in found[0].members} == {m.pk for m in ring}
    assert found[0].density == 1.0 and found[0].outside_vouches == 0
    # Vouches from the older community make a cluster look like honest friends.
    for member in ring:
        VouchFactory(voucher=founder, vouchee=member)
    assert suspicious_rings() == []


def test_rings_page_suspends_through_the_preview():
    ring = [MemberFactory(date_joined=timezone.now() - timedelta(days=3)) for _ in range(5)]
    for a in ring:
        for b in ring:
            if a != b:
                VouchFactory(voucher=a, vouchee=b)
    mod = moderator()
    client = with_second_factor(mod)
    page = client.get(reverse("moderation:rings")).text
    assert all(m.display_name in page for m in ring)
    data = {
        "members": [str(m.public_id) for m in ring],
        "reason": "ring",
        "note": "A vouching ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    preview = client.post(reverse("moderation:rings"), data)
    assert "Before you confirm" in preview.text
    assert not Member.objects.moderated().exists()
    # A forged id is ignored, and the moderator never suspends themselves by it.
    forged = {**data, "members": ["not-a-uuid", str(mod.public_id)]}
    response = client.post(reverse("moderation:rings"), {**forged, "confirm": "1"})
    assert "Choose the members to suspend." in response.text
    assert not Member.objects.moderated().exists()
    client.post(reverse("moderation:rings"), confirmation(preview))
    assert Member.objects.moderated().count() == 5
    assert ModerationRecord.objects.filter(action="suspend", reason="ring").count() == 5


def test_member_pages_and_profiles_disappear_at_once_when_banned(client_for):
    lena = woman(member__display_name="Lena")
    viewer = VouchedMemberFactory()
    assert client_for(viewer).get(lena.member.get_absolute_url()).status_code == 200
    services.member_ban(member=lena.member, moderator=moderator(), reason="fake", note="Fake.")
    assert client_for(viewer).get(lena.member.get_absolute_url()).status_code == 404
    profile_url = reverse("matchmaking:person", args=[lena.member.public_id])
    assert client_for(viewer).get(profile_url).status_code == 404


# WHAT MEMBERS ARE TOLD ----------------------------------------------------------------


def send_notification_emails():
    for pk in dating.notification_emails_pending():
        dating.notification_send_email(notification_id=pk)


def test_moderation_notifications_say_what_why_and_where_to_appeal(
    community, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    mod = moderator()
    ann, cat = community["ann"], community["cat"]
    with django_capture_on_commit_callbacks(execute=True):
        services.member_suspend(
            member=cat,
            moderator=mod,
            until=timezone.now() + timedelta(days=10),
            reason="harassment",
            note="Rude <b>messages</b>.",
        )
        services.vouch_revoke(
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
    assert services.forfeit_send_notice(forfeit_id=forfeit.pk)
    body = mailoutbox[-1].body
    assert says in body and never not in body


# CONFIRM IS WHAT WAS PREVIEWED --------------------------------------------------------


def test_confirm_refuses_a_reason_changed_after_the_preview(community):
    client = with_second_factor(moderator())
    vouch = community["ann_bob"]
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "mistake", "note": "Asked by both."})
    assert "Confirm exactly this" in preview.text and "Asked by both." in preview.text
    tampered = {**confirmation(preview), "reason": "bad_vouch"}
    response = client.post(url, tampered)
    assert response.status_code == 200
    assert "What you confirmed is not what the preview showed" in response.text
    vouch.refresh_from_db()
    assert vouch.status == "accepted"
    assert not ModerationRecord.objects.exclude(action="moderator_granted").exists()
    assert not PledgeForfeit.objects.exists()


def test_confirm_refuses_members_changed_after_the_preview(community):
    client = with_second_factor(moderator())
    data = {
        "members": [str(community["cat"].public_id)],
        "reason": "ring",
        "note": "A ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    preview = client.post(reverse("moderation:rings"), data)
    assert "Before you confirm" in preview.text
    tampered = {**confirmation(preview), "members": [str(community["ann"].public_id)]}
    response = client.post(reverse("moderation:rings"), tampered)
    assert "What you confirmed is not what the preview showed" in response.text
    assert not Member.objects.moderated().exists()


def test_confirm_without_a_preview_changes_nothing(community):
    client = with_second_factor(moderator())
    bob = community["bob"]
    url = reverse("moderation:member_action", args=[bob.public_id, "ban"])
    for forged in ("", "not-a-token"):
        response = client.post(
            url, {"reason": "scam", "note": "Scam.", "confirm": "1", "token": forged}
        )
        assert response.status_code == 200
        assert "What you confirmed is not what the preview showed" in response.text
    assert Member.objects.get(pk=bob.pk).banned_at is None
    assert not ModerationRecord.objects.filter(action="ban").exists()


def test_a_preview_of_one_member_does_not_confirm_another(community):
    client = with_second_factor(moderator())
    data = {"reason": "scam", "note": "Scam."}
    preview = client.post(
        reverse("moderation:member_action", args=[community["bob"].public_id, "ban"]), data
    )
    other = reverse("moderation:member_action", args=[community["cat"].public_id, "ban"])
    response = client.post(other, confirmation(preview))
    assert "What you confirmed is not what the preview showed" in response.text
    assert not Member.objects.moderated().exists()


def test_rings_preview_includes_the_vouches_they_gave(community):
    client = with_second_factor(moderator())
    ann = community["ann"]
    data = {
        "members": [str(ann.public_id)],
        "reason": "ring",
        "note": "A ring.",
        "until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "revoke_given": "on",
    }
    response = client.post(reverse("moderation:rings"), data)
    preview = response.context["preview"]
    given = set(Vouch.objects.active().given_by(ann).values_list("pk", flat=True))
    assert given and {v.pk for v in preview.revoked} == given
    assert "Ann's vouch for Bob" in response.text
    # Cat stands only through vouches from Ann and Bob: the preview says she falls.
    assert community["cat"] in preview.losing
    client.post(reverse("moderation:rings"), confirmation(response))
    assert not Vouch.objects.active().given_by(ann).exists()
    run = services.trust_recalculate()
    assert {m.pk for m in preview.losing} == lost_after(run) - {ann.pk}


# FORFEITS: THE PREVIEW AND THE RULE AGREE ---------------------------------------------


def test_ban_reinstate_ban_again_forfeits_again_as_previewed(community):
    mod = moderator()
    ann = community["ann"]
    services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam.")
    services.member_reinstate(member=ann, moderator=mod, note="Not a scam after all.")
    services.trust_recalculate()
    assert not PledgeForfeit.objects.in_force().exists()
    preview = services.moderation_preview(remove=[ann])
    assert {m.pk for m in preview.forfeiting} == {community["f1"].pk, community["f2"].pk}
    services.member_ban(member=ann, moderator=mod, reason="scam", note="Scam, proven.")
    in_force = set(PledgeForfeit.objects.in_force().values_list("voucher_id", flat=True))
    assert in_force == {m.pk for m in preview.forfeiting}
    run = services.trust_recalculate()
    assert preview.losing and {m.pk for m in preview.losing} == lost_after(run) - {ann.pk}


def test_a_forfeit_in_force_is_not_doubled_nor_previewed_twice(community):
    mod = moderator()
    cat = community["cat"]
    services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=5),
        reason="harassment",
        note="Rude.",
    )
    assert PledgeForfeit.objects.count() == 2
    assert services.moderation_preview(remove=[cat]).forfeiting == []
    services.member_ban(member=cat, moderator=mod, reason="harassment", note="Again.")
    assert PledgeForfeit.objects.count() == 2


# MODERATED MEMBERS ARE HIDDEN FROM EVERYTHING ----------------------------------------


@pytest.fixture
def matched():
    from matchmaking.services.matches import match_create

    lena, jon = woman(member__display_name="Lena"), woman(member__display_name="Jon")
    match = match_create(lena.member, jon.member, source="mutual")
    dating.message_send(match=match, sender=lena.member, body="Hello Jon!")
    return lena.member, jon.member, match


@pytest.mark.parametrize("removal", ["ban", "suspend"])
def test_a_moderated_match_disappears_and_cannot_write(matched, client_for, removal):
    from matchmaking import selectors

    lena, jon, match = matched
    mod = moderator()
    if removal == "ban":
        services.member_ban(member=jon, moderator=mod, reason="scam", note="Scam.")
    else:
        services.member_suspend(
            member=jon,
            moderator=mod,
            until=timezone.now() + timedelta(days=3),
            reason="scam",
            note="Scam.",
        )
    assert not selectors.matches_of(member=lena).exists()
    assert client_for(lena).get(reverse("matchmaking:match", args=[match.pk])).status_code == 404
    assert "Jon" not in client_for(lena).get(reverse("matchmaking:matches")).text
    for sender in (lena, jon):  # neither direction
        with pytest.raises(ValidationError, match="not available"):
            dating.message_send(match=match, sender=sender, body="Still there?")
    assert match.messages.count() == 1
    assert not selectors.matches_of(member=jon).exists()


def test_introductions_with_a_moderated_member_are_hidden_and_refused(community):
    from matchmaking import selectors
    from matchmaking.models import Introduction

    ann, bob, cat = community["ann"], community["bob"], community["cat"]
    introduction = Introduction.objects.create(
        kind="offered",
        intermediary=ann,
        person_a=bob,
        person_b=cat,
        note="You two would get along.",
        status="people",
        introduced_at=timezone.now(),
    )
    assert selectors.introductions_for(member=bob)["to_answer"].exists()
    services.member_ban(member=cat, moderator=moderator(), reason="fake", note="Fake.")
    assert not selectors.introductions_for(member=bob)["to_answer"].exists()
    assert not selectors.introductions_for(member=ann)["mine"].exists()
    with pytest.raises(ValidationError, match="cannot be reached"):
        dating.introduction_respond(introduction=introduction, member=bob, accept=True)
    introduction.refresh_from_db()
    assert introduction.a_accepted_at is None and introduction.status == "people"


# MODERATORS ARE NOT ABOVE THE RULES -----------------------------------------------------


def test_a_banned_or_suspended_moderator_is_out_of_the_console(community):
    boss, rogue = moderator(), moderator(email="rogue.mod@example.com")
    services.member_suspend(
        member=rogue,
        moderator=boss,
        until=timezone.now() + timedelta(days=3),
        reason="other",
        note="Abused the console.",
    )
    client = with_second_factor(Member.objects.get(pk=rogue.pk))
    assert client.get(reverse("moderation:dashboard")).status_code == 403
    reinstate = reverse("moderation:member_action", args=[rogue.public_id, "reinstate"])
    assert client.post(reinstate, {"note": "I forgive myself."}).status_code == 403
    assert Member.objects.get(pk=rogue.pk).is_suspended
    assert not ModerationRecord.objects.filter(action="reinstate").exists()


def test_a_moderator_cannot_act_on_their_own_account(community):
    mod = moderator()
    client = with_second_factor(mod)
    for action in ("reinstate", "suspend", "ban"):
        url = reverse("moderation:member_action", args=[mod.public_id, action])
        assert client.get(url).status_code == 403
    with pytest.raises(ValidationError, match="yourself"):
        services.member_reinstate(member=mod, moderator=mod, note="Me.")
    own = VouchFactory(voucher=mod, vouchee=community["cat"])
    with pytest.raises(ValidationError, match="yourself"):
        services.vouch_revoke(vouch=own, moderator=mod, reason="mistake", note="Mine.")
    assert client.get(reverse("moderation:vouch_revoke", args=[own.pk])).status_code == 403


# APPEALS UNDO ONLY THEIR ACTION -------------------------------------------------------


def appeal_of(entry: ModerationRecord) -> Appeal:
    return services.appeal_file(member=entry.member, entry=entry, text="Please look again.")


def test_upholding_an_appeal_against_a_suspension_reinstates_and_lifts(community):
    mod = moderator()
    cat = community["cat"]
    entry = services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    services.appeal_decide(appeal=appeal_of(entry), moderator=mod, uphold=True, note="Wrong.")
    cat.refresh_from_db()
    assert not cat.is_suspended and not PledgeForfeit.objects.in_force().exists()
    assert ModerationRecord.objects.filter(action="reinstate", cause=entry).exists()


def test_upholding_a_ban_appeal_reinstates(community):
    mod = moderator()
    entry = services.member_ban(member=community["cat"], moderator=mod, reason="fake", note="F.")
    services.appeal_decide(appeal=appeal_of(entry), moderator=mod, uphold=True, note="Real.")
    assert Member.objects.get(pk=community["cat"].pk).banned_at is None
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_ban_appeal_leaves_the_suspension_it_came_on_top_of(community):
    """Suspended, then banned: a wrong ban is undone, the suspension and its forfeits
    stand; upholding the suspension's own appeal later lets the member back in."""
    mod = moderator()
    cat = community["cat"]
    suspension = services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    forfeits = set(PledgeForfeit.objects.in_force().values_list("pk", flat=True))
    assert forfeits
    ban = services.member_ban(member=cat, moderator=mod, reason="scam", note="B.")
    services.appeal_decide(appeal=appeal_of(ban), moderator=mod, uphold=True, note="Not a ban.")
    cat.refresh_from_db()
    assert not cat.is_banned and cat.is_suspended
    assert forfeits <= set(PledgeForfeit.objects.in_force().values_list("pk", flat=True))
    services.appeal_decide(appeal=appeal_of(suspension), moderator=mod, uphold=True, note="No.")
    cat.refresh_from_db()
    assert not cat.is_banned and not cat.is_suspended
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_an_old_suspension_appeal_does_not_lift_a_later_ban(community):
    mod = moderator()
    cat = community["cat"]
    suspension = services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=9),
        reason="scam",
        note="S.",
    )
    ban = services.member_ban(member=cat, moderator=mod, reason="scam", note="Banned for good.")
    outcome = services.appeal_decide(
        appeal=appeal_of(suspension), moderator=mod, uphold=True, note="That one was wrong."
    )
    cat.refresh_from_db()
    assert cat.is_banned, "the later, separate ban stands"
    assert not ModerationRecord.objects.filter(action="reinstate").exists()
    assert outcome.notes
    # The suspension's forfeits are lifted; the ban in force costs the vouchers again.
    lifted = PledgeForfeit.objects.filter(lifted_at__isnull=False)
    assert {f.voucher_id for f in lifted} == {community["ann"].pk, community["bob"].pk}
    standing = ModerationRecord.objects.filter(action="forfeit", cause=ban)
    assert {r.member_id for r in standing} == {community["ann"].pk, community["bob"].pk}


def test_upholding_an_appeal_against_an_expired_suspension_lifts_its_forfeits(community):
    mod = moderator()
    cat = community["cat"]
    entry = services.member_suspend(
        member=cat,
        moderator=mod,
        until=timezone.now() + timedelta(days=2),
        reason="scam",
        note="S.",
    )
    Member.objects.filter(pk=cat.pk).update(suspended_until=timezone.now() - timedelta(hours=1))
    assert PledgeForfeit.objects.in_force().count() == 2
    services.appeal_decide(appeal=appeal_of(entry), moderator=mod, uphold=True, note="Wrong.")
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_forfeit_appeal_lifts_only_that_forfeit(community):
    mod = moderator()
    services.member_ban(member=community["ann"], moderator=mod, reason="scam", note="Scam.")
    forfeit_record = ModerationRecord.objects.get(action="forfeit", member=community["f1"])
    services.appeal_decide(
        appeal=appeal_of(forfeit_record), moderator=mod, uphold=True, note="F1 was misled."
    )
    in_force = set(PledgeForfeit.objects.in_force().values_list("voucher_id", flat=True))
    assert in_force == {community["f2"].pk}


def test_rejecting_an_appeal_undoes_nothing(community):
    mod = moderator()
    entry = services.member_ban(member=community["cat"], moderator=mod, reason="fake", note="F.")
    appeal = appeal_of(entry)
    services.appeal_decide(appeal=appeal, moderator=mod, uphold=False, note="It stands.")
    appeal.refresh_from_db()
    assert appeal.status == "rejected" and appeal.decision_note == "It stands."
    assert Member.objects.get(pk=community["cat"].pk).is_banned
    assert PledgeForfeit.objects.in_force().count() == 2
    assert ModerationRecord.objects.filter(action="appeal_rejected", cause=entry).exists()


def test_upholding_a_revocation_restores_the_status_it_had(community):
    mod = moderator()
    pending = VouchFactory(voucher=community["f2"], vouchee=community["cat"], status="pending")
    services.vouch_revoke(vouch=pending, moderator=mod, reason="bad_vouch", note="Odd.")
    entry = ModerationRecord.objects.get(action="revoke_vouch")
    services.appeal_decide(appeal=appeal_of(entry), moderator=mod, uphold=True, note="Fine.")
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.ended_at is None
    assert pending.revocation_reason == "" and pending.revoked_by is None
    assert not PledgeForfeit.objects.in_force().exists()


def test_upholding_a_revocation_when_the_pair_vouched_again_is_no_error(community):
    mod = moderator()
    old = community["ann_bob"]
    services.vouch_revoke(vouch=old, moderator=mod, reason="bad_vouch", note="Never met.")
    appeal = appeal_of(ModerationRecord.objects.get(action="revoke_vouch"))
    newer = VouchFactory(voucher=community["ann"], vouchee=community["bob"])  # written since
    response = with_second_factor(mod).post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {"decision": "uphold", "note": "They are cousins."},
        follow=True,
    )
    assert response.status_code == 200
    assert "the old vouch stays revoked" in response.text
    appeal.refresh_from_db()
    old.refresh_from_db()
    assert appeal.status == "upheld" and old.status == "revoked"
    assert Vouch.objects.get(pk=newer.pk).status == "accepted"
    assert not PledgeForfeit.objects.in_force().exists()


def test_a_moderator_revoked_pair_cannot_vouch_again_unless_appeal_undoes_it(
    community, member, vouch_fields
):
    mod = moderator()
    target = VouchedMemberFactory(display_name="Zed")
    vouch = VouchFactory(voucher=member, vouchee=target)
    services.vouch_revoke(vouch=vouch, moderator=mod, reason="bad_vouch", note="Never met.")
    with pytest.raises(ValidationError, match="A moderator revoked your vouch for Zed"):
        services.vouch_create(voucher=member, vouchee=target, fields=vouch_fields)
    assert Vouch.objects.given_by(member).received_by(target).count() == 1
    # Upheld on appeal: the revocation is undone, and with it the refusal.
    newer = VouchFactory(voucher=member, vouchee=target)
    services.appeal_decide(
        appeal=appeal_of(ModerationRecord.objects.get(action="revoke_vouch")),
        moderator=mod,
        uphold=True,
        note="They know each other.",
    )
    services.vouch_withdraw(vouch=newer, member=member)
    assert services.vouch_create(voucher=member, vouchee=target, fields=vouch_fields).pk


# REPORTS: CLAIMS, DOUBLE CLICKS, REASONS ------------------------------------------------


def test_dismiss_respects_a_claim_and_the_claimant_can_release_it(community):
    mine, theirs = moderator(), moderator(email="other.mod@example.com")
    report = dating.report_file(reporter=community["cat"], reported=community["bob"], reason="fake")
    dating.report_claim(report=report, moderator=mine)
    with pytest.raises(ValidationError, match="Another moderator"):
        dating.report_dismiss(report=report, moderator=theirs, note="Fine.")
    with pytest.raises(ValidationError, match="Only the moderator who claimed it"):
        dating.report_release(report=report, moderator=theirs)
    report.refresh_from_db()
    assert report.status == "open" and report.claimed_by == mine
    client = with_second_factor(mine)
    client.post(reverse("moderation:report", args=[report.pk]), {"release": "1"})
    report.refresh_from_db()
    assert report.claimed_by is None
    released = ModerationRecord.objects.get(action="report_released")
    assert released.actor == mine and released.report_id == report.pk
    dating.report_dismiss(report=report, moderator=theirs, note="Fine.")


def test_dismiss_through_the_console(community):
    mod = moderator()
    report = dating.report_file(reporter=community["cat"], reported=community["bob"], reason="fake")
    response = with_second_factor(mod).post(
        reverse("moderation:report", args=[report.pk]),
        {"dismiss": "1", "note": "Bob is real."},
        follow=True,
    )
    assert "Report dismissed." in response.text
    report.refresh_from_db()
    assert report.status == "dismissed" and report.resolution == "Bob is real."
    assert ModerationRecord.objects.filter(action="report_dismissed", actor=mod).exists()


def test_double_confirms_are_clear_messages_with_nothing_changed(community):
    mod = moderator()
    client = with_second_factor(mod)
    bob = community["bob"]
    # A ban confirmed twice.
    url = reverse("moderation:member_action", args=[bob.public_id, "ban"])
    preview = client.post(url, {"reason": "scam", "note": "Scam."})
    assert client.post(url, confirmation(preview)).status_code == 302
    again = client.post(url, confirmation(preview))
    assert again.status_code == 200 and "Bob is already banned: nothing was changed." in again.text
    assert ModerationRecord.objects.filter(action="ban").count() == 1
    assert Notification.objects.filter(recipient=bob, kind="moderation").count() <= 1
    # A revocation confirmed twice.
    vouch = Vouch.objects.get(voucher=community["f1"], vouchee=community["ann"])
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    preview = client.post(url, {"reason": "mistake", "note": "Asked by both."})
    client.post(url, confirmation(preview))
    again = client.post(url, confirmation(preview), follow=True)
    assert again.status_code == 200 and "This vouch no longer stands" in again.text
    assert ModerationRecord.objects.filter(action="revoke_vouch", vouch=vouch).count() == 1
    # A report resolved twice.
    report = dating.report_file(reporter=community["f2"], reported=community["cat"], reason="fake")
    url = reverse("moderation:report", args=[report.pk])
    data = {"action": "none", "reason": "other", "note": "Talked to them."}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200
    assert "This report is closed: nothing was changed." in again.text
    assert ModerationRecord.objects.filter(action="report_resolved").count() == 1


def test_resolving_with_a_revocation_keeps_the_real_reason(community):
    mod = moderator()
    vouch = community["ann_bob"]
    report = dating.report_file(
        reporter=community["cat"], reported=community["ann"], reason="harassment", vouch=vouch
    )
    dating.report_resolve(
        report=report, moderator=mod, action="revoke_vouch", reason="harassment", note="Abuse."
    )
    revoked = ModerationRecord.objects.get(action="revoke_vouch")
    assert revoked.reason == "harassment" and revoked.get_reason_display() == "Harassment or abuse"
    vouch.refresh_from_db()
    assert vouch.status == "revoked" and vouch.revocation_reason == "other"
    assert not PledgeForfeit.objects.exists(), "only a bad vouch costs the pledge"
    with pytest.raises(ValidationError):
        dating.report_resolve(
            report=dating.report_file(
                reporter=community["cat"], reported=community["ann"], reason="fake", vouch=vouch
            ),
            moderator=mod,
            action="revoke_vouch",
            reason="not-a-reason",
            note="x",
        )


# THE CONSOLE SHOWS WHAT IT SHOULD -------------------------------------------------------


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 400), "#3a5fb3").save(out, format="JPEG")
    return out.getvalue()


def test_the_reported_photo_is_shown_to_moderators_only(community, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    lena = woman(member__display_name="Lena")
    photo = dating.photo_add(member=lena.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
    unreported = dating.photo_add(member=lena.member, upload=SimpleUploadedFile("b.jpg", jpeg()))
    mod = moderator()
    client = with_second_factor(mod)
    url = reverse("moderation:photo", args=[photo.pk, "thumb"])
    assert client.get(url).status_code == 404, "no report, no reason to look"
    report = Report.objects.create(
        reporter=community["cat"], reported=lena.member, reason="fake", photo=photo
    )
    page = client.get(reverse("moderation:report", args=[report.pk])).text
    assert url in page and "matchmaking" not in url
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(reverse("moderation:photo", args=[photo.pk, "huge"])).status_code == 404
    assert client_for(community["bob"]).get(url).status_code == 403
    assert unreported.pk  # the reported member's other photos stay reachable for the case


def test_the_log_speaks_the_moderators_language(community):
    mod = moderator()
    services.member_ban(member=community["bob"], moderator=mod, reason="fake", note="Fake.")
    client = with_second_factor(mod)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get(reverse("moderation:log")).text
    assert "信誉状态" in page and "已封禁" in page.split("<tbody>")[1]
    assert (
        "standing" not in page and "banned_at" not in page and "{" not in page.split("<tbody>")[1]
    )
    rows = list(csv.reader(io.StringIO(client.get(reverse("moderation:log_csv")).content.decode())))
    assert "time" not in rows[0] and "管理员" in rows[0]


def test_standing_lost_names_its_cause_and_the_standing_before_and_after(community):
    mod = moderator()
    ban = services.member_ban(member=community["ann"], moderator=mod, reason="fake", note="F.")
    services.trust_recalculate()
    lost = ModerationRecord.objects.get(action="standing_lost", member=community["cat"])
    assert lost.cause == ban and lost.reason == "fake"
    assert lost.before["standing"] == "vouched"
    carried = set(lost.before["carried_by"])
    assert carried and carried <= {community["ann"].pk, community["bob"].pk}
    assert lost.after["standing"] == "pending" and lost.after["actions"] == [ban.pk]
    assert lost.after["generation"] == services.trust_recalculate(force=True).generation


def test_the_chain_to_the_founders_says_when_it_was_cut(community):
    founder = FounderFactory(display_name="Root")
    chain = [founder] + [MemberFactory(display_name=f"Link {i}") for i in range(8)]
    for a, b in zip(chain, chain[1:], strict=False):
        VouchFactory(voucher=a, vouchee=b)
    client = with_second_factor(moderator())
    long = client.get(reverse("moderation:member", args=[chain[-1].public_id])).text
    assert "The chain goes on: only the first 6 steps are shown" in long
    short = client.get(reverse("moderation:member", args=[community["cat"].public_id])).text
    assert "The chain goes on" not in short


# THE LOG REFUSES EVERY WAY IN -----------------------------------------------------------


def test_the_log_refuses_a_forged_insert_and_the_base_manager(community):
    entry = services.record(actor=None, action="forfeit", member=community["bob"], note="x")
    forged = ModerationRecord(pk=entry.pk, action="ban", member=community["bob"], note="forged")
    with pytest.raises(PermissionError):
        forged.save()
    with pytest.raises(PermissionError):
        ModerationRecord._base_manager.all().delete()
    with pytest.raises(PermissionError):
        ModerationRecord._base_manager.filter(pk=entry.pk).update(note="edited")
    assert ModerationRecord.objects.get(pk=entry.pk).note == "x"


def test_simultaneous_appeals_and_forfeits_do_not_fail(community, monkeypatch):
    from django.db.models import QuerySet

    from vouching.services import pledges

    mod = moderator()
    entry = services.vouch_revoke(
        vouch=community["ann_bob"], moderator=mod, reason="bad_vouch", note="Never met."
    )
    record = ModerationRecord.objects.get(action="revoke_vouch")
    appeal_of(record)
    exists = QuerySet.exists
    with monkeypatch.context() as patch:  # as if the other request had not committed yet
        patch.setattr(QuerySet, "exists", lambda qs: False if qs.model is Appeal else exists(qs))
        with pytest.raises(ValidationError, match="already appealed"):
            services.appeal_file(member=community["ann"], entry=record, text="Again")
    assert Appeal.objects.count() == 1
    monkeypatch.setattr(pledges, "vouches_to_forfeit", lambda ids: set(ids))
    assert services.pledge_forfeit(vouch=entry[0], reason="vouch_revoked") is None
    assert PledgeForfeit.objects.count() == 1


def test_an_appeal_decision_must_be_chosen(community):
    mod = moderator()
    entry = services.member_ban(member=community["cat"], moderator=mod, reason="fake", note="F.")
    appeal = appeal_of(entry)
    response = with_second_factor(mod).post(
        reverse("moderation:appeal_decide", args=[appeal.pk]), {"note": "Hmm."}, follow=True
    )
    assert "Choose whether to uphold or reject the appeal." in response.text
    appeal.refresh_from_db()
    assert appeal.status == "open"


# MORE OF THE CONSOLE AT WORK ------------------------------------------------------------


def test_a_ban_signs_the_member_out_of_every_session(community, client_for):
    bob = community["bob"]
    browser = client_for(bob)
    assert browser.get(reverse("home")).context["user"].is_authenticated
    services.member_ban(member=bob, moderator=moderator(), reason="scam", note="Scam.")
    assert not browser.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.parametrize(
    ("until", "error"),
    [
        ("", "Choose until when."),
        ("not-a-date", "Enter a valid date."),
        ("2001-01-01", "Choose a date in the future."),
        ("today", "Choose a date in the future."),
    ],
)
def test_bad_suspension_dates_are_refused_by_the_console(community, until, error):
    client = with_second_factor(moderator())
    if until == "today":
        until = timezone.localdate().isoformat()
    bob = community["bob"]
    url = reverse("moderation:member_action", args=[bob.public_id, "suspend"])
    response = client.post(url, {"reason": "scam", "note": "Scam.", "until": until})
    assert response.status_code == 200 and error in response.text
    assert "Before you confirm" not in response.text
    assert not Member.objects.moderated().exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"note": "Reckless."}, "This field is required."),
        ({"reason": "bad_vouch", "note": "   "}, "This field is required."),
        ({"reason": "made-up", "note": "Reckless."}, "Select a valid choice."),
    ],
)
def test_a_revocation_needs_a_reason_and_a_note_in_the_console(community, data, error):
    client = with_second_factor(moderator())
    vouch = community["ann_bob"]
    url = reverse("moderation:vouch_revoke", args=[vouch.pk])
    response = client.post(url, data)
    assert response.status_code == 200 and error in response.text
    assert "Before you confirm" not in response.text
    vouch.refresh_from_db()
    assert (
        vouch.status == "accepted"
        and not ModerationRecord.objects.exclude(action="moderator_granted").exists()
    )


@pytest.mark.django_db
def test_granting_the_role_in_the_admin_is_recorded():
    from django.contrib.auth.models import Group

    superuser = MemberFactory(is_staff=True, is_superuser=True)
    member = MemberFactory()
    admin = Client()
    admin.force_login(superuser)
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


@pytest.mark.django_db
def test_closing_an_account_in_the_admin_hides_it_at_once():
    """An account closed in the admin is out of every trust path and browse page on the
    next request: the graph generation moves, so no cached answer from before is used."""
    from vouching.trust import paths

    superuser = MemberFactory(is_staff=True, is_superuser=True)
    member = MemberFactory()
    generation = paths.current_generation()
    assert member.pk not in paths.hidden_members(generation)  # cached as it was
    admin = Client()
    admin.force_login(superuser)
    url = reverse("admin:vouching_member_change", args=[member.pk])
    base = {"email": member.email, "display_name": member.display_name}
    response = admin.post(url, {**base, "is_active": "on", "display_name": "Renamed"})
    assert response.status_code == 302
    assert paths.current_generation() == generation, "a new name changes no trust"
    response = admin.post(url, base)  # "active" unticked
    assert response.status_code == 302
    assert paths.current_generation() > generation
    assert member.pk in paths.hidden_members(paths.current_generation())


def test_banning_someone_who_vouched_for_the_moderator_revokes_that_vouch_too(community):
    """Revoking every vouch the banned member gave includes one for the moderator: that
    costs the moderator, it is not moderating oneself."""
    mod = moderator()
    for_mod = VouchFactory(voucher=community["bob"], vouchee=mod)
    services.member_ban(
        member=community["bob"], moderator=mod, reason="fake", note="F.", revoke_given=True
    )
    for_mod.refresh_from_db()
    assert for_mod.status == "revoked"
    assert not Vouch.objects.active().given_by(community["bob"]).exists()
    assert Member.objects.get(pk=community["bob"].pk).is_banned


def test_the_preview_uses_the_configured_metric(community, settings):
    # Under "naive" (three vouched vouchers) nobody but the founders stands; nobody loses.
    settings.PLEDGE_TRUST_METRIC = "naive"
    services.trust_recalculate(force=True)
    preview = services.moderation_preview(remove=[community["ann"]])
    assert preview.losing == []
    settings.PLEDGE_TRUST_METRIC = "pledge"
    services.trust_recalculate(force=True)
    preview = services.moderation_preview(remove=[community["ann"]])
    assert community["cat"] in preview.losing
