"""The moderators' console, separate from the Django admin.

Every view here needs the ``vouching.moderate`` permission (others get 403) and a session
signed in with a second factor (allauth MFA, TOTP). Actions that can cost members their
standing show a preview first — computed on the graph as it would be after the action —
and run only when the moderator confirms.
"""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vouching import selectors as vouching_selectors
from vouching import services as vouching
from vouching.forms import add_service_errors
from vouching.images import image_response
from vouching.models import (
    RECORD_FIELD_LABELS,
    RESOLUTION_LABELS,
    Appeal,
    Member,
    ModerationRecord,
    PledgeForfeit,
    Vouch,
    record_value_display,
)
from vouching.trust.rings import suspicious_rings

from . import services
from .models import Photo, Report

# A reporter with at least this many dismissed reports in the window, most of what they
# reported, is flagged to the moderators.
FLAG_DISMISSED = 3
FLAG_WINDOW_DAYS = 180
# The investigation page walks at most this many steps towards the founders.
CHAIN_MAX_STEPS = 6
# A preview is good for half an hour: after that the graph may have moved on.
CONFIRM_MAX_AGE = 30 * 60
CONFIRM_SALT = "matchmaking.moderation.confirm"


def moderator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.has_perm("vouching.moderate"):
            raise PermissionDenied
        if user.is_banned or user.is_suspended:
            # A moderator who is out is out of the console too: nobody reinstates themselves.
            raise PermissionDenied
        next_url = urlencode({"next": request.get_full_path()})
        if not is_mfa_enabled(user):
            messages.info(request, _("Moderators sign in with a second factor. Set it up first."))
            return redirect(f"{reverse('mfa_activate_totp')}?{next_url}")
        records = get_authentication_records(request, user)
        if not any(record.get("method") == "mfa" for record in records):
            return redirect(f"{reverse('mfa_reauthenticate')}?{next_url}")
        return view(request, *args, **kwargs)

    return wrapper


# FORMS --------------------------------------------------------------------------------


class ActionForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=ModerationRecord.Reason.choices
    )
    note = forms.CharField(
        label=gettext_lazy("Explanation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The member reads this, and may appeal once."),
    )


class RemoveForm(ActionForm):
    until = forms.DateField(
        label=gettext_lazy("Suspended until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    revoke_given = forms.BooleanField(
        label=gettext_lazy("Also revoke every vouch they gave"), required=False
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if action != "suspend":
            del self.fields["until"]

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if self.action == "suspend":
            if until is None:
                raise forms.ValidationError(_("Choose until when."))
            if until <= timezone.localdate():
                raise forms.ValidationError(_("Choose a date in the future."))
        return until

    def until_moment(self):
        until = self.cleaned_data.get("until")
        if until is None:
            return None
        return timezone.make_aware(datetime.combine(until, time(23, 59)))


class ResolveForm(RemoveForm):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), choices=list(RESOLUTION_LABELS.items())
    )
    field_order = ["action", "reason", "note", "until", "revoke_given"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, action="suspend", **kwargs)
        self.fields["until"].required = False

    def clean_until(self):
        if self.data.get("action") != "suspend":
            return None
        return super().clean_until()


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Explanation"), widget=forms.Textarea(attrs={"rows": 3})
    )


# CONFIRMING WHAT WAS PREVIEWED ----------------------------------------------------------
#
# A preview hands the moderator a signed token over exactly what it previewed (action,
# targets, reason, note, options); confirming runs only if what comes back is the same,
# from the same moderator, within ``CONFIRM_MAX_AGE``. Anything else changes nothing.

MISMATCH = gettext_lazy(
    "What you confirmed is not what the preview showed, or the preview is too old. "
    "Nothing was changed: look at the preview again, then confirm."
)


@dataclass(frozen=True)
class Confirmation:
    token: str
    hidden: list[tuple[str, str]]  # the previewed values, posted back as they were
    summary: list[tuple[str, str]]  # the same values as the moderator reads them


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def _params(form: forms.Form, **targets) -> dict:
    """What a preview shows and a confirmation must repeat, as plain JSON values."""
    return {
        **{key: _plain(value) for key, value in targets.items()},
        **{name: _plain(form.cleaned_data.get(name)) for name in form.fields},
    }


def _seal(request, scope: str, params: dict) -> str:
    return signing.dumps({"scope": scope, "by": request.user.pk, **params}, salt=CONFIRM_SALT)


def _confirmed(request, scope: str, params: dict) -> bool:
    try:
        sealed = signing.loads(
            request.POST.get("token", ""), salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
        )
    except signing.BadSignature:  # expired, forged or missing
        return False
    return sealed == {"scope": scope, "by": request.user.pk, **params}


