"""What a member is told about their standing: vouch by vouch, what would change it, when
they lose it, and while a recalculation is on its way.

Every sentence that says what would change a member's standing is checked by doing it
and recalculating: the page must have been right.
"""

import pytest
from django.urls import reverse

from matchmaking.models import Notification
from matchmaking.services import notification_emails_pending, notification_send_email
from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching import services
from vouching.models import Member, TrustScore, TrustState, Vouch
from vouching.selectors import LossCode, VouchRole, standing_explanation

pytestmark = pytest.mark.django_db


def recalculate():
    services.trust_graph_changed()
    return services.trust_recalculate()


def vouched(member) -> bool:
    return Member.objects.in_good_standing().filter(pk=member.pk).exists()


def roles(member) -> dict[str, str]:
    return {
        v.vouch.voucher.display_name: v.role for v in standing_explanation(member=member).vouches
    }


@pytest.fixture
def town():
    """Two founders; Ann and Bob are established (a founder vouched for each, and each
    has two vouches); Jon has one vouch."""
    f1, f2 = FounderFactory(display_name="F1"), FounderFactory(display_name="F2")
    ann, bob, jon = (MemberFactory(display_name=n) for n in ("Ann", "Bob", "Jon"))
    for founder in (f1, f2):
        VouchFactory(voucher=founder, vouchee=ann)
        VouchFactory(voucher=founder, vouchee=bob)
    VouchFactory(voucher=ann, vouchee=jon)
    recalculate()
    return {"f1": f1, "f2": f2, "ann": ann, "bob": bob, "jon": jon}


def test_the_page_names_the_vouches_that_carry_a_members_standing_and_no_others(town, client_for):
    lena = MemberFactory(display_name="Lena")
    VouchFactory(voucher=town["ann"], vouchee=lena)
    VouchFactory(voucher=town["bob"], vouchee=lena)
    VouchFactory(voucher=town["jon"], vouchee=lena)  # Jon may not vouch: one vouch
    recalculate()
    found = roles(lena)
    carrying = [name for name, role in found.items() if role == VouchRole.CARRIES]
    assert len(carrying) == 1 and carrying[0] in ("Ann", "Bob")
    other = "Bob" if carrying[0] == "Ann" else "Ann"
    assert found[other] == VouchRole.NOT_NEEDED
    assert found["Jon"] == VouchRole.MAY_NOT_VOUCH
    # What the page says is what the stored result says.
    assert TrustScore.objects.get(member=lena).carrier_ids == [
        {"Ann": town["ann"], "Bob": town["bob"]}[carrying[0]].pk
    ]
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert f"the vouch of {carrying[0]} carries your share of trust" in text
    assert text.count("Carries your share of trust.") == 1
    assert "Not needed for your standing now: other vouches carry it." in text
    assert "about 100%" not in text and "%" not in text


def test_a_voucher_not_yet_allowed_to_vouch_is_named_with_what_would_change_it(town, client_for):
    lena = MemberFactory(display_name="Lena")
    VouchFactory(voucher=town["jon"], vouchee=lena)
    recalculate()
    assert not vouched(lena)
    assert roles(lena) == {"Jon": VouchRole.MAY_NOT_VOUCH}
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "Jon's vouches will count once 2 members vouch for Jon (Jon has 1)." in text
    assert "Carries your share of trust" not in text
    # A second vouch lets Jon vouch, but one of Jon's two vouchers is established, not
    # two: Jon's vouch still passes nothing on, and the page says so.
    VouchFactory(voucher=MemberFactory(display_name="Kim"), vouchee=town["jon"])
    recalculate()
    assert not vouched(lena)
    assert roles(lena) == {"Jon": VouchRole.NOT_ESTABLISHED}
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "Jon's vouches will pass trust on once 2 established members vouch for Jon" in text
    assert "(Jon has 1)" in text
    # Do what the page says: a second established member vouches for Jon.
    VouchFactory(voucher=town["bob"], vouchee=town["jon"])
    recalculate()
    assert vouched(lena)
    assert roles(lena) == {"Jon": VouchRole.CARRIES}


