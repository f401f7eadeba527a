"""Suspicious rings: clusters of new members vouching densely for each other, and
suspending the members a moderator ticks, all of them or none."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.models import Member

from ..access import moderator_required
from ..confirm import PreviewedAction
from ..forms import RemoveForm
from ..selectors import members_chosen, removal_preview


@moderator_required
def rings(request):
    chosen: list[Member] = []
    if request.method == "POST":
        chosen = members_chosen(
            public_ids=_ticked(request.POST.getlist("members")), moderator=request.user
        )
    return RingSuspension(request, chosen).respond()


def _ticked(values: list[str]) -> list[uuid.UUID]:
    """The ticked members' ids; anything that is not one is passed over."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


class RingSuspension(PreviewedAction):
    """Suspending the chosen members of a ring together."""

    scope = "rings"
    template_name = "moderation/rings.html"

    def __init__(self, request, chosen: list[Member]):
        super().__init__(
            request,
            RemoveForm(request.POST or None, action="suspend"),
            hidden=[("members", str(m.public_id)) for m in chosen],
            summary=[(_("Members"), ", ".join(m.display_name for m in chosen))],
        )
        self.chosen = chosen

    def is_valid(self) -> bool:
        if not self.chosen:
            self.form.add_error(None, _("Choose the members to suspend."))
            return False
        return self.form.is_valid()

    def targets(self) -> dict:
        return {"members": sorted(str(m.public_id) for m in self.chosen)}

    def get_preview(self):
        return removal_preview(
            members=self.chosen, revoke_given=self.form.cleaned_data.get("revoke_given", False)
        )

    def act(self) -> None:
        data = self.form.cleaned_data
        with transaction.atomic():  # all of the ring or none of it
            for member in self.chosen:
                vouching_services.member_suspend(
                    member=member,
                    moderator=self.request.user,
                    until=self.form.until_moment(),
                    reason=data["reason"],
                    note=data["note"],
                    revoke_given=data.get("revoke_given", False),
                )

    def done(self) -> HttpResponse:
        count = len(self.chosen)
        messages.success(self.request, _("%(count)d members suspended.") % {"count": count})
        return redirect("moderation:rings")

    def context(self) -> dict:
        return {"rings": vouching_selectors.suspicious_rings(), "chosen": self.chosen}
