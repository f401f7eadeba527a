"""The moderators' console, separate from the Django admin.

Every view here needs the ``vouching.moderate`` permission (others get 403) and a session
signed in with a second factor (allauth MFA, TOTP). Actions that can cost members their
standing show a preview first — computed on the graph as it would be after the action —
and run only when the moderator confirms.
"""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, time, timedelta
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vouching import selectors as vouching_selectors
from vouching import services as vouching
from vouching.models import Appeal, Member, ModerationRecord, PledgeForfeit, Vouch
from vouching.trust.rings import suspicious_rings

from . import services
from .models import Report

# A reporter with at least this many dismissed reports in the window, most of what they
# reported, is flagged to the moderators.
FLAG_DISMISSED = 3
FLAG_WINDOW_DAYS = 180


def moderator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.has_perm("vouching.moderate"):
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
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


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
    ACTIONS = [
        ("none", gettext_lazy("No further action")),
        ("revoke_vouch", gettext_lazy("Revoke the reported vouch")),
        ("suspend", gettext_lazy("Suspend the reported member")),
        ("ban", gettext_lazy("Ban the reported member")),
    ]
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
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


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
    form = ResolveForm(request.POST or None)
    preview = None
    if request.method == "POST" and "claim" in request.POST:
        try:
            services.report_claim(report=report, moderator=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("moderation:report", report_id=report.pk)
    if request.method == "POST" and "dismiss" in request.POST:
        try:
            services.report_dismiss(
                report=report, moderator=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Report dismissed."))
        return redirect("moderation:reports")
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        if action != "none" and not form.cleaned_data.get("confirm"):
            preview = _preview_for(report, action, form.cleaned_data)
            form = ResolveForm(initial={**form.cleaned_data, "confirm": True})
        else:
            try:
                services.report_resolve(
                    report=report,
                    moderator=request.user,
                    action=action,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    until=form.until_moment(),
                    revoke_given=form.cleaned_data.get("revoke_given", False),
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Report resolved."))
                return redirect("moderation:reports")
    return render(
        request,
        "moderation/report_detail.html",
        {
            "report": report,
            "form": form,
            "preview": preview,
            "vouchers": services.reports.vouches_of_report(report),
            "flagged": report.reporter_id in flagged_reporters(),
        },
    )


def _preview_for(report: Report, action: str, data: dict):
    if action == "revoke_vouch" and report.vouch:
        bad = [report.vouch] if data["reason"] == "bad_vouch" else []
        return vouching.moderation_preview(revoke=[report.vouch], bad_vouches=bad)
    if action in ("suspend", "ban"):
        given = (
            list(Vouch.objects.active().given_by(report.reported))
            if data.get("revoke_given")
            else []
        )
        return vouching.moderation_preview(remove=[report.reported], revoke=given)
    return None


def _chain_to_founders(member: Member) -> list[list[Member]]:
    """Who vouched for them, and who vouched for those, up to the founders."""
    layers: list[list[Member]] = []
    seen = {member.pk}
    frontier = [member.pk]
    for _depth in range(6):
        vouchers = list(
            Vouch.objects.accepted()
            .filter(vouchee_id__in=frontier)
            .exclude(voucher_id__in=seen)
            .values_list("voucher_id", flat=True)
            .distinct()
        )
        if not vouchers:
            break
        seen.update(vouchers)
        layers.append(
            list(Member.objects.filter(pk__in=vouchers).select_related("trust").order_by("pk"))
        )
        if all(m.is_founder for m in layers[-1]):
            break
        frontier = [m.pk for m in layers[-1] if not m.is_founder]
    return layers


@moderator_required
def member_detail(request, public_id):
    member = get_object_or_404(Member.objects.select_related("trust"), public_id=public_id)
    given = (
        Vouch.objects.given_by(member)
        .select_related("vouchee__trust")
        .annotate(reports=Count("vouchee__reports_received"))
        .order_by("-created_at")
    )
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "received": Vouch.objects.received_by(member).select_related("voucher__trust"),
            "given": given,
            "chain": _chain_to_founders(member),
            "explanation": vouching_selectors.standing_explanation(member=member),
            "reports": Report.objects.filter(reported=member).select_related("reporter"),
            "forfeits": PledgeForfeit.objects.of(member).select_related("vouchee"),
            "records": ModerationRecord.objects.filter(member=member).select_related("actor"),
        },
    )


# ACTIONS WITH A PREVIEW ---------------------------------------------------------------


@moderator_required
def vouch_revoke(request, vouch_id):
    vouch = get_object_or_404(
        Vouch.objects.active().select_related("voucher", "vouchee"), pk=vouch_id
    )
    form = ActionForm(request.POST or None)
    form.fields["reason"].choices = [
        (value, label)
        for value, label in ModerationRecord.Reason.choices
        if value in ("bad_vouch", "mistake", "other")
    ]
    preview = None
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data.get("confirm"):
            bad = [vouch] if form.cleaned_data["reason"] == "bad_vouch" else []
            preview = vouching.moderation_preview(revoke=[vouch], bad_vouches=bad)
            form = ActionForm(initial={**form.cleaned_data, "confirm": True})
            form.fields["reason"].choices = [
                c
                for c in ModerationRecord.Reason.choices
                if c[0] in ("bad_vouch", "mistake", "other")
            ]
        else:
            try:
                vouching.vouch_revoke(
                    vouch=vouch,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("The vouch is revoked."))
                return redirect("moderation:member", public_id=vouch.vouchee.public_id)
    return render(
        request,
        "moderation/action.html",
        {"form": form, "preview": preview, "vouch": vouch, "title": _("Revoke a vouch")},
    )


@moderator_required
def member_action(request, public_id, action):
    member = get_object_or_404(Member, public_id=public_id)
    if action == "reinstate":
        form = NoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                vouching.member_reinstate(
                    member=member, moderator=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("%(name)s is reinstated.") % {"name": member})
                return redirect("moderation:member", public_id=public_id)
        return render(
            request,
            "moderation/action.html",
            {"form": form, "member": member, "title": _("Reinstate")},
        )
    if action not in ("suspend", "ban"):
        raise PermissionDenied
    form = RemoveForm(request.POST or None, action=action)
    preview = None
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data.get("confirm"):
            given = (
                list(Vouch.objects.active().given_by(member))
                if form.cleaned_data.get("revoke_given")
                else []
            )
            preview = vouching.moderation_preview(remove=[member], revoke=given)
            form = RemoveForm(initial={**form.cleaned_data, "confirm": True}, action=action)
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
                _apply(form, error)
            else:
                messages.success(request, _("Done. It is in the log."))
                return redirect("moderation:member", public_id=public_id)
    return render(
        request,
        "moderation/action.html",
        {
            "form": form,
            "preview": preview,
            "member": member,
            "title": _("Suspend") if action == "suspend" else _("Ban"),
        },
    )


@moderator_required
def rings(request):
    found = suspicious_rings()
    form = RemoveForm(request.POST or None, action="suspend")
    preview = None
    chosen: list[Member] = []
    if request.method == "POST":
        ids = []
        for value in request.POST.getlist("members"):
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
        chosen = list(Member.objects.filter(public_id__in=ids).exclude(pk=request.user.pk))
        if not chosen:
            form.add_error(None, _("Choose the members to suspend."))
        elif form.is_valid():
            if not form.cleaned_data.get("confirm"):
                preview = vouching.moderation_preview(remove=chosen)
                form = RemoveForm(initial={**form.cleaned_data, "confirm": True}, action="suspend")
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
                                revoke_given=form.cleaned_data.get("revoke_given", False),
                            )
                except ValidationError as error:
                    _apply(form, error)
                else:
                    messages.success(
                        request, _("%(count)d members suspended.") % {"count": len(chosen)}
                    )
                    return redirect("moderation:rings")
    return render(
        request,
        "moderation/rings.html",
        {"rings": found, "form": form, "preview": preview, "chosen": chosen},
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


@moderator_required
def log_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "time",
            "moderator",
            "action",
            "member",
            "vouch",
            "report",
            "reason",
            "note",
            "before",
            "after",
            "caused_by",
        ]
    )
    for r in ModerationRecord.objects.select_related("actor", "member").order_by("pk").iterator():
        row = [
            r.created_at.isoformat(),
            r.actor.email if r.actor else "",
            r.action,
            r.member.email if r.member else "",
            r.vouch_id or "",
            r.report_id or "",
            r.reason,
            r.note,
            r.before,
            r.after,
            r.cause_id or "",
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
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Explain the decision: the member will read it."))
        return redirect("moderation:appeals")
    try:
        vouching.appeal_decide(
            appeal=appeal,
            moderator=request.user,
            uphold=request.POST.get("decision") == "uphold",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appeal decided."))
    return redirect("moderation:appeals")
