"""Appeals: the open ones, and a moderator's decision on one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching import services as vouching_services
from vouching.models import Appeal

from ..access import moderator_required
from ..forms import NoteForm
from ..selectors import appeal_queue


@moderator_required
def appeals(request):
    return render(
        request, "moderation/appeals.html", {"appeals": appeal_queue(), "form": NoteForm()}
    )


@moderator_required
@require_POST
def appeal_decide_view(request, appeal_id):
    appeal = get_object_or_404(Appeal, pk=appeal_id)
    decision = request.POST.get("decision")
    if decision not in ("uphold", "reject"):
        messages.error(request, _("Choose whether to uphold or reject the appeal."))
        return redirect("moderation:appeals")
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Explain the decision: the member will read it."))
        return redirect("moderation:appeals")
    try:
        outcome = vouching_services.appeal_decide(
            appeal=appeal,
            moderator=request.user,
            uphold=decision == "uphold",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appeal decided."))
        for note in outcome.notes:
            messages.warning(request, note)
    return redirect("moderation:appeals")
