from django import forms

from .models import CharterSection, Group, Tier


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *Group.Kind.choices])
    state = forms.ChoiceField(label="State", required=False, choices=[("", "All states"), *Group.State.choices])


class JoinForm(forms.Form):
    tier = forms.ChoiceField(
        label="Join as",
        choices=[(Tier.OBSERVER, "Observer (follow)"), (Tier.PARTICIPANT, "Participant (propose and vote)")],
    )


class NominationForm(forms.Form):
    nominee = forms.ModelChoiceField(label="Participant to nominate", queryset=None, empty_label=None)
    rationale = forms.CharField(label="Why this person", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    override_reason = forms.CharField(
        label="Override reason (leads only)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Only when the nominee lacks the participation time or recorded activity; it is recorded.",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = candidates
        self.fields["nominee"].label_from_instance = lambda u: f"{u.name} (@{u.github})" if u.github else u.name


class ReasonForm(forms.Form):
    """An objection to a nomination (T3)."""

    NEEDED = "An objection needs a reason."
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, error_messages={"required": NEEDED}
    )

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(self.NEEDED)
        return value


class RationaleForm(forms.Form):
    rationale = forms.CharField(label="Rationale", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)

    def clean_rationale(self):
        value = self.cleaned_data["rationale"].strip()
        if not value:
            raise forms.ValidationError("Write a rationale; it is recorded.")
        return value


class SectionForm(forms.Form):
    key = forms.ChoiceField(choices=CharterSection.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Markdown", required=False, widget=forms.Textarea(attrs={"rows": 10}), max_length=40000
    )


class CharterDraftForm(forms.Form):
    """The whole amendment in one form: every section's markdown and the one-line summary.

    Saving posts every section, so a section typed but not saved separately is never lost;
    "Submit for approval" saves everything first, then submits."""

    summary = forms.CharField(label="What this amendment changes (one line)", max_length=200, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        for key, title in CharterSection.choices:
            self.fields[f"section_{key}"] = forms.CharField(
                label=f"{title} (markdown)",
                required=False,
                max_length=40000,
                strip=False,
                initial=version.sections.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 8}),
            )
        self.fields["summary"].initial = version.summary

    def texts(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"section_{key}"] for key in CharterSection.values}

    def rows(self, version):
        """[(key, title, bound field, rendered html)] in the charter's order."""
        return [
            (key, title, self[f"section_{key}"], version.sections_html.get(key, ""))
            for key, title in CharterSection.choices
        ]


class SubmitCharterForm(forms.Form):
    summary = forms.CharField(label="What this amendment changes", max_length=200)
