"""Blocking someone, and reporting a profile, a photo, a message or a vouch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching import selectors as vouching_selectors
from vouching.forms import add_service_errors
from vouching.models import Member

from .. import selectors, services
from ..forms import ReportForm
from .refusals import refusal_text


@require_POST
@login_required
def block(request, public_id):
    other = vouching_selectors.member_visible(viewer=request.user, public_id=public_id)
    try:
        services.member_block(member=request.user, other=other)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
        return redirect("home")
    messages.success(
        request,
        _("You blocked %(name)s. Neither of you will see the other anywhere on Pledge.")
        % {"name": other.display_name},
    )
    return redirect("home")


def _report(request, *, reported: Member, back: str, **target):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_file(
                reporter=request.user,
                reported=reported,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                **target,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. The moderators will look at it."))
            return redirect(back)
    return render(
        request, "matchmaking/report.html", {"form": form, "reported": reported, "back": back}
    )


@login_required
def report_profile(request, public_id):
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    return _report(
        request,
        reported=profile.member,
        back=reverse("matchmaking:person", args=[public_id]),
        profile=profile,
    )


@login_required
def report_photo(request, photo_id):
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    member = photo.profile.member
    return _report(
        request,
        reported=member,
        back=reverse("matchmaking:person", args=[member.public_id]),
        photo=photo,
    )


@login_required
def report_message(request, message_id):
    message = selectors.message_to_report(member=request.user, message_id=message_id)
    ended = message.match.ended_at is not None  # unmatched, or one blocked the other
    return _report(
        request,
        reported=message.sender,
        back=reverse("matchmaking:matches")
        if ended
        else reverse("matchmaking:match", args=[message.match_id]),
        message=message,
    )


@login_required
def report_vouch(request, vouch_id):
    vouch = selectors.vouch_to_report(member=request.user, vouch_id=vouch_id)
    return _report(
        request,
        reported=vouch.voucher,
        back=vouch.vouchee.get_absolute_url(),
        vouch=vouch,
    )
