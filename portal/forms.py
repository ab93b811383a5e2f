from django import forms

from .models import User, normalize_github, timezone_names


class TimezoneField(forms.CharField):
    """A zone name; the template offers the known names through a datalist."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and value not in timezone_names():
            raise forms.ValidationError(
                f"“{value}” is not a time zone we know. Use a name such as Europe/Berlin or America/New_York."
            )
        return value or "UTC"


class ProfileForm(forms.ModelForm):
    timezone = TimezoneField(label="Time zone", help_text="Meeting times are shown in this zone, e.g. Europe/Berlin.")

    class Meta:
        model = User
        fields = ["display_name", "github", "discord", "affiliation", "timezone"]
        help_texts = {
            "github": "Your GitHub login, with or without @. Used to match you to SEP authorship.",
            "affiliation": "The organisation you work for, if any. Shown on member lists.",
        }

    def clean_github(self):
        handle = normalize_github(self.cleaned_data.get("github", ""))
        if handle and User.objects.by_github(handle).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another account already uses this GitHub handle.")
        return handle


class TimezoneChoiceForm(forms.Form):
    timezone = TimezoneField()
    next = forms.CharField(required=False)
