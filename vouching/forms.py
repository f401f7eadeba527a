from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import ImageRejected, image_header_check, sanitize_image
from .models import (
    DISPLAY_NAME_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    STATEMENT_MIN_LENGTH,
    KnownFor,
    Relationship,
    Strength,
)
from .services import VouchTerms, display_name_check, image_upload_record


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal next to the field it concerns, or atop the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SignupDetailsForm(forms.Form):
    """What allauth's signup form asks beyond email and password."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("How other members will see you. Your email address stays private."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self):
        # allauth builds this form itself: the invitation comes from the request.
        from .adapters import invitation_inviter

        return display_name_check(
            name=self.cleaned_data["display_name"], inviter=invitation_inviter()
        )

    def signup(self, request, user):
        """Nothing left to do: the adapter saved the member with their display name."""


class VouchForm(forms.Form):
    relationship = forms.ChoiceField(label=_("How do you know them?"), choices=Relationship.choices)
    known_for = forms.ChoiceField(
        label=_("How long have you known them?"),
        choices=[c for c in KnownFor.choices if c[0] != KnownFor.UNSTATED],
    )
    strength = forms.TypedChoiceField(
        label=_("How strongly do you vouch?"),
        choices=Strength.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("Your statement"),
        min_length=STATEMENT_MIN_LENGTH,
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement"].help_text = _(
            "In your own words: who they are to you and why others can trust them. "
            "Between %(min)d and %(max)d characters; the people they meet will read it."
        ) % {"min": STATEMENT_MIN_LENGTH, "max": STATEMENT_MAX_LENGTH}

    def clean_statement(self):
        statement = self.cleaned_data["statement"].strip()
        if len(statement) < STATEMENT_MIN_LENGTH:
            raise forms.ValidationError(
                _("Write at least %(min)d characters.") % {"min": STATEMENT_MIN_LENGTH}
            )
        return statement

    def vouch_fields(self) -> VouchTerms:
        data = self.cleaned_data
        return VouchTerms(
            relationship=data["relationship"],
            known_for=data["known_for"],
            strength=data["strength"],
            statement=data["statement"],
        )


class InviteForm(VouchForm):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_(
            "If they are not a member yet, we email them an invitation to join "
            "with your vouch. If they are, they are asked to accept your vouch."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["email", "relationship", "known_for", "strength", "statement"]


class ImageUploadField(forms.ImageField):
    """Django's image field, which first reads the header: an image too large or with too
    many pixels is refused in those words, before Pillow's own checks or any decoding."""

    def to_python(self, data):
        if data not in self.empty_values:
            try:
                image_header_check(data)
            except ImageRejected as error:
                if error.code in ("size", "pixels"):
                    raise forms.ValidationError(error.message, code=error.code) from None
        return super().to_python(data)


class MemberSettingsForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("How other members see you."),
    )
    avatar_upload = ImageUploadField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG or WebP image of up to 10 MB. We remove its location data."),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_display_name(self):
        return display_name_check(name=self.cleaned_data["display_name"], member=self.member)

    def clean_avatar_upload(self):
        upload = self.cleaned_data.get("avatar_upload")
        if not upload:
            return None
        image_upload_record(member=self.member)  # counted before it costs anything
        try:
            return sanitize_image(upload)
        except ImageRejected as error:
            raise forms.ValidationError(error.message) from None


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the moderators look again?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("You can appeal each action once."),
    )
