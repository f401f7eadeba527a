"""Driving a preview as a moderator's browser does, and checking it against what then
really happened."""

import html
import re

from vouching.models import Member

CONFIRM_FORM = re.compile(r'<form method="post" class="card confirm".*?</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def lost_after(run) -> set[int]:
    return {m for m in run.standing_changed if not Member.objects.get(pk=m).in_good_standing}


def confirmation(preview_response) -> dict:
    """What the Confirm button of a preview page posts, as a browser would send it."""
    form = CONFIRM_FORM.search(preview_response.text)
    assert form, "the page shows no confirmation form"
    data: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(form.group(0)):
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(html.unescape(value))
    return {**data, "confirm": "1"}


def preview_and_confirm(client, url, data):
    preview = client.post(url, data)
    assert "Before you confirm" in preview.text
    return client.post(url, confirmation(preview))
