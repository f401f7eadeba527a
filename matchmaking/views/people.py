"""Other members' dating profiles: browsing them, a profile's page and photos, interest
and passes, and a voucher confirming the photos."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services

from .. import selectors, services
from ..models import Profile
from .refusals import refusal_text


@login_required
def browse(request):
    refusal = selectors.browse_refusal(viewer=request.user)
    if refusal:
        return render(request, "matchmaking/browse_closed.html", {"reason": refusal})
    any_city = request.GET.get("city") == "any"
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    try:
        result = selectors.browse(viewer=request.user, any_city=any_city, page=page)
    except Profile.DoesNotExist:
        return render(request, "matchmaking/browse_closed.html", {"reason": "profile"})
    return render(request, "matchmaking/browse.html", {"page": result})


@login_required
def profile_detail(request, public_id):
    page = selectors.profile_page(viewer=request.user, public_id=public_id)
    return render(
        request,
        "matchmaking/profile_detail.html",
        {
            "profile": page.profile,
            "member": page.member,
            "is_self": page.is_self,
            "path": page.path,
            "vouches": page.vouches,
            "vouch_total": page.vouch_total,
            "reaction": page.reaction,
            "mutual": page.mutual,
            "confirmers": page.confirmers,
            "can_meet": page.can_meet,
            "can_ask": services.introduction_request_refusal(page.profile) is None,
            "vouched_for_them": page.vouched_for_them,
            "can_vouch": not page.is_self
            and not page.vouching_for_them
            and vouching_services.vouching_refusal(voucher=request.user) is None,
        },
    )


@login_required
def photo_file(request, photo_id, size):
    if size not in ("full", "thumb"):
        raise Http404
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    return vouching_selectors.image_response(photo.thumbnail if size == "thumb" else photo.image)


@require_POST
@login_required
def react(request, public_id, kind):
    target = selectors.profile_for_viewer(viewer=request.user, public_id=public_id).member
    error, match = None, None
    try:
        if kind == "interest":
            match = services.reaction_interest(actor=request.user, target=target)
        else:
            services.reaction_pass(actor=request.user, target=target)
    except ValidationError as exc:
        error = refusal_text(exc)
    if match:
        done = _("It's a match! You can write to %(name)s now.") % {"name": target.display_name}
    elif kind == "interest":
        done = _("Interest sent. %(name)s will only know if it is mutual.") % {
            "name": target.display_name
        }
    else:
        done = _("Passed. You will not see %(name)s in browsing again.") % {
            "name": target.display_name
        }
    if request.htmx:
        return render(
            request,
            "matchmaking/partials/reaction_result.html",
            {"member": target, "error": error, "done": None if error else done, "match": match},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    if match:
        return redirect("matchmaking:match", match_id=match.pk)
    return redirect(_next_on_this_site(request) or reverse("matchmaking:browse"))


def _next_on_this_site(request) -> str | None:
    """The page to go back to, if it is one of ours: never a redirect to another site."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else None


@require_POST
@login_required
def confirm_photos(request, public_id):
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    try:
        count = services.photo_confirm(voucher=request.user, profile=profile)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(
            request,
            _("Thank you: you confirmed %(count)d photos.") % {"count": count}
            if count
            else _("You had already confirmed these photos."),
        )
    return redirect("matchmaking:person", public_id=public_id)
