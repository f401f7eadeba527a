"""The reports queue and a report's page: claim it, release it, dismiss it, or resolve it
with an action (previewed first, as every action that can cost standing is)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ... import services
from ...models import Report
from ..access import moderator_required
from ..confirm import PreviewedAction
from ..forms import ResolveForm
from ..selectors import (
    flagged_reporters,
    removal_preview,
    report_queue,
    report_vouches,
    reports_with_evidence,
    revocation_preview,
)


@moderator_required
def reports(request):
    return render(
        request,
        "moderation/reports.html",
        {"reports": report_queue(), "flagged": flagged_reporters()},
    )


@moderator_required
def report_detail(request, report_id):
    """A report's page. A post claims, releases or dismisses the report when it comes
    from that button; any other post is the resolve form."""
    report = get_object_or_404(reports_with_evidence(), pk=report_id)
    if request.method == "POST":
        if report.status != Report.Status.OPEN:
            # A second click after the report was closed: say so, change nothing.
            messages.error(request, _("This report is closed: nothing was changed."))
            return _back(report)
        for button, handle in BUTTONS.items():
            if button in request.POST:
                return handle(request, report)
    return ReportResolution(request, report).respond()


def _back(report: Report) -> HttpResponse:
    return redirect("moderation:report", report_id=report.pk)


def _work(request, report: Report, perform, done: str = "") -> HttpResponse:
    try:
        perform(report=report, moderator=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done:
            messages.success(request, done)
    return _back(report)


def _claim(request, report: Report) -> HttpResponse:
    return _work(request, report, services.report_claim)


def _release(request, report: Report) -> HttpResponse:
    return _work(request, report, services.report_release, _("You released the report."))


def _dismiss(request, report: Report) -> HttpResponse:
    try:
        services.report_dismiss(
            report=report, moderator=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(report)
    messages.success(request, _("Report dismissed."))
    return redirect("moderation:reports")


# The report page's buttons, by the name they post, checked in this order.
BUTTONS = {"claim": _claim, "release": _release, "dismiss": _dismiss}


class ReportResolution(PreviewedAction):
    """Resolving a report: with an action, previewed first; with none, at once."""

    scope = "resolve"
    template_name = "moderation/report_detail.html"

    def __init__(self, request, report: Report):
        super().__init__(request, ResolveForm(request.POST or None))
        self.report = report

    def targets(self) -> dict:
        return {"report": self.report.pk}

    def previewed(self) -> bool:
        return self.form.cleaned_data["action"] != "none"

    def get_preview(self):
        data = self.form.cleaned_data
        if data["action"] == "revoke_vouch":
            vouch = self.report.vouch
            if vouch is None or not vouch.is_active:
                raise ValidationError(_("This report is not about a vouch that stands."))
            return revocation_preview(vouch=vouch, reason=data["reason"])
        return removal_preview(
            members=[self.report.reported], revoke_given=data.get("revoke_given")
        )

    def act(self) -> None:
        data = self.form.cleaned_data
        services.report_resolve(
            report=self.report,
            moderator=self.request.user,
            action=data["action"],
            reason=data["reason"],
            note=data["note"],
            until=self.form.until_moment(),
            revoke_given=data.get("revoke_given", False),
        )

    def done(self) -> HttpResponse:
        messages.success(self.request, _("Report resolved."))
        return redirect("moderation:reports")

    def refused(self, error: ValidationError) -> HttpResponse | None:
        self.report.refresh_from_db(fields=["status"])
        if self.report.status != Report.Status.OPEN:
            messages.error(self.request, " ".join(error.messages))
            return _back(self.report)
        return super().refused(error)

    def context(self) -> dict:
        return {
            "report": self.report,
            "vouchers": report_vouches(report=self.report),
            "flagged": self.report.reporter_id in flagged_reporters(),
        }
