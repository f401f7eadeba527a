"""Display names that hide, reorder or impersonate are refused; passwords may not be the
name either."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import (
    PASSWORD,
    InvitationFactory,
    ModeratorFactory,
    VouchedMemberFactory,
    VouchFactory,
)
from tests.vouching.test_invitation_flow import signup
from vouching.models import Member
from vouching.selectors import invitation_token
from vouching.services import display_name_check, name_fold

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Mei   Chen ", "Mei Chen"),
        ("Ｍｅｉ", "Mei"),  # fullwidth letters
        ("ﬁona", "fiona"),  # a ligature
        ("Zoë", "Zoë"),
        ("Nguyễn Thị", "Nguyễn Thị"),  # combining marks composed
        ("محمد", "محمد"),  # right-to-left letters are letters
        ("李雷", "李雷"),
    ],
)
def test_names_are_normalised(typed, stored):
    assert display_name_check(name=typed) == stored


@pytest.mark.parametrize(
    "name",
    [
        "Mei\u200bChen",  # zero-width space
        "Mei\u200d",  # zero-width joiner
        "\u202enehC ieM",  # right-to-left override
        "Mei \u2067Chen\u2069",  # isolates
        "Mei\u0007",  # a control character
        "Mei\ue000",  # private use
        "Mei\u0378",  # unassigned
        "Z\u0301\u0302\u0303\u0304alg",  # too many combining marks on one letter
        "...",  # no letter at all
    ],
)
def test_invisible_and_reordering_characters_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        display_name_check(name=name)
    assert refused.value.code in {"characters", "required"}


@pytest.mark.parametrize(
    "name", ["Pledge", "PLEDGE", "P1edge", "Moderator", "Mod.erator", "Мoderator", "Pledge Team"]
)
def test_official_looking_names_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        display_name_check(name=name)
    assert refused.value.code == "reserved"


def test_folding_sees_through_case_accents_and_look_alikes():
    assert name_fold("Ａda Lövelace") == name_fold("ada lovelace") == name_fold("Аdа Lovеlace")
    assert name_fold("Mei") != name_fold("Mai")


def test_a_moderators_name_is_refused_but_the_moderator_keeps_theirs():
    moderator = ModeratorFactory(display_name="Ada Lovelace")
    with pytest.raises(ValidationError) as refused:
        display_name_check(name="ada  LOVELACE")
    assert refused.value.code == "moderator"
    with pytest.raises(ValidationError):
        display_name_check(name="Аdа Lovеlace")  # Cyrillic а and е
    assert display_name_check(name="Ada Lovelace", member=moderator) == "Ada Lovelace"


def test_a_name_in_ones_own_circle_is_refused_elsewhere_it_is_free():
    voucher = VouchedMemberFactory(display_name="Jon")
    mei = VouchedMemberFactory(display_name="Mei Chen")
    VouchFactory(voucher=voucher, vouchee=mei)
    newcomer = VouchedMemberFactory(display_name="New")
    VouchFactory(voucher=voucher, vouchee=newcomer)
    with pytest.raises(ValidationError) as refused:
        display_name_check(name="mei chen", member=newcomer)
    assert refused.value.code == "taken"
    # Someone with no one in common may be called Mei Chen too.
    assert display_name_check(name="Mei Chen", member=VouchedMemberFactory()) == "Mei Chen"


def join(inviter, display_name, **overrides):
    invitation = InvitationFactory(inviter=inviter)
    client = Client()
    client.get(reverse("vouching:invitation", kwargs={"token": invitation_token(invitation)}))
    response = signup(client, email=invitation.email, display_name=display_name, **overrides)
    return response, Member.objects.filter(email=invitation.email).first()


@pytest.mark.parametrize(
    ("display_name", "message"),
    [
        ("Mei\u202e", "invisible or control character"),
        ("Moderator", "look official"),
        ("Lena Vogel", "already goes by this name"),  # the inviter vouched for a Lena Vogel
    ],
)
def test_signup_refuses_such_names_next_to_the_field(founder, display_name, message):
    VouchFactory(voucher=founder, vouchee=VouchedMemberFactory(display_name="Lena Vogel"))
    response, joined = join(founder, display_name)
    assert response.status_code == 200 and joined is None
    assert message in response.content.decode()


def test_the_settings_page_refuses_them_too(member, client_for):
    ModeratorFactory(display_name="Ada Lovelace")
    client = client_for(member)
    response = client.post(reverse("vouching:settings"), {"display_name": "ADA LOVELACE"})
    assert response.status_code == 200 and "a moderator" in response.content.decode()
    response = client.post(reverse("vouching:settings"), {"display_name": " Ｍｅｉ "})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Mei"


def test_signup_refuses_a_password_like_the_display_name(founder):
    response, joined = join(
        founder,
        "Quintessa Brightwater",
        password1="quintessabrightwater",
        password2="quintessabrightwater",
    )
    assert joined is None
    assert "too similar to the display name" in response.content.decode()


def test_a_password_change_refuses_one_like_the_display_name(client_for):
    member = VouchedMemberFactory(display_name="Quintessa Brightwater")
    client = client_for(member)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Brightwater!", "password2": "Brightwater!"},
    )
    assert response.status_code == 200
    assert "too similar to the display name" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
