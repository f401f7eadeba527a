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