def _confirmation(form: forms.Form, token: str, *, hidden=(), summary=()) -> Confirmation:
    rows, shown = list(hidden), list(summary)
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if isinstance(field, forms.BooleanField):
            if value:
                rows.append((name, "on"))
            shown.append((str(field.label), _("Yes") if value else _("No")))
            continue
        if value in (None, ""):
            continue
        rows.append((name, str(_plain(value))))
        if isinstance(field, forms.ChoiceField):
            text = str(dict(field.choices).get(value, value))
        elif isinstance(value, date):
            text = date_format(value, "DATE_FORMAT")
        else:
            text = str(value)
        shown.append((str(field.label), text))
    return Confirmation(token=token, hidden=rows, summary=shown)


def _confirming(request) -> bool:
    return request.method == "POST" and bool(request.POST.get("confirm"))


# QUEUE AND INVESTIGATION ----------------------------------------------------------------


def flagged_reporters() -> set[int]:
    since = timezone.now() - timedelta(days=FLAG_WINDOW_DAYS)
    rows = (
        Report.objects.filter(created_at__gte=since)
        .exclude(status=Report.Status.OPEN)
        .values("reporter")
        .annotate(
            dismissed=Count("pk", filter=Q(status=Report.Status.DISMISSED)),
            closed=Count("pk"),
        )
    )
    return {
        r["reporter"]
        for r in rows
        if r["dismissed"] >= FLAG_DISMISSED and r["dismissed"] * 2 >= r["closed"]
    }


@moderator_required
def dashboard(request):
    return render(
        request,
        "moderation/dashboard.html",
        {
            "open_reports": Report.objects.filter(status=Report.Status.OPEN).count(),
            "open_appeals": Appeal.objects.filter(status=Appeal.Status.OPEN).count(),
            "recent": ModerationRecord.objects.select_related("actor", "member")[:10],
        },
    )


@moderator_required
def reports(request):
    queue = (
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("reporter", "reported", "claimed_by", "vouch__voucher", "vouch__vouchee")
        .order_by("created_at")
    )
    return render(
        request,
        "moderation/reports.html",
        {"reports": queue, "flagged": flagged_reporters()},
    )


@moderator_required
def report_detail(request, report_id):
    report = get_object_or_404(
        Report.objects.select_related(
            "reporter", "reported", "claimed_by", "profile", "photo", "message", "vouch"
        ),
        pk=report_id,
    )
    here = redirect("moderation:report", report_id=report.pk)
    if request.method == "POST" and report.status != Report.Status.OPEN:
        # A second click after the report was closed: say so, change nothing.
        messages.error(request, _("This report is closed: nothing was changed."))
        return here
    for step, perform, done in (
        ("claim", services.report_claim, None),
        ("release", services.report_release, _("You released the report.")),
    ):
        if request.method == "POST" and step in request.POST:
            try:
                perform(report=report, moderator=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if done:
                    messages.success(request, done)
            return here
    if request.method == "POST" and "dismiss" in request.POST:
        try:
            services.report_dismiss(
                report=report, moderator=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return here
        messages.success(request, _("Report dismissed."))
        return redirect("moderation:reports")
    form = ResolveForm(request.POST or None)
    preview = confirmation = None
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        params = _params(form, report=report.pk)
        try:
            if action != "none" and not _confirming(request):
                preview = _preview_for(report, action, form.cleaned_data)
                confirmation = _confirmation(form, _seal(request, "resolve", params))
            elif action != "none" and not _confirmed(request, "resolve", params):
                form.add_error(None, MISMATCH)
            else:
                services.report_resolve(
                    report=report,
                    moderator=request.user,
                    action=action,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    until=form.until_moment(),
                    revoke_given=form.cleaned_data.get("revoke_given", False),
                )
                messages.success(request, _("Report resolved."))
                return redirect("moderation:reports")
        except ValidationError as error:
            report.refresh_from_db(fields=["status"])
            if report.status != Report.Status.OPEN:
                messages.error(request, " ".join(error.messages))
                return here
            preview = confirmation = None
            add_service_errors(form, error)
    return render(
        request,
        "moderation/report_detail.html",
        {
            "report": report,
            "form": form,
            "preview": preview,
            "confirmation": confirmation,
            "vouchers": services.reports.vouches_of_report(report),
            "flagged": report.reporter_id in flagged_reporters(),
        },
    )


def _given(members: list[Member], revoke_given: bool) -> list[Vouch]:
    """The vouches these members gave that "also revoke every vouch they gave" takes."""
    if not revoke_given:
        return []
    return list(Vouch.objects.active().filter(voucher__in=members))


def _preview_for(report: Report, action: str, data: dict):
    if action == "revoke_vouch":
        if report.vouch is None or not report.vouch.is_active:
            raise ValidationError(_("This report is not about a vouch that stands."))
        bad = [report.vouch] if data["reason"] == "bad_vouch" else []
        return vouching.moderation_preview(revoke=[report.vouch], bad_vouches=bad)
    removed = [report.reported]
    return vouching.moderation_preview(
        remove=removed, revoke=_given(removed, data.get("revoke_given"))
    )


def _chain_to_founders(member: Member) -> tuple[list[list[Member]], bool]:
    """Who vouched for them, and who vouched for those, up to the founders; and whether
    the walk stopped at ``CHAIN_MAX_STEPS`` before reaching them all."""
    layers: list[list[Member]] = []
    seen = {member.pk}
    frontier = [member.pk]

    def vouchers_of(ids):
        return list(
            Vouch.objects.accepted()
            .filter(vouchee_id__in=ids)
            .exclude(voucher_id__in=seen)
            .values_list("voucher_id", flat=True)
            .distinct()
        )

    for _depth in range(CHAIN_MAX_STEPS):
        vouchers = vouchers_of(frontier)
        if not vouchers:
            return layers, False
        seen.update(vouchers)
        layers.append(
            list(Member.objects.filter(pk__in=vouchers).select_related("trust").order_by("pk"))
        )
        frontier = [m.pk for m in layers[-1] if not m.is_founder]
        if not frontier:
            return layers, False
    return layers, bool(vouchers_of(frontier))


@moderator_required
def member_detail(request, public_id):
    member = get_object_or_404(Member.objects.select_related("trust"), public_id=public_id)
    given = (
        Vouch.objects.given_by(member)
        .select_related("vouchee__trust")
        .annotate(reports=Count("vouchee__reports_received"))
        .order_by("-created_at")
    )
    chain, chain_cut = _chain_to_founders(member)
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "received": Vouch.objects.received_by(member).select_related("voucher__trust"),
            "given": given,
            "chain": chain,
            "chain_cut": chain_cut,
            "chain_max_steps": CHAIN_MAX_STEPS,
            "explanation": vouching_selectors.standing_explanation(member=member),
            "reports": Report.objects.filter(reported=member).select_related("reporter"),
            "forfeits": PledgeForfeit.objects.of(member).select_related("vouchee"),
            "records": ModerationRecord.objects.filter(member=member).select_related("actor"),
        },
    )


