from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vouching import selectors as vouching_selectors
from vouching import services as vouching_services
from vouching.forms import add_service_errors
from vouching.images import image_response
from vouching.models import Member, Vouch

from . import circle, selectors, services
from .forms import (
    IntroductionNoteForm,
    IntroductionOfferForm,
    IntroductionRequestForm,
    MessageForm,
    PhotoForm,
    ProfileForm,
    ReportForm,
)
from .models import Photo, Profile


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
            "profile": selectors.own_profile(member),
            "notices": vouching_selectors.moderation_notices(member=member),
        },
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# YOUR PROFILE -------------------------------------------------------------------------


@login_required
def profile_edit(request):
    profile = selectors.own_profile(request.user)
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
    if selectors.own_profile(request.user) is None:
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
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Photo added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("matchmaking:profile")


def _own_photo(request, photo_id) -> Photo:
    return get_object_or_404(Photo, pk=photo_id, profile__member=request.user)


@require_POST
@login_required
def photo_delete(request, photo_id):
    services.photo_delete(member=request.user, photo=_own_photo(request, photo_id))
    messages.success(request, _("Photo removed."))
    return redirect("matchmaking:profile")


@require_POST
@login_required
def photo_main(request, photo_id):
    services.photo_make_main(member=request.user, photo=_own_photo(request, photo_id))
    return redirect("matchmaking:profile")


@login_required
def photo_file(request, photo_id, size):
    if size not in ("full", "thumb"):
        raise Http404
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    return image_response(photo.thumbnail if size == "thumb" else photo.image)


# BROWSING AND PROFILES ----------------------------------------------------------------


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
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    member = profile.member
    is_self = member.pk == request.user.pk
    path = None if is_self else vouching_selectors.trust_path(viewer=request.user, target=member)
    vouched_for_them = (
        not is_self and Vouch.objects.accepted().given_by(request.user).received_by(member).exists()
    )
    return render(
        request,
        "matchmaking/profile_detail.html",
        {
            "profile": profile,
            "member": member,
            "is_self": is_self,
            "path": path,
            "vouches": selectors.vouches_shown(member=member, viewer=request.user),
            "vouch_total": selectors.vouch_counts(viewer=request.user, member_ids=[member.pk]).get(
                member.pk, 0
            ),
            "reaction": None if is_self else selectors.reaction_of(request.user, member),
            "mutual": []
            if is_self
            else selectors.mutual_connections(viewer=request.user, member=member),
            "confirmers": selectors.photo_confirmers(profile),
            "can_meet": not is_self
            and selectors.may_express_interest(request.user, profile, seen=True),
            "can_ask": services.introduction_request_refusal(profile) is None,
            "vouched_for_them": vouched_for_them,
            "can_vouch": not is_self
            and not Vouch.objects.active().given_by(request.user).received_by(member).exists()
            and vouching_services.vouching_refusal(voucher=request.user) is None,
        },
    )


def _target(request, public_id) -> Member:
    return selectors.profile_for_viewer(viewer=request.user, public_id=public_id).member


@require_POST
@login_required
def react(request, public_id, kind):
    target = _target(request, public_id)
    error, match = None, None
    try:
        if kind == "interest":
            match = services.reaction_interest(actor=request.user, target=target)
        else:
            services.reaction_pass(actor=request.user, target=target)
    except ValidationError as exc:
        error = _error_text(exc)
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


@login_required
def introduction_ask(request, public_id):
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    if not selectors.may_express_interest(request.user, profile, seen=True):
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


@require_POST
@login_required
def block(request, public_id):
    other = vouching_selectors.member_visible(viewer=request.user, public_id=public_id)
    try:
        services.block(member=request.user, other=other)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("home")
    messages.success(
        request,
        _("You blocked %(name)s. Neither of you will see the other anywhere on Pledge.")
        % {"name": other.display_name},
    )
    return redirect("home")


@require_POST
@login_required
def confirm_photos(request, public_id):
    profile = selectors.profile_for_viewer(viewer=request.user, public_id=public_id)
    try:
        count = services.photo_confirm(voucher=request.user, profile=profile)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Thank you: you confirmed %(count)d photos.") % {"count": count}
            if count
            else _("You had already confirmed these photos."),
        )
    return redirect("matchmaking:person", public_id=public_id)


# REPORTS ------------------------------------------------------------------------------


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
    vouch = get_object_or_404(
        Vouch.objects.accepted().select_related("vouchee", "voucher"), pk=vouch_id
    )
    vouchee = vouching_selectors.member_visible(
        viewer=request.user, public_id=vouch.vouchee.public_id
    )
    if vouch.voucher_id in vouching_selectors.blocked_ids(member=request.user):
        raise Http404
    return _report(
        request,
        reported=vouch.voucher,
        back=vouchee.get_absolute_url(),
        vouch=vouch,
    )


# MATCHES AND MESSAGES -----------------------------------------------------------------


@login_required
def matches(request):
    return render(
        request, "matchmaking/matches.html", {"matches": selectors.matches_of(member=request.user)}
    )


def _conversation_context(request, match):
    services.messages_mark_read(match=match, member=request.user)
    conversation = list(selectors.messages_of(match))
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


# INTRODUCTIONS ------------------------------------------------------------------------


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
        messages.error(request, _error_text(error))
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


# NOTIFICATIONS AND CIRCLE -------------------------------------------------------------


@login_required
def notifications(request):
    items = list(selectors.notifications_of(member=request.user)[:50])
    services.notifications_mark_read(member=request.user)
    return render(request, "matchmaking/notifications.html", {"notifications": items})


@login_required
def circle_view(request):
    drawing = circle.draw(member=request.user)
    if request.GET.get("format") == "svg":
        return HttpResponse(drawing.svg, content_type="image/svg+xml")
    return render(request, "matchmaking/circle.html", {"drawing": drawing})
