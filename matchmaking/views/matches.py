"""Matches and their conversations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching.forms import add_service_errors

from .. import selectors, services
from ..forms import MessageForm


@login_required
def matches(request):
    return render(
        request, "matchmaking/matches.html", {"matches": selectors.matches_of(member=request.user)}
    )


def _conversation_context(request, match):
    services.messages_mark_read(match=match, member=request.user)
    conversation = list(selectors.messages_of(match=match))
    other = match.other(request.user)
    waiting = bool(conversation) and all(m.sender_id == request.user.pk for m in conversation)
    return {"match": match, "other": other, "conversation": conversation, "waiting": waiting}


@login_required
def match_detail(request, match_id):
    match = selectors.match_for_member(member=request.user, match_id=match_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(match=match, sender=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return render(
                    request,
                    "matchmaking/partials/conversation.html",
                    {**_conversation_context(request, match), "form": MessageForm()},
                )
            return redirect("matchmaking:match", match_id=match.pk)
    context = {**_conversation_context(request, match), "form": form}
    if request.htmx:
        return render(request, "matchmaking/partials/conversation.html", context)
    return render(request, "matchmaking/match.html", context)


@login_required
def match_messages(request, match_id):
    """The conversation alone, for the page to refresh every few seconds; and the reply
    area too (out of band) when the page's waiting for a reply has changed, so the form
    comes back once the other has replied. Otherwise it is left alone: a half-written
    message stays."""
    match = selectors.match_for_member(member=request.user, match_id=match_id)
    context = _conversation_context(request, match)
    shown = request.GET.get("waiting")
    context["reply_changed"] = shown in ("0", "1") and shown != ("1" if context["waiting"] else "0")
    context["form"] = MessageForm()
    return render(request, "matchmaking/partials/messages_polled.html", context)


@require_POST
@login_required
def unmatch(request, match_id):
    match = selectors.match_for_member(member=request.user, match_id=match_id)
    services.match_end(member=request.user, match=match)
    messages.success(
        request, _("You unmatched %(name)s.") % {"name": match.other(request.user).display_name}
    )
    return redirect("matchmaking:matches")
