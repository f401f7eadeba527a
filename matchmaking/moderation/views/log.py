"""The dashboard and the moderation log, on the page and as CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from ..access import moderator_required
from ..export import log_csv_write
from ..selectors import console_summary, log_export_records, log_records


@moderator_required
def dashboard(request):
    # The summary's fields are the page's names.
    return render(request, "moderation/dashboard.html", vars(console_summary()))


@moderator_required
def log(request):
    records = log_records(member_public_id=request.GET.get("member", ""))
    return render(request, "moderation/log.html", {"records": records})


@moderator_required
def log_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    log_csv_write(response, log_export_records())
    return response
