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
    from matchmaking import moderation_urls

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
    assert "How they got in" in page and "F1" in page and "F2" in page
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
    assert page.index("Bob") < page.index("F1"), "vouchers listed step by step towards the founders"


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
