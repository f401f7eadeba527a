"""A member's own dating profile and photos."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching.forms import add_service_errors

from .. import selectors, services
from ..forms import PhotoForm, ProfileForm
from .refusals import refusal_text


@login_required
def profile_edit(request):
    profile = selectors.own_profile(member=request.user)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(
                member=request.user, fields=form.profile_fields(), prompts=form.prompts()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("matchmaking:profile")
    return render(
        request,
        "matchmaking/profile_edit.html",
        {"form": form, "profile": profile, "photo_form": PhotoForm()},
    )


@require_POST
@login_required
def profile_pause(request):
    if selectors.own_profile(member=request.user) is None:
        raise Http404
    if request.POST.get("pause") == "1":
        services.profile_pause(member=request.user)
        messages.success(request, _("Your profile is hidden. Nothing is lost."))
    else:
        services.profile_resume(member=request.user)
        messages.success(request, _("Your profile is shown again."))
    return redirect("matchmaking:profile")


@require_POST
@login_required
def photo_add(request):
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.photo_add(member=request.user, upload=form.cleaned_data["photo"])
        except ValidationError as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("matchmaking:profile")


@require_POST
@login_required
def photo_delete(request, photo_id):
    photo = selectors.own_photo(member=request.user, photo_id=photo_id)
    services.photo_delete(member=request.user, photo=photo)
    messages.success(request, _("Photo removed."))
    return redirect("matchmaking:profile")


@require_POST
@login_required
def photo_main(request, photo_id):
    photo = selectors.own_photo(member=request.user, photo_id=photo_id)
    services.photo_make_main(member=request.user, photo=photo)
    return redirect("matchmaking:profile")
