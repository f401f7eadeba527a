from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from . import selectors, services
from .access import appellant
from .adapters import INVITATION_SESSION_KEY, invitation_unusable_response
from .forms import AppealForm, InviteForm, MemberSettingsForm, VouchForm, add_service_errors
from .images import image_response
from .models import Invitation
from .selectors import InvitationUnusable


def _render_vouch_form(request, template, form, **context):
    """A vouch form, with why the member may not vouch or how many vouches they have left."""
    return render(
        request,
        template,
        {
            "form": form,
            "refusal": services.vouching_refusal(voucher=request.user),
            "quota_remaining": selectors.vouch_quota_remaining(member=request.user),
            **context,
        },
    )


@login_required
def vouch_new(request):
    """Vouch for someone by email: invites them, or asks a member to accept."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.vouch_or_invite(
                voucher=request.user,
                email=form.cleaned_data["email"],
                fields=form.vouch_fields(),
                language=get_language(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if isinstance(result, Invitation):
                messages.success(
                    request,
                    _("Your invitation is on its way to %(email)s.") % {"email": result.email},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s is already a member: your vouch is waiting for them to accept it.")
                    % {"name": result.vouchee.display_name},
                )
            return redirect("home")
    return _render_vouch_form(request, "vouching/vouch_new.html", form)


@login_required
def member_vouch(request, public_id):
    vouchee = selectors.member_visible(viewer=request.user, public_id=public_id)
    if vouchee.pk == request.user.pk:
        raise Http404
    form = VouchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vouch_create(voucher=request.user, vouchee=vouchee, fields=form.vouch_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your vouch for %(name)s is waiting for them to accept it.")
                % {"name": vouchee.display_name},
            )
            return redirect(vouchee.get_absolute_url())
    return _render_vouch_form(request, "vouching/member_vouch.html", form, vouchee=vouchee)


@login_required
def member_detail(request, public_id):
    page = selectors.member_page(viewer=request.user, public_id=public_id)
    return render(
        request,
        "vouching/member_detail.html",
        {
            "member": page.member,
            "is_self": page.is_self,
            "vouches": page.vouches,
            "path": page.path,
            "my_vouch": page.my_vouch,
            "can_vouch": not page.is_self
            and page.my_vouch is None
            and services.vouching_refusal(voucher=request.user) is None,
        },
    )


@login_required
def member_avatar(request, public_id):
    member = selectors.member_visible(viewer=request.user, public_id=public_id)
    return image_response(member.avatar)


def _respond(request, *, obj, action, done, partial, name):
    """Run a member's action on one of their objects; a partial for htmx, else home."""
    error = None
    try:
        obj = action(**{name: obj, "member": request.user})
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        context = {name: obj, "error": error, "done": None if error else done}
        response = render(request, partial, context)
        if error is None:
            # The standing shown elsewhere on the page asks again (and keeps asking
            # while the recalculation this caused is on its way).
            response["HX-Trigger"] = "standing-changed"
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("home")


def _vouch_action(request, vouch_id, action, done):
    return _respond(
        request,
        obj=selectors.vouch_for_member(member=request.user, vouch_id=vouch_id),
        action=action,
        done=done,
        partial="vouching/partials/vouch_item.html",
        name="vouch",
    )


@require_POST
@login_required
def vouch_accept(request, vouch_id):
    return _vouch_action(
        request, vouch_id, services.vouch_accept, _("You accepted the vouch. Thank you!")
    )


@require_POST
@login_required
def vouch_decline(request, vouch_id):
    return _vouch_action(request, vouch_id, services.vouch_decline, _("You declined the vouch."))


@require_POST
@login_required
def vouch_withdraw(request, vouch_id):
    return _vouch_action(request, vouch_id, services.vouch_withdraw, _("You withdrew your vouch."))


@require_POST
@login_required
def invitation_withdraw(request, invitation_id):
    return _respond(
        request,
        obj=selectors.invitation_for_inviter(member=request.user, invitation_id=invitation_id),
        action=services.invitation_withdraw,
        done=_("You withdrew the invitation."),
        partial="vouching/partials/invitation_item.html",
        name="invitation",
    )


def invitation_landing(request, token):
    """Where an invitation link leads: who vouched, and the way to create an account."""
    try:
        invitation = selectors.invitation_from_token(token)
    except InvitationUnusable as error:
        return invitation_unusable_response(request, error)
    if request.user.is_authenticated:
        return render(request, "vouching/invitation_signed_in.html", {"invitation": invitation})
    request.session[INVITATION_SESSION_KEY] = token
    # Following the emailed link proves the address: no second verification email.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return render(
        request,
        "vouching/invitation_landing.html",
        {"invitation": invitation, "signup_url": reverse("account_signup")},
    )


# While a recalculation is on its way a standing page asks again every 2 s, for at most a
# minute: a worker that is down must not keep every open page polling for ever.
STANDING_POLLS = 30


def _polling(request) -> dict:
    """Which ask this is (``?tries=``), for the page to stop after ``STANDING_POLLS``."""
    try:
        tries = max(0, int(request.GET.get("tries", 0)))
    except ValueError:
        tries = 0
    return {"poll_next": tries + 1, "poll_stop": tries >= STANDING_POLLS}


@login_required
def standing(request):
    """A member's own standing, vouch by vouch, and what would change it. While a
    recalculation is on its way the explanation asks again (htmx) until it lands."""
    explanation = selectors.standing_explanation(member=request.user)
    if request.htmx:
        return render(
            request,
            "vouching/partials/standing_explained.html",
            {"explanation": explanation, **_polling(request)},
        )
    return render(
        request,
        "vouching/standing.html",
        {
            "explanation": explanation,
            "forfeits": selectors.forfeits_of(member=request.user),
            "suspended_until": services.vouching_suspended_until(request.user),
        },
    )


@login_required
def standing_panel(request):
    """The home page's standing card alone, for it to refresh itself."""
    return render(
        request,
        "vouching/partials/standing.html",
        {"card": selectors.standing_card(member=request.user), **_polling(request)},
    )


def appeal(request, record_id):
    """A member appeals, once, an action a moderator took about them; a banned or
    suspended member too, from the browser that just tried to sign in."""
    member = appellant(request)
    if member is None:
        return redirect_to_login(request.get_full_path())
    entry = selectors.record_for_appeal(member=member, record_id=record_id)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_file(member=member, entry=entry, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your appeal is with the moderators."))
            return redirect("home" if request.user.is_authenticated else request.path)
    already = selectors.appeal_of(member=member, record=entry)
    return render(
        request, "vouching/appeal.html", {"record": entry, "form": form, "already": already}
    )


@require_POST
def language_switch(request):
    """The footer's language switch; a signed-in member's emails follow it too."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.member_set_language(member=request.user, language=language)
    return response


@login_required
def member_settings(request):
    form = MemberSettingsForm(
        request.POST or None,
        request.FILES or None,
        initial={"display_name": request.user.display_name},
        member=request.user,
    )
    if request.method == "POST" and form.is_valid():
        services.member_update(
            member=request.user,
            display_name=form.cleaned_data["display_name"],
            avatar=form.cleaned_data.get("avatar_upload"),
            remove_avatar=form.cleaned_data.get("remove_avatar", False),
        )
        messages.success(request, _("Your settings are saved."))
        return redirect("vouching:settings")
    return render(request, "vouching/settings.html", {"form": form})
