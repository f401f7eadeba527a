"""A member closes their account in a real browser: settings, what happens, their
password, and the goodbye page, signed out."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, VouchedMemberFactory
from tests.test_browser import browser, sign_in  # noqa: F401 - the browser fixture
from vouching.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_closes_their_account(browser, live_server, media):  # noqa: F811
    lena = VouchedMemberFactory(display_name="Lena")
    page = sign_in(browser, live_server, lena.email)
    page.click("nav >> text=Settings")
    page.click("text=Close your account")
    page.locator("text=it cannot be undone").wait_for()
    page.click("button:has-text('Close my account')")
    # allauth asks for the password again, then carries on with the closure.
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.locator("h1", has_text="Your account is closed").wait_for()
    assert not Member.objects.filter(pk=lena.pk).exists()
    assert page.locator("text=Sign in").count() >= 1
    page.goto(live_server.url + reverse("vouching:settings"))
    assert reverse("account_login") in page.url


def test_a_member_downloads_their_data_after_the_password_check(
    browser,  # noqa: F811
    live_server,
    media,
):
    lena = VouchedMemberFactory(display_name="Lena")
    page = sign_in(browser, live_server, lena.email)
    page.goto(live_server.url + reverse("matchmaking:data_export"))
    page.click("button:has-text('Prepare my download')")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    # Back on the data page (not left on the password page), with the download on offer.
    page.locator("text=your download is ready").wait_for()
    assert page.url.endswith(reverse("matchmaking:data_export"))
    with page.expect_download() as caught:
        page.click("button:has-text('Download my data')")
    download = caught.value
    assert download.suggested_filename.startswith("pledge-")
    assert download.suggested_filename.endswith(".zip")
