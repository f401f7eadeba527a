"""Introductions: asking a friend in the middle, playing matchmaker, and answering."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching.forms import add_service_errors

from .. import selectors, services
from ..forms import IntroductionNoteForm, IntroductionOfferForm, IntroductionRequestForm
from .refusals import refusal_text


@login_required
def introduction_ask(request, public_id):
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    if not selectors.may_express_interest(viewer=request.user, profile=profile, seen=True):
        messages.error(request, _("This profile is not available."))
        return redirect("matchmaking:person", public_id=public_id)
    refusal = services.introduction_request_refusal(profile)
    if refusal:
        messages.error(request, refusal)
        return redirect("matchmaking:person", public_id=public_id)
    target = profile.member
    mutual = selectors.mutual_connections(viewer=request.user, member=target)
    form = IntroductionRequestForm(request.POST or None, mutual=mutual)
    if request.method == "POST" and form.is_valid():
        intermediary = next(
            m for m in mutual if str(m.public_id) == form.cleaned_data["intermediary"]
        )
        try:
            services.introduction_request(
                requester=request.user,
                target=target,
                intermediary=intermediary,
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request is with %(name)s. Only they can see it.")
                % {"name": intermediary.display_name},
            )
            return redirect("matchmaking:introductions")
    return render(
        request,
        "matchmaking/introduction_ask.html",
        {"form": form, "target": target, "mutual": mutual},
    )


@login_required
def introductions(request):
    return render(
        request,
        "matchmaking/introductions.html",
        {**selectors.introductions_for(member=request.user), "note_form": IntroductionNoteForm()},
    )


@require_POST
@login_required
def introduction_act(request, introduction_id, action):
    introduction = selectors.introduction_for_member(
        member=request.user, introduction_id=introduction_id
    )
    done = {
        "introduce": _("You introduced them. Thank you for making the connection."),
        "decline": _("You declined. Nobody is told why."),
        "accept": _("You accepted the introduction."),
        "reject": _("You declined the introduction."),
        "withdraw": _("You withdrew the introduction."),
    }
    try:
        if action == "introduce":
            form = IntroductionNoteForm(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    " ".join(e for errors in form.errors.values() for e in errors)
                )
            services.introduction_introduce(
                introduction=introduction, member=request.user, note=form.cleaned_data["note"]
            )
        elif action == "decline":
            services.introduction_decline_quietly(introduction=introduction, member=request.user)
        elif action in ("accept", "reject"):
            services.introduction_respond(
                introduction=introduction, member=request.user, accept=action == "accept"
            )
        elif action == "withdraw":
            services.introduction_withdraw(introduction=introduction, member=request.user)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, done[action])
    return redirect("matchmaking:introductions")


@login_required
def introduction_offer(request):
    """Play matchmaker: introduce two people you know."""
    people = selectors.people_known(member=request.user)
    form = IntroductionOfferForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        by_id = {str(m.public_id): m for m in people}
        try:
            services.introduction_offer(
                intermediary=request.user,
                person_a=by_id[form.cleaned_data["person_a"]],
                person_b=by_id[form.cleaned_data["person_b"]],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your introduction is on its way to both of them."))
            return redirect("matchmaking:introductions")
    return render(request, "matchmaking/introduction_offer.html", {"form": form})
