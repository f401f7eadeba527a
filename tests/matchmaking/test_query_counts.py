"""List pages run a bounded number of queries: the same with two objects as with eight,
so an N+1 cannot creep in."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from matchmaking import services
from matchmaking.models import Notification
from tests.factories import InvitationFactory, VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "#3a5fb3").save(out, format="JPEG")
    return out.getvalue()


def matches_page(n):
    him = man().member
    for _ in range(n):
        her = woman().member
        services.reaction_interest(actor=him, target=her)
        match = services.reaction_interest(actor=her, target=him)
        services.message_send(match=match, sender=her, body="Hello!")
    return him, reverse("matchmaking:matches")


def introductions_page(n):
    """Mei: asked for n introductions, offered n, and has n offered to her to answer."""
    mei = woman().member
    for _ in range(n):
        him, her, other = man().member, woman().member, man().member
        for person in (him, her, other):
            VouchFactory(voucher=mei, vouchee=person)
        vouching_services.trust_graph_changed()
        services.introduction_request(requester=him, target=her, intermediary=mei)
        services.introduction_offer(intermediary=mei, person_a=other, person_b=her, note="!")
        friend = VouchedMemberFactory()
        VouchFactory(voucher=friend, vouchee=mei)
        VouchFactory(voucher=friend, vouchee=other)
        vouching_services.trust_graph_changed()
        services.introduction_offer(intermediary=friend, person_a=other, person_b=mei, note="!")
    return mei, reverse("matchmaking:introductions")


def notifications_page(n):
    him = man().member
    for _ in range(n):
        her = woman().member
        services.reaction_interest(actor=her, target=him)
        match = services.reaction_interest(actor=him, target=her)  # a match notification
        services.message_send(match=match, sender=her, body="Hello!")  # a message one
        vouch = VouchFactory(voucher=her, vouchee=him, status="pending")
        Notification.objects.create(recipient=him, actor=her, kind="vouch", vouch=vouch)
    return him, reverse("matchmaking:notifications")


def profile_page(n):
    her = woman()
    for _ in range(n):
        VouchFactory(voucher=VouchedMemberFactory(), vouchee=her.member)
    for _ in range(min(n, 6)):
        services.photo_add(member=her.member, upload=SimpleUploadedFile("a.jpg", jpeg()))
    voucher = man().member
    VouchFactory(voucher=voucher, vouchee=her.member)
    services.photo_confirm(voucher=voucher, profile=her)
    vouching_services.trust_graph_changed()
    return voucher, reverse("matchmaking:person", args=[her.member.public_id])


def circle_page(n):
    mei = VouchedMemberFactory()
    for _ in range(n):
        friend = VouchedMemberFactory()
        VouchFactory(voucher=mei, vouchee=friend)
        VouchFactory(voucher=VouchedMemberFactory(), vouchee=friend)
    vouching_services.trust_graph_changed()
    return mei, reverse("matchmaking:circle")


def home_page(n):
    member = VouchedMemberFactory()
    for _ in range(n):
        VouchFactory(voucher=member, vouchee=VouchedMemberFactory())
        VouchFactory(voucher=VouchedMemberFactory(), vouchee=member)
        VouchFactory(voucher=VouchedMemberFactory(), vouchee=member, status="pending")
        InvitationFactory(inviter=member)
    woman(member=member)
    return member, reverse("home")


PAGES = {
    "matches": matches_page,
    "introductions": introductions_page,
    "notifications": notifications_page,
    "profile": profile_page,
    "circle": circle_page,
    "home": home_page,
}


# What each page needs today, and a little room: an N+1 would add at least six queries
# between two objects and eight.
# Tightened with issue 12's cuts (blocks read once per request, the header's moderator
# link from the cache, one graph generation per profile page).
BOUNDS = {
    "matches": 8,
    "introductions": 10,
    "notifications": 9,
    "profile": 25,
    "circle": 9,
    "home": 21,
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("n", [2, 8])
def test_list_pages_run_a_bounded_number_of_queries(
    page, n, client_for, settings, tmp_path, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    settings.INTRODUCTION_DAILY_QUOTA = 100
    member, url = PAGES[page](n)
    client = client_for(member)
    client.get(url)  # warm the trust caches, as any page before it would
    with django_assert_max_num_queries(BOUNDS[page]):
        response = client.get(url)
    assert response.status_code == 200
