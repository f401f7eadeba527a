from django import forms
from django.utils.translation import gettext_lazy as _

from vouching import forms as vouching_forms

from .models import (
    BIO_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    PROMPT_ANSWER_MAX_LENGTH,
    Gender,
    Prompt,
    Reach,
    Report,
)
from .services.profiles import ProfileFields


class ProfileForm(forms.Form):
    is_dating = forms.BooleanField(
        label=_("I am looking to date"),
        required=False,
        initial=True,
        help_text=_("Untick to be a matchmaker only: you still vouch and introduce friends."),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only your age is shown. You must be 18 or older."),
    )
    gender = forms.ChoiceField(label=_("I am"), choices=Gender.choices)
    seeking = forms.MultipleChoiceField(
        label=_("I want to meet"),
        choices=Gender.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    age_min = forms.IntegerField(label=_("Aged from"), min_value=18, max_value=99, initial=18)
    age_max = forms.IntegerField(label=_("to"), min_value=18, max_value=99, initial=99)
    city = forms.CharField(label=_("City"), max_length=80)
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=BIO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reach = forms.ChoiceField(
        label=_("Who can see your profile"),
        choices=Reach.choices,
        initial=Reach.THREE_HOPS,
        widget=forms.RadioSelect,
        help_text=_("Counted in vouches between you and them, whichever way each points."),
    )
    hide_from_connections = forms.BooleanField(
        label=_("Hide my profile from people I know directly"),
        required=False,
        help_text=_("People you vouched for, and who vouched for you, will not see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(3):
            self.fields[f"prompt_{i}"] = forms.ChoiceField(
                label=_("Prompt %(number)d") % {"number": i + 1},
                choices=[("", _("(none)")), *Prompt.choices],
                required=False,
            )
            self.fields[f"answer_{i}"] = forms.CharField(
                label=_("Your answer %(number)d") % {"number": i + 1},
                required=False,
                max_length=PROMPT_ANSWER_MAX_LENGTH,
            )

    def clean(self):
        data = super().clean()
        if data.get("age_min") and data.get("age_max") and data["age_min"] > data["age_max"]:
            self.add_error("age_max", _("The oldest age cannot be below the youngest."))
        for i in range(3):
            if data.get(f"prompt_{i}") and not (data.get(f"answer_{i}") or "").strip():
                self.add_error(f"answer_{i}", _("Answer the prompt, or choose none."))
        return data

    def profile_fields(self) -> ProfileFields:
        data = self.cleaned_data
        return ProfileFields(
            birth_date=data["birth_date"],
            gender=data["gender"],
            seeking=data["seeking"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            city=data["city"],
            bio=data.get("bio", ""),
            reach=data["reach"],
            hide_from_connections=data.get("hide_from_connections", False),
            is_dating=data.get("is_dating", False),
        )

    def prompts(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data.get(f"prompt_{i}", ""), self.cleaned_data.get(f"answer_{i}", ""))
            for i in range(3)
        ]

    @classmethod
    def initial_from(cls, profile) -> dict:
        if profile is None:
            return {}
        initial = {
            name: getattr(profile, name)
            for name in (
                "is_dating",
                "birth_date",
                "gender",
                "age_min",
                "age_max",
                "city",
                "bio",
                "reach",
                "hide_from_connections",
            )
        }
        initial["seeking"] = profile.seeking
        for i, prompt in enumerate(profile.prompts.all()):
            initial[f"prompt_{i}"] = prompt.prompt
            initial[f"answer_{i}"] = prompt.answer
        return initial


class PhotoForm(forms.Form):
    photo = vouching_forms.ImageUploadField(
        label=_("Add a photo"),
        help_text=_("JPEG, PNG or WebP, up to 10 MB. We remove location and camera data."),
    )


class IntroductionRequestForm(forms.Form):
    intermediary = forms.ChoiceField(label=_("Who should introduce you?"), widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("A word to your friend"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, mutual=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["intermediary"].choices = [(str(m.public_id), m.display_name) for m in mutual]


class IntroductionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Your introduction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why these two should meet, in a sentence or two."),
    )


class IntroductionOfferForm(IntroductionNoteForm):
    person_a = forms.ChoiceField(label=_("Introduce"))
    person_b = forms.ChoiceField(label=_("to"))

    field_order = ["person_a", "person_b", "note"]

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((str(m.public_id), m.display_name) for m in people)]
        self.fields["person_a"].choices = choices
        self.fields["person_b"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("person_a") and data.get("person_a") == data.get("person_b"):
            self.add_error("person_b", _("Choose two different people."))
        return data


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=Report.Reason.choices)
    note = forms.CharField(
        label=_("Tell the moderators what happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
