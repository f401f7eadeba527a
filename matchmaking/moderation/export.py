"""The moderation log as CSV: every record, in the moderator's language, safe to open in
a spreadsheet."""

from __future__ import annotations

import csv
import json

from django.utils.translation import gettext as _

from vouching.models import RECORD_FIELD_LABELS, ModerationRecord, record_value_display


def log_csv_write(out, records) -> None:
    """Write ``records`` to the file-like ``out``: a header, then a row each."""
    writer = csv.writer(out)
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
    for r in records:
        writer.writerow([_cell(value) for value in _row(r)])


def _row(r: ModerationRecord) -> list:
    return [
        r.created_at.isoformat(),
        r.actor.email if r.actor else _former(r.actor_pseudonym),
        r.get_action_display(),
        r.member.email if r.member else _former(r.member_pseudonym),
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


def _former(pseudonym: str) -> str:
    """A member who closed their account, by the pseudonym the log keeps of them."""
    return _("former member #%(pseudonym)s") % {"pseudonym": pseudonym} if pseudonym else ""


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: never a formula, whoever wrote it."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _changes_text(values: dict) -> str:
    return "; ".join(
        f"{RECORD_FIELD_LABELS.get(key, key)}: {record_value_display(key, value)}"
        for key, value in values.items()
    )
