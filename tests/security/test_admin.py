"""The Django admin: not at /admin/, no sign-in of its own, and behind the same door as
the moderators' console (a second factor used in this session) plus staff status."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory, ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return MemberFactory(is_staff=True, is_superuser=True, display_name="Root")


def every_admin_page(superuser):
    """The admin's index, and each registered model's list, add and change pages."""
    yield reverse("admin:index")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
    yield reverse("admin:vouching_member_change", args=[superuser.pk])


def test_the_admin_is_not_at_the_default_path(superuser, with_second_factor):
    assert settings.PLEDGE_ADMIN_PATH != "admin/"
    assert reverse("admin:index") == "/" + settings.PLEDGE_ADMIN_PATH
    assert with_second_factor(superuser).get("/admin/").status_code == 404
    assert Client().get("/admin/login/").status_code == 404


def test_a_password_alone_reaches_no_admin_page(superuser, with_second_factor):
    """A superuser with an authenticator set up, signed in with the password only."""
    with_second_factor(superuser)  # sets up TOTP
    client = Client()
    client.force_login(superuser)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": 1e10}]
    session["account_authentication_methods_user"] = str(superuser.pk)
    session.save()
    for url in every_admin_page(superuser):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        final = response.redirect_chain[-1][0]
        assert final.startswith(reverse("mfa_reauthenticate")), (url, final)
        assert response.status_code == 200 and "Django administration" not in response.text


def test_the_admin_has_no_password_form_of_its_own(superuser):
    client = Client()
    login = reverse("admin:login")
    response = client.post(login, {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_needs_staff_and_the_moderator_role_with_a_second_factor(with_second_factor):
    moderator_not_staff = with_second_factor(ModeratorFactory(display_name="Mod A"))
    assert moderator_not_staff.get(reverse("admin:index"), follow=True).status_code == 404
    staff_not_moderator = with_second_factor(MemberFactory(is_staff=True))
    assert staff_not_moderator.get(reverse("admin:index"), follow=True).status_code == 404
    staff_moderator = with_second_factor(ModeratorFactory(display_name="Mod B", is_staff=True))
    assert staff_moderator.get(reverse("admin:index")).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_sites_own_sign_in():
    response = Client().get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