@moderator_required
def photo(request, photo_id, size):
    """A reported member's photo, for the moderators: the dating privacy rule does not
    apply here, the console's permission and second factor do."""
    if size not in ("full", "thumb"):
        raise Http404
    found = get_object_or_404(
        Photo.objects.filter(
            Q(report__isnull=False) | Q(profile__member__reports_received__isnull=False)
        ).distinct(),
        pk=photo_id,
    )
    field = found.thumbnail if size == "thumb" else found.image
    return image_response(field, cache_control="private, no-store")


# ACTIONS WITH A PREVIEW ---------------------------------------------------------------


@moderator_required
def vouch_revoke(request, vouch_id):
    vouch = get_object_or_404(Vouch.objects.select_related("voucher", "vouchee"), pk=vouch_id)
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
    form = ActionForm(request.POST or None)
    preview = confirmation = None
    if request.method == "POST" and form.is_valid():
        params = _params(form, vouch=vouch.pk)
        if not _confirming(request):
            bad = [vouch] if form.cleaned_data["reason"] == "bad_vouch" else []
            preview = vouching.moderation_preview(revoke=[vouch], bad_vouches=bad)
            confirmation = _confirmation(form, _seal(request, "revoke", params))
        elif not _confirmed(request, "revoke", params):
            form.add_error(None, MISMATCH)
        else:
            try:
                vouching.vouch_revoke(
                    vouch=vouch,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The vouch is revoked."))
                return redirect("moderation:member", public_id=vouch.vouchee.public_id)
    return render(
        request,
        "moderation/action.html",
        {
            "form": form,
            "preview": preview,
            "confirmation": confirmation,
            "vouch": vouch,
            "title": _("Revoke a vouch"),
        },
    )


@moderator_required
def member_action(request, public_id, action):
    member = get_object_or_404(Member, public_id=public_id)
    if action not in ("suspend", "ban", "reinstate") or member.pk == request.user.pk:
        raise PermissionDenied
    if action == "reinstate":
        form = NoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                vouching.member_reinstate(
                    member=member, moderator=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is reinstated.") % {"name": member})
                return redirect("moderation:member", public_id=public_id)
        return render(
            request,
            "moderation/action.html",
            {"form": form, "member": member, "title": _("Reinstate")},
        )
    form = RemoveForm(request.POST or None, action=action)
    preview = confirmation = None
    if request.method == "POST" and form.is_valid():
        params = _params(form, member=str(member.public_id), action=action)
        if not _confirming(request):
            preview = vouching.moderation_preview(
                remove=[member], revoke=_given([member], form.cleaned_data.get("revoke_given"))
            )
            confirmation = _confirmation(form, _seal(request, "remove", params))
        elif not _confirmed(request, "remove", params):
            form.add_error(None, MISMATCH)
        else:
            perform = vouching.member_suspend if action == "suspend" else vouching.member_ban
            extra = {"until": form.until_moment()} if action == "suspend" else {}
            try:
                perform(
                    member=member,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    revoke_given=form.cleaned_data.get("revoke_given", False),
                    **extra,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Done. It is in the log."))
                return redirect("moderation:member", public_id=public_id)
    return render(
        request,
        "moderation/action.html",
        {
            "form": form,
            "preview": preview,
            "confirmation": confirmation,
            "member": member,
            "title": _("Suspend") if action == "suspend" else _("Ban"),
        },
    )


@moderator_required
def rings(request):
    found = suspicious_rings()
    form = RemoveForm(request.POST or None, action="suspend")
    preview = confirmation = None
    chosen: list[Member] = []
    if request.method == "POST":
        ids = []
        for value in request.POST.getlist("members"):
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
        chosen = list(
            Member.objects.filter(public_id__in=ids)
            .exclude(pk=request.user.pk)
            .order_by("display_name", "pk")
        )
        if not chosen:
            form.add_error(None, _("Choose the members to suspend."))
        elif form.is_valid():
            params = _params(form, members=sorted(str(m.public_id) for m in chosen))
            revoke_given = form.cleaned_data.get("revoke_given", False)
            if not _confirming(request):
                preview = vouching.moderation_preview(
                    remove=chosen, revoke=_given(chosen, revoke_given)
                )
                confirmation = _confirmation(
                    form,
                    _seal(request, "rings", params),
                    hidden=[("members", str(m.public_id)) for m in chosen],
                    summary=[(_("Members"), ", ".join(m.display_name for m in chosen))],
                )
            elif not _confirmed(request, "rings", params):
                form.add_error(None, MISMATCH)
            else:
                try:
                    with transaction.atomic():  # all of the ring or none of it
                        for member in chosen:
                            vouching.member_suspend(
                                member=member,
                                moderator=request.user,
                                until=form.until_moment(),
                                reason=form.cleaned_data["reason"],
                                note=form.cleaned_data["note"],
                                revoke_given=revoke_given,
                            )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request, _("%(count)d members suspended.") % {"count": len(chosen)}
                    )
                    return redirect("moderation:rings")
    return render(
        request,
        "moderation/rings.html",
        {
            "rings": found,
            "form": form,
            "preview": preview,
            "confirmation": confirmation,
            "chosen": chosen,
        },
    )


# LOG AND APPEALS ----------------------------------------------------------------------


@moderator_required
def log(request):
    records = ModerationRecord.objects.select_related("actor", "member", "vouch")
    member_id = request.GET.get("member", "")
    if member_id:
        try:
            records = records.filter(member__public_id=uuid.UUID(member_id))
        except ValueError:
            records = records.none()
    return render(request, "moderation/log.html", {"records": records[:200]})


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: never a formula, whoever wrote it."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _changes_text(values: dict) -> str:
    return "; ".join(
        f"{RECORD_FIELD_LABELS.get(key, key)}: {record_value_display(key, value)}"
        for key, value in values.items()
    )


@moderator_required
def log_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Time"),
            _("Moderator"),
            _("Action"),
            _("Member"),
            _("Vouch"),
            _("Report"),
            _("Reason"),
            _("Note"),
            _("Before"),
            _("After"),
            _("Caused by"),
            _("Before (data)"),
            _("After (data)"),
        ]
    )
    for r in ModerationRecord.objects.select_related("actor", "member").order_by("pk").iterator():
        row = [
            r.created_at.isoformat(),
            r.actor.email if r.actor else "",
            r.get_action_display(),
            r.member.email if r.member else "",
            r.vouch_id or "",
            r.report_id or "",
            r.get_reason_display(),
            r.note,
            _changes_text(r.before),
            _changes_text(r.after),
            r.cause_id or "",
            json.dumps(r.before, sort_keys=True),
            json.dumps(r.after, sort_keys=True),
        ]
        writer.writerow([_cell(value) for value in row])
    return response


@moderator_required
def appeals(request):
    queue = Appeal.objects.filter(status=Appeal.Status.OPEN).select_related(
        "member", "record__actor"
    )
    return render(request, "moderation/appeals.html", {"appeals": queue, "form": NoteForm()})


@moderator_required
@require_POST
def appeal_decide(request, appeal_id):
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
        outcome = vouching.appeal_decide(
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
