"""What a moderator fills in: the reason and explanation every action needs, and what
removing a member or resolving a report adds to them."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vouching.models import RESOLUTION_LABELS, ModerationRecord


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
