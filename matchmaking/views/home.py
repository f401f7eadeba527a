"""The home page: what Pledge is, or the signed-in member's standing and vouches."""

from django.shortcuts import render

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services

from .. import selectors


def home(request):
    """Signed out: what Pledge is and how to get in. Signed in: the member's standing."""
    if not request.user.is_authenticated:
        return render(request, "matchmaking/welcome.html")
    member = request.user
    return render(
        request,
        "matchmaking/home.html",
        {
            "card": vouching_selectors.standing_card(member=member),
            "vouches_received": vouching_selectors.vouches_received(member=member, viewer=member),
            "vouches_awaiting": vouching_selectors.vouches_awaiting(member=member),
            "vouches_given": vouching_selectors.vouches_given(member=member),
            "invitations": vouching_selectors.invitations_sent(member=member),
            "quota_remaining": vouching_selectors.vouch_quota_remaining(member=member),
            "refusal": vouching_services.vouching_refusal(voucher=member),
            "profile": selectors.own_profile(member=member, with_content=False),
            "notices": vouching_selectors.moderation_notices(member=member),
        },
    )
