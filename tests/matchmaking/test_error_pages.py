"""The error pages render without the database: it may be the reason they are shown.
These tests have no database at all: pytest-django fails any query."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from matchmaking.views.errors import server_error


def shown_for(error, language="en"):
    request = RequestFactory().get("/browse/")
    translation.activate(language)
    try:
        raise error
    except Exception:  # noqa: BLE001 - handler500 is called while handling it
        return server_error(request)


@pytest.mark.parametrize("error", [OperationalError("gone"), InterfaceError("closed")])
def test_the_database_away_is_a_503_that_says_when_to_try_again(error):
    response = shown_for(error)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    text = response.content.decode()
    assert "Pledge is back in a moment" in text and "css/pledge" in text
    assert 'href="/browse/"' in text  # try the same page again
    assert "Sign in" in text, "the signed-out header: nothing asked of the session"
    assert "Pledge 马上回来" in shown_for(error, "zh-hans").content.decode()


def test_any_other_error_is_the_styled_500():
    response = shown_for(ValueError("a bug"))
    assert response.status_code == 500 and "Retry-After" not in response
    text = response.content.decode()
    assert "Something went wrong on our side" in text and "css/pledge" in text
    assert "我们这边出了点问题" in shown_for(ValueError("a bug"), "zh-hans").content.decode()
