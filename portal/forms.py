from django import forms

from .models import User, is_timezone_name, normalize_github


class TimezoneField(forms.CharField):
    """A zone name; the template offers the known names through a datalist."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and not is_timezone_name(value):
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
            "github": "Your GitHub login, with or without @. It shows as unverified and grants nothing (no SEP "
            "authorship, no seat, no attendance by handle) until you sign in with GitHub or a core maintainer "
            "confirms it.",
            "affiliation": "The organisation you work for, if any. Shown on member lists.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.github_verified_at:
            # DESIGN 12: a verified handle is GitHub's login; it is not retyped here (it follows GitHub sign-in).
            field = self.fields["github"]
            field.disabled = True
            field.help_text = (
                f"Verified ({self.instance.get_github_verified_via_display().lower()}); it follows your GitHub login."
            )

    def clean_github(self):
        if self.fields["github"].disabled:
            return self.instance.github
        handle = normalize_github(self.cleaned_data.get("github", ""))
        if handle and User.objects.by_github(handle).filter(github_verified_at__isnull=False).exists():
            raise forms.ValidationError("Another account has verified this GitHub handle.")
        return handle


class TimezoneChoiceForm(forms.Form):
    timezone = TimezoneField()
    next = forms.CharField(required=False)
