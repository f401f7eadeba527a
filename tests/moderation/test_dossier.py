"""A member's dossier: how they got in, up to the founders."""

import pytest
from django.urls import reverse

from tests.factories import FounderFactory, MemberFactory, ModeratorFactory, VouchFactory

pytestmark = pytest.mark.django_db


def test_investigation_page(with_second_factor, community):
    mod = ModeratorFactory()
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


def test_the_chain_to_the_founders_says_when_it_was_cut(with_second_factor, community):
    founder = FounderFactory(display_name="Root")
    chain = [founder] + [MemberFactory(display_name=f"Link {i}") for i in range(8)]
    for a, b in zip(chain, chain[1:], strict=False):
        VouchFactory(voucher=a, vouchee=b)
    client = with_second_factor(ModeratorFactory())
    long = client.get(reverse("moderation:member", args=[chain[-1].public_id])).text
    assert "The chain goes on: only the first 6 steps are shown" in long
    short = client.get(reverse("moderation:member", args=[community["cat"].public_id])).text
    assert "The chain goes on" not in short
