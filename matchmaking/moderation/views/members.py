"""A member under investigation: their dossier, a reported photo, and the actions on
them (suspend, ban, reinstate) and on a vouch (revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.forms import add_service_errors
from vouching.models import Member, Vouch

from ..access import moderator_required
from ..confirm import PreviewedAction
from ..forms import ActionForm, NoteForm, RemoveForm
from ..selectors import (
    CHAIN_MAX_STEPS,
    console_members,
    console_vouches,
    member_dossier,
    removal_preview,
    reported_photos,
    revocation_preview,
)


@moderator_required
def member_detail(request, public_id):
    member = get_object_or_404(console_members(), public_id=public_id)
    dossier = member_dossier(member=member)  # its fields are the page's names
    return render(
        request,
        "moderation/member.html",
        {"member": member, "chain_max_steps": CHAIN_MAX_STEPS, **vars(dossier)},
    )


@moderator_required
def photo(request, photo_id, size):
    """A reported member's photo, for the moderators: the dating privacy rule does not
    apply here, the console's permission and second factor do."""
    if size not in ("full", "thumb"):
        raise Http404
    found = get_object_or_404(reported_photos(), pk=photo_id)
    field = found.thumbnail if size == "thumb" else found.image
    return vouching_selectors.image_response(field, cache_control="private, no-store")


# ACTIONS ON A MEMBER ------------------------------------------------------------------


@moderator_required
def member_action(request, public_id, action):
    member = get_object_or_404(console_members(), public_id=public_id)
    if action not in ("suspend", "ban", "reinstate") or member.pk == request.user.pk:
        raise PermissionDenied
    if action == "reinstate":
        return _reinstate(request, member)
    return MemberRemoval(request, member, action=action).respond()


def _reinstate(request, member: Member) -> HttpResponse:
    """Reinstating costs nobody their standing: no preview, the form acts at once."""
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vouching_services.member_reinstate(
                member=member, moderator=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is reinstated.") % {"name": member})
            return redirect("moderation:member", public_id=member.public_id)
    return render(
        request,
        "moderation/action.html",
        {"form": form, "member": member, "title": _("Reinstate")},
    )


class MemberRemoval(PreviewedAction):
    """Suspending or banning one member."""

    scope = "remove"

    def __init__(self, request, member: Member, *, action: str):
        super().__init__(request, RemoveForm(request.POST or None, action=action))
        self.member, self.action = member, action

    def targets(self) -> dict:
        return {"member": str(self.member.public_id), "action": self.action}

    def get_preview(self):
        return removal_preview(
            members=[self.member], revoke_given=self.form.cleaned_data.get("revoke_given")
        )

    def act(self) -> None:
        data = self.form.cleaned_data
        grounds = {
            "member": self.member,
            "moderator": self.request.user,
            "reason": data["reason"],
            "note": data["note"],
            "revoke_given": data.get("revoke_given", False),
        }
        if self.action == "suspend":
            vouching_services.member_suspend(until=self.form.until_moment(), **grounds)
        else:
            vouching_services.member_ban(**grounds)

    def done(self) -> HttpResponse:
        messages.success(self.request, _("Done. It is in the log."))
        return redirect("moderation:member", public_id=self.member.public_id)

    def context(self) -> dict:
        title = _("Suspend") if self.action == "suspend" else _("Ban")
        return {"member": self.member, "title": title}


# ACTIONS ON A VOUCH -------------------------------------------------------------------


@moderator_required
def vouch_revoke_view(request, vouch_id):
    vouch = get_object_or_404(console_vouches(), pk=vouch_id)
    if not vouch.is_active:
        # Revoked meanwhile, or a second click on Confirm: say so, change nothing.
        messages.info(
            request,
            _("This vouch no longer stands (%(status)s): nothing was changed.")
            % {"status": vouch.get_status_display().lower()},
        )
        return redirect("moderation:member", public_id=vouch.vouchee.public_id)
    if request.user.pk in (vouch.voucher_id, vouch.vouchee_id):
        raise PermissionDenied
    return VouchRevocation(request, vouch).respond()


class VouchRevocation(PreviewedAction):
    scope = "revoke"

    def __init__(self, request, vouch: Vouch):
        super().__init__(request, ActionForm(request.POST or None))
        self.vouch = vouch

    def targets(self) -> dict:
        return {"vouch": self.vouch.pk}

    def get_preview(self):
        return revocation_preview(vouch=self.vouch, reason=self.form.cleaned_data["reason"])

    def act(self) -> None:
        vouching_services.vouch_revoke(
            vouch=self.vouch,
            moderator=self.request.user,
            reason=self.form.cleaned_data["reason"],
            note=self.form.cleaned_data["note"],
        )

    def done(self) -> HttpResponse:
        messages.success(self.request, _("The vouch is revoked."))
        return redirect("moderation:member", public_id=self.vouch.vouchee.public_id)

    def context(self) -> dict:
        return {"vouch": self.vouch, "title": _("Revoke a vouch")}
