"""Preview, then confirm exactly what was previewed.

A preview hands the moderator a signed token over exactly what it previewed (action,
targets, reason, note, options); confirming runs only if what comes back is the same,
from the same moderator, within ``CONFIRM_MAX_AGE``. Anything else changes nothing.

``PreviewedAction`` is that flow, written once: each action that can cost members their
standing (resolving a report, revoking a vouch, suspending or banning a member,
suspending a ring) says what it acts on, what its preview shows and what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vouching.forms import add_service_errors
from vouching.services import Preview

# A preview is good for half an hour: after that the graph may have moved on.
CONFIRM_MAX_AGE = 30 * 60
CONFIRM_SALT = "matchmaking.moderation.confirm"

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


class PreviewedAction:
    """One console action that shows its fallout before it runs.

    The first valid post shows the preview and a Confirm form carrying the token; the
    Confirm post acts if the token matches what is posted, and otherwise says so on the
    form. A subclass gives the form and says what the token covers besides it
    (``targets``), what the preview shows (``preview``), how to act (``act``) and where
    to go after (``done``). A refusal from a service lands on the form (``refused``).
    """

    scope: str  # names the action in the token: a preview of one never confirms another
    template_name = "moderation/action.html"

    def __init__(self, request: HttpRequest, form: forms.Form, *, hidden=(), summary=()):
        self.request = request
        self.form = form
        self.hidden, self.summary = hidden, summary  # shown and posted besides the form
        self.preview: Preview | None = None
        self.confirmation: Confirmation | None = None

    def targets(self) -> dict:
        raise NotImplementedError

    def get_preview(self) -> Preview:
        raise NotImplementedError

    def act(self) -> None:
        raise NotImplementedError

    def done(self) -> HttpResponse:
        raise NotImplementedError

    def context(self) -> dict:
        """What the page shows besides the form, the preview and the confirmation."""
        return {}

    def previewed(self) -> bool:
        """Whether this post needs a preview and a confirmation before it acts."""
        return True

    def is_valid(self) -> bool:
        return self.form.is_valid()

    def refused(self, error: ValidationError) -> HttpResponse | None:
        add_service_errors(self.form, error)
        return None

    def respond(self) -> HttpResponse:
        if self.request.method == "POST" and self.is_valid():
            finished = self._step()
            if finished is not None:
                return finished
        return render(
            self.request,
            self.template_name,
            {
                "form": self.form,
                "preview": self.preview,
                "confirmation": self.confirmation,
                **self.context(),
            },
        )

    def _step(self) -> HttpResponse | None:
        """Preview, refuse a confirmation that does not match, or act."""
        request, previewed = self.request, self.previewed()
        params = _params(self.form, **self.targets())
        try:
            if previewed and not _confirming(request):
                self.preview = self.get_preview()
                token = _seal(request, self.scope, params)
                self.confirmation = _confirmation(
                    self.form, token, hidden=self.hidden, summary=self.summary
                )
                return None
            if previewed and not _confirmed(request, self.scope, params):
                self.form.add_error(None, MISMATCH)
                return None
            self.act()
        except ValidationError as error:
            self.preview = self.confirmation = None
            return self.refused(error)
        return self.done()