def test_a_waiting_vouch_that_would_vouch_the_member_says_so_and_does(town, client_for):
    lena = MemberFactory(display_name="Lena")
    VouchFactory(voucher=town["jon"], vouchee=lena)
    waiting = VouchFactory(voucher=town["ann"], vouchee=lena, status=Vouch.Status.PENDING)
    unhelpful = VouchFactory(voucher=town["jon"], vouchee=town["bob"])  # noqa: F841
    recalculate()
    explanation = standing_explanation(member=lena)
    assert [v.pk for v in explanation.waiting_that_would_vouch] == [waiting.pk]
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "Accept Ann's vouch: it would make you vouched." in text
    services.vouch_accept(vouch=waiting, member=lena)
    services.trust_recalculate()
    assert vouched(lena)


def test_a_waiting_vouch_from_someone_with_nothing_to_spare_is_not_promised(town, client_for):
    lena = MemberFactory(display_name="Lena")
    VouchFactory(voucher=town["jon"], vouchee=lena, status=Vouch.Status.PENDING)
    recalculate()
    assert standing_explanation(member=lena).waiting_that_would_vouch == ()
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "it would make you vouched" not in text
    assert "One more vouch from an established member who has a share to spare" in text


def test_people_the_member_vouched_for_who_could_vouch_for_them_are_named(town, client_for):
    # Lena was vouched, vouched for Ann, and lost her own vouch: Ann could vouch back.
    lena = MemberFactory(display_name="Lena")
    first = VouchFactory(voucher=town["bob"], vouchee=lena)
    VouchFactory(voucher=town["f1"], vouchee=lena)
    VouchFactory(voucher=lena, vouchee=town["ann"])
    recalculate()
    services.vouch_withdraw(vouch=first, member=town["bob"])
    Vouch.objects.filter(voucher=town["f1"], vouchee=lena).update(status=Vouch.Status.WITHDRAWN)
    recalculate()
    assert not vouched(lena)
    assert [m.display_name for m in standing_explanation(member=lena).could_vouch] == ["Ann"]
    assert "Ann, whom you vouched for, could vouch for you now." in (
        client_for(lena).get(reverse("vouching:standing")).text
    )
    VouchFactory(voucher=town["ann"], vouchee=lena)
    recalculate()
    assert vouched(lena)


