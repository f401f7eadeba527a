from django.shortcuts import render
from django.utils import timezone

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services


def home(request):
    """Signed out: what Pledge is and how to get in. Signed in: the member's standing."""
    if not request.user.is_authenticated:
        return render(request, "matchmaking/welcome.html")
    member = request.user
    return render(
        request,
        "matchmaking/home.html",
        {
            "standing": member.standing,
            "trust_state": vouching_selectors.trust_state(),
            "vouches_received": vouching_selectors.vouches_received(member=member),
            "vouches_awaiting": vouching_selectors.vouches_awaiting(member=member),
            "vouches_given": vouching_selectors.vouches_given(member=member),
            "invitations": vouching_selectors.invitations_sent(member=member),
            "quota_remaining": vouching_selectors.vouch_quota_remaining(member=member),
            "refusal": vouching_services.vouching_refusal(voucher=member),
            "forfeits_in_force": vouching_selectors.forfeits_of(member=member)
            .filter(until__gt=timezone.now())
            .count(),
        },
    )
