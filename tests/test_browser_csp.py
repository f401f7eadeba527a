"""The Content-Security-Policy holds in a real browser: the main pages and an htmx
interaction run in Chromium without a single violation, and the policy really blocks
what it should."""

import pytest
from django.urls import reverse

from matchmaking import services
from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from tests.test_browser import browser, sign_in  # noqa: F401 - the browser fixture
from vouching import services as vouching_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports every violation on the console, also those Chromium would not log itself.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watch(page) -> list[str]:
    """The page's console errors about a policy (CSP or Permissions-Policy)."""
    problems = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        text = message.text
        if message.type == "error" and ("Policy" in text or "CSP" in text or "Refused" in text):
            problems.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return problems


def test_the_main_pages_and_htmx_run_without_a_policy_violation(browser, live_server):  # noqa: F811
    mei = VouchedMemberFactory(display_name="Mei")
    lena = woman(member__display_name="Lena")
    jon = man(member__display_name="Jon")
    VouchFactory(voucher=mei, vouchee=lena.member)
    VouchFactory(voucher=mei, vouchee=jon.member)
    vouching_services.trust_graph_changed()
    services.reaction_interest(actor=lena.member, target=jon.member)

    page = sign_in(browser, live_server, jon.member.email)
    problems = watch(page)
    page.reload()
    # htmx: interest in place, then the conversation it opens (which polls by itself).
    page.click("text=Browse")
    card = page.locator("article.profile-card", has_text="Lena")
    card.locator("button", has_text="Interested").click()
    card.locator("text=It's a match!").wait_for()
    card.locator("a", has_text="Say hello").click()
    page.fill("textarea[name=body]", "Hello!")
    page.click("button:has-text('Send')")
    page.locator(".bubble.mine", has_text="Hello!").wait_for()
    pages = [
        reverse("home"),
        reverse("matchmaking:profile"),
        reverse("matchmaking:matches"),
        reverse("matchmaking:introductions"),
        reverse("matchmaking:circle"),
        reverse("matchmaking:notifications"),
        reverse("vouching:vouch_new"),
        reverse("vouching:standing"),
        reverse("vouching:settings"),
        mei.get_absolute_url(),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
    ]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    page.goto(live_server.url + reverse("account_logout"))
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert problems == []


def test_the_policy_blocks_an_inline_script(browser, live_server):  # noqa: F811
    """The watch above sees violations: an injected inline script is refused and reported."""
    page = browser.new_context().new_page()
    problems = watch(page)
    page.goto(live_server.url + reverse("account_login"))
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in problem for problem in problems)