def test_a_member_who_loses_standing_is_told_why_on_the_site_and_by_email(
    town, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    lena = MemberFactory(display_name="Lena", email="lena@example.com")
    carrying = VouchFactory(voucher=town["ann"], vouchee=lena)
    recalculate()
    assert vouched(lena)
    services.vouch_withdraw(vouch=carrying, member=town["ann"])
    with django_capture_on_commit_callbacks(execute=True):
        services.trust_recalculate()
    assert not vouched(lena)
    notice = Notification.objects.get(recipient=lena, kind=Notification.Kind.STANDING_LOST)
    page = client_for(lena).get(reverse("matchmaking:notifications")).text
    assert f'<a href="{reverse("vouching:standing")}">You are no longer vouched</a>' in page
    standing = client_for(lena).get(reverse("vouching:standing")).text
    assert "You lost vouched standing" in standing
    assert "Ann's vouch for you no longer stands." in standing
    loss = standing_explanation(member=lena).lost
    assert [(r.voucher.display_name, r.code) for r in loss.reasons] == [
        ("Ann", LossCode.VOUCH_GONE)
    ]
    for pk in notification_emails_pending():
        notification_send_email(notification_id=pk)
    (mail,) = [m for m in mailoutbox if m.to == ["lena@example.com"]]
    assert mail.subject == "You are no longer vouched on Pledge"
    assert "Ann's vouch for you no longer stands." in mail.body
    assert "/standing/" in mail.body and "What you can do" in mail.body
    assert Notification.objects.get(pk=notice.pk).emailed_at is not None


def test_a_voucher_who_no_longer_counts_is_named_discreetly(town, client_for):
    from datetime import timedelta

    from django.utils import timezone

    lena = MemberFactory(display_name="Lena")
    VouchFactory(voucher=town["ann"], vouchee=lena)
    recalculate()
    Member.objects.filter(pk=town["ann"].pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    recalculate()
    assert not vouched(lena)
    loss = standing_explanation(member=lena).lost
    assert [r.code for r in loss.reasons] == [LossCode.VOUCHER_GONE]
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "Ann's vouch no longer counts." in text and "suspended" not in text


def test_the_page_refreshes_itself_while_a_recalculation_is_on_its_way(town, client_for):
    client = client_for(town["jon"])
    page = client.get(reverse("vouching:standing")).text
    assert 'hx-trigger="standing-changed from:body"' in page
    assert "every 2s" not in page
    services.trust_graph_changed()  # a vouch landed; the run has not yet
    assert TrustState.load().dirty
    page = client.get(reverse("vouching:standing")).text
    assert "every 2s" in page and "this page updates by itself" in page
    fragment = client.get(reverse("vouching:standing"), HTTP_HX_REQUEST="true")
    assert fragment.text.lstrip().startswith('<div id="standing-explained"')
    assert "<html" not in fragment.text
    services.trust_recalculate()
    fragment = client.get(reverse("vouching:standing"), HTTP_HX_REQUEST="true").text
    assert "every 2s" not in fragment, "polling stops once the result lands"
    home = client.get(reverse("home")).text
    assert 'id="standing-panel"' in home and "every 2s" not in home
    services.trust_graph_changed()
    panel = client.get(reverse("vouching:standing_panel")).text
    assert "every 2s" in panel and "this card updates by itself" in panel


def test_answering_a_vouch_in_place_asks_the_standing_to_refresh(town, client_for):
    lena = MemberFactory(display_name="Lena")
    waiting = VouchFactory(voucher=town["ann"], vouchee=lena, status=Vouch.Status.PENDING)
    response = client_for(lena).post(
        reverse("vouching:vouch_accept", args=[waiting.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "standing-changed"
    declined = VouchFactory(voucher=town["bob"], vouchee=lena, status=Vouch.Status.DECLINED)
    refused = client_for(lena).post(
        reverse("vouching:vouch_accept", args=[declined.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in refused.text
    assert "HX-Trigger" not in refused, "nothing changed: nothing to refresh"


def test_another_metric_is_explained_without_shares(town, client_for, settings):
    settings.PLEDGE_TRUST_METRIC = "naive"
    lena = MemberFactory(display_name="Lena")
    for voucher in (town["f1"], town["f2"], town["ann"]):
        VouchFactory(voucher=voucher, vouchee=lena)
    services.trust_recalculate(force=True)
    assert TrustState.load().metric == "naive"
    text = client_for(lena).get(reverse("vouching:standing")).text
    assert "share of trust" not in text and "Counts towards your standing." in text


def test_the_explanation_columns_are_stored_and_follow_the_graph(town):
    rows = {r.member_id: r for r in TrustScore.objects.all()}
    assert rows[town["ann"].pk].established and rows[town["ann"].pk].spare
    assert not rows[town["jon"].pk].established
    assert rows[town["jon"].pk].carrier_ids == [town["ann"].pk]
    # Bob vouches for Jon too: Jon becomes established though his standing (vouched,
    # level) does not change, and the page must not wait for the scores' second step.
    from vouching.services import trust as trust_services

    VouchFactory(voucher=town["bob"], vouchee=town["jon"])
    services.trust_graph_changed()
    left = []
    original = trust_services._store_drift
    trust_services._store_drift = lambda *args: left.append(args)
    try:
        run = services.trust_recalculate()
    finally:
        trust_services._store_drift = original
    assert town["jon"].pk not in run.standing_changed and left
    assert TrustScore.objects.get(member=town["jon"]).established


def test_every_explanation_reads_in_chinese(town, django_capture_on_commit_callbacks, mailoutbox):
    from django.test import Client

    from tests.test_i18n import CHINESE_STATEMENT, english_left

    lena, kim = MemberFactory(display_name="琳"), MemberFactory(display_name="金")
    carrying = VouchFactory(voucher=town["ann"], vouchee=lena)
    VouchFactory(voucher=town["jon"], vouchee=kim)
    VouchFactory(voucher=kim, vouchee=lena)
    VouchFactory(voucher=town["bob"], vouchee=kim, status=Vouch.Status.PENDING)
    recalculate()
    services.vouch_withdraw(vouch=carrying, member=town["ann"])
    with django_capture_on_commit_callbacks(execute=True):
        services.trust_graph_changed()
    services.trust_graph_changed()
    Vouch.objects.update(statement=CHINESE_STATEMENT)
    for member in (lena, kim, town["ann"], town["jon"], town["f1"]):
        Member.objects.filter(pk=member.pk).update(language="zh-hans")
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(member)
        for url in (reverse("vouching:standing"), reverse("home")):
            assert english_left(client.get(url).text) == [], (member.display_name, url)
    with django_capture_on_commit_callbacks(execute=True):
        services.trust_recalculate()
    for member in (lena, kim):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(member)
        for url in (reverse("vouching:standing"), reverse("matchmaking:notifications")):
            assert english_left(client.get(url).text) == [], (member.display_name, url)
    for pk in notification_emails_pending():
        notification_send_email(notification_id=pk)
    (mail,) = [m for m in mailoutbox if m.to == [lena.email]]
    assert "不再获得担保" in mail.subject and english_left(mail.body) == []


def test_a_suspended_member_is_not_told_what_would_vouch_them(town, client_for):
    from datetime import timedelta

    from django.utils import timezone

    Member.objects.filter(pk=town["jon"].pk).update(
        suspended_until=timezone.now() + timedelta(days=2)
    )
    # Their session ends there: the sign-in page says why, and nothing else.
    text = client_for(town["jon"]).get(reverse("vouching:standing"), follow=True).text
    assert "Your account is suspended until" in text
    assert "What would make you vouched" not in text
    assert "It will count at the next recalculation" not in text
    assert "The vouches you accepted" not in text


def test_choosing_another_metric_records_lost_standing_without_telling_anyone(
    town, settings, django_capture_on_commit_callbacks
):
    from vouching.models import ModerationRecord

    settings.PLEDGE_TRUST_METRIC = "naive"  # nobody but the founders has three vouches
    with django_capture_on_commit_callbacks(execute=True):
        services.trust_recalculate(force=True)
    lost = set(
        ModerationRecord.objects.filter(action="standing_lost").values_list("member_id", flat=True)
    )
    assert lost == {town["ann"].pk, town["bob"].pk, town["jon"].pk}
    assert not Notification.objects.filter(kind=Notification.Kind.STANDING_LOST).exists()


def test_the_page_stops_asking_after_a_minute(town, client_for):
    client = client_for(town["jon"])
    services.trust_graph_changed()  # and no worker comes
    url = reverse("vouching:standing")
    asking = client.get(url, {"tries": "12"}, HTTP_HX_REQUEST="true").text
    assert "every 2s" in asking and "?tries=13" in asking
    tired = client.get(url, {"tries": "30"}, HTTP_HX_REQUEST="true").text
    assert "every 2s" not in tired and "taking longer than usual" in tired
    assert "?tries=" not in tired, "a new change starts counting again"
    assert "every 2s" in client.get(url, {"tries": "x"}, HTTP_HX_REQUEST="true").text
    panel = client.get(reverse("vouching:standing_panel"), {"tries": "30"}).text
    assert "every 2s" not in panel and "taking longer than usual" in panel


def test_a_stale_standing_lost_email_is_not_sent(
    town, mailoutbox, django_capture_on_commit_callbacks
):
    lena = MemberFactory(display_name="Lena")
    carrying = VouchFactory(voucher=town["ann"], vouchee=lena)
    recalculate()
    services.vouch_withdraw(vouch=carrying, member=town["ann"])
    with django_capture_on_commit_callbacks(execute=True):
        services.trust_recalculate()
    VouchFactory(voucher=town["bob"], vouchee=lena)  # back before the email goes out
    recalculate()
    for pk in notification_emails_pending():
        notification_send_email(notification_id=pk)
    assert not [m for m in mailoutbox if m.to == [lena.email]]
    assert Notification.objects.filter(recipient=lena, kind="standing_lost").exists()


def test_a_blocked_voucher_is_not_named_in_a_loss(town):
    lena = MemberFactory(display_name="Lena")
    carrying = VouchFactory(voucher=town["ann"], vouchee=lena)
    recalculate()
    services.vouch_withdraw(vouch=carrying, member=town["ann"])
    services.trust_graph_changed()
    services.trust_recalculate()
    services.member_block(member=lena, other=town["ann"])
    assert standing_explanation(member=lena).lost.reasons == ()


@pytest.mark.django_db(transaction=True)
def test_upgrading_marks_the_first_defaults_result_for_recalculation():
    """Migration 0012: the stored standing came from the first default (then called
    "pledge"), without the new explanations; the sweeper must recompute it."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("vouching", "0011_founder_index")]
    after = [("vouching", "0012_trust_flow_explanations")]
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("vouching", "TrustState")
        old.objects.update_or_create(
            pk=1,
            defaults={
                "generation": 7,
                "dirty": False,
                "computed_generation": 7,
                "metric": "pledge",
            },
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # Only the columns the migration knew: later ones do not exist yet.
        state = TrustState.objects.only(
            "metric", "dirty", "generation", "computed_generation"
        ).get()
        assert state.metric == "pledge-pagerank" and state.dirty and state.generation == 8
        assert state.is_stale
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
