"""A single in a real browser: sign in, browse, see the trust path, show interest, get a
match and exchange messages. Debian's Chromium, driven by Playwright, against a live
server on the test database."""

import os
import shutil
import time

import pytest
from django.urls import reverse

from matchmaking import services
from matchmaking.models import Match, Message
from tests.factories import PASSWORD, VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services

CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("PLEDGE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and this run requires the browser tests")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself are safe here. Only the test process sets this, never a deployment.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


def sign_in(browser, live_server, email):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("account_login"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(live_server.url + "/")
    return page


def test_a_single_meets_someone_through_a_friend(browser, live_server):
    mei = VouchedMemberFactory(display_name="Mei")
    lena = woman(member__display_name="Lena", bio="Hiking and hot pot.")
    jon = man(member__display_name="Jon")
    VouchFactory(voucher=mei, vouchee=lena.member, relationship="family", strength=3)
    VouchFactory(voucher=mei, vouchee=jon.member, relationship="colleague", strength=2)
    vouching_services.trust_graph_changed()
    services.reaction_interest(actor=lena.member, target=jon.member)  # she already likes him

    page = sign_in(browser, live_server, jon.member.email)
    page.click("text=Browse")
    card = page.locator("article.profile-card", has_text="Lena")
    card.wait_for()
    # The trust path on the card, with the relationship on each hop.
    assert "Mei" in card.inner_text() and "(Colleague)" in card.inner_text()
    card.locator("button", has_text="Interested").click()
    card.locator("text=It's a match!").wait_for()
    assert Match.objects.active().between(jon.member, lena.member).exists()

    card.locator("a", has_text="Say hello").click()
    page.fill("textarea[name=body]", "Hi Lena! Mei told me about you.")
    page.click("button:has-text('Send')")
    page.locator(".bubble.mine", has_text="Mei told me about you").wait_for()
    page.locator("text=Wait for Lena to reply").wait_for()

    her = sign_in(browser, live_server, lena.member.email)
    her.goto(live_server.url + reverse("matchmaking:matches"))
    her.click("text=Jon")
    her.locator(".bubble.theirs", has_text="Mei told me about you").wait_for()
    her.fill("textarea[name=body]", "Hello Jon! Saturday, the tea house?")
    her.click("button:has-text('Send')")
    her.locator(".bubble.mine", has_text="tea house").wait_for()

    # Jon's conversation refreshes itself every ten seconds, and brings his reply form
    # back with Lena's answer: he writes again without reloading the page.
    page.locator(".bubble.theirs", has_text="Saturday, the tea house?").wait_for(timeout=20_000)
    page.locator("textarea[name=body]").wait_for()
    assert page.locator("text=Wait for Lena to reply").count() == 0
    page.fill("textarea[name=body]", "Saturday it is. See you there!")
    page.click("button:has-text('Send')")
    page.locator(".bubble.mine", has_text="See you there!").wait_for()
    assert Message.objects.count() == 3


def test_a_moderator_works_a_report_and_revokes_a_bad_vouch(browser, live_server):
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
    )

    from matchmaking.models import Report
    from tests.factories import FounderFactory, MemberFactory
    from vouching.models import ModerationRecord, Vouch

    vic = VouchedMemberFactory(display_name="Vic")
    for name in ("Founder", "Second founder"):
        VouchFactory(voucher=FounderFactory(display_name=name), vouchee=vic)
    rex = MemberFactory(display_name="Rex")
    bad = VouchFactory(
        voucher=vic, vouchee=rex, statement="Rex is my oldest friend, I promise!" * 2
    )
    reporter = VouchedMemberFactory(display_name="Rosa")
    services.report_file(
        reporter=reporter, reported=vic, reason="fake", note="Vic met Rex yesterday.", vouch=bad
    )
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()
    moderator = MemberFactory(display_name="Moderator")
    vouching_services.moderator_grant(member=moderator)
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)

    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("moderation:dashboard"))
    page.fill("input[name=login]", moderator.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    # The second factor: a code from the authenticator app.
    page.locator("input[name=code]").wait_for()
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD  # the current period
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, counter)))
    page.press("input[name=code]", "Enter")
    page.locator("h1", has_text="Moderation").wait_for()

    page.click("nav.console-nav >> text=Reports")
    page.click("text=Rosa reports Vic")
    page.click("button:has-text('Claim this report')")
    page.select_option("select[name=action]", "revoke_vouch")
    page.select_option("select[name=reason]", "bad_vouch")
    page.fill("textarea[name=note]", "Vic vouched for someone he met the day before.")
    page.click("button:has-text('Preview or resolve')")
    preview = page.locator("section.preview")
    preview.wait_for()
    assert "Rex" in preview.inner_text()  # Rex would lose vouched standing
    assert Vouch.objects.get(pk=bad.pk).status == "accepted"
    page.click("button:has-text('Confirm')")
    page.locator("h1", has_text="Open reports").wait_for()
    assert Vouch.objects.get(pk=bad.pk).status == "revoked"
    assert Report.objects.get().status == "resolved"

    page.click("nav.console-nav >> text=Log")
    log = page.locator("table.log")
    log.wait_for()
    text = log.inner_text()
    assert "Revoked a vouch" in text and "met the day before" in text
    assert "Pledge forfeited" in text and "Resolved a report" in text
    assert ModerationRecord.objects.filter(action="revoke_vouch", actor=moderator).exists()


@pytest.mark.celery_worker
def test_a_pending_member_sees_what_would_vouch_them_and_it_lands_by_itself(
    browser, live_server, celery_worker
):
    """Pending, Lena reads which vouch would make her vouched; she accepts it in place and
    her standing turns to vouched on the same page, once the real worker's
    recalculation lands: no reload."""
    from tests.conftest import wait_for
    from tests.factories import FounderFactory, MemberFactory
    from vouching.models import Member, Vouch

    founders = [FounderFactory(display_name=name) for name in ("Ada", "Bo")]
    ann = MemberFactory(display_name="Ann")
    for founder in founders:
        VouchFactory(voucher=founder, vouchee=ann)
    lena = MemberFactory(display_name="Lena")
    waiting = VouchFactory(voucher=ann, vouchee=lena, status=Vouch.Status.PENDING)
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()

    page = sign_in(browser, live_server, lena.email)
    panel = page.locator("#standing-panel")
    assert "Pending" in panel.inner_text()
    panel.locator("text=What would make you vouched").click()
    page.locator("text=Accept Ann's vouch: it would make you vouched.").wait_for()
    page.click("text=Answer it")
    page.evaluate("window.sameDocument = true")
    page.locator(f"#vouch-{waiting.pk} button", has_text="Accept").click()
    page.locator(f"#vouch-{waiting.pk} >> text=You accepted the vouch").wait_for()
    # The card asks again at once, and keeps asking while the run is on its way...
    wait_for(lambda: Member.objects.in_good_standing().filter(pk=lena.pk).exists(), timeout=30)
    # ...until the worker's result lands: vouched, on the same page.
    panel.locator(".badge-vouched").wait_for(timeout=20_000)
    assert page.evaluate("window.sameDocument") is True, "the page was not reloaded"
    assert "every 2s" not in panel.evaluate("node => node.outerHTML")
    page.click("text=Which vouches carry your standing")
    page.locator("text=the vouch of Ann carries your share of trust").wait_for()
