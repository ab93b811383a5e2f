"""Forms for decisions (D1-D5) and quarterly reports (G8). Services re-check everything."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from portal.models import User

from . import deadlines
from .models import Ballot, EscalationResponse, ProposalKind, ReportSection


def _required_text(label, rows=4, max_length=10000, help_text="", message=""):
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=max_length,
        help_text=help_text,
        error_messages={"required": message or f"{label} is required."},
    )


class StrippedForm(forms.Form):
    """Whitespace-only text counts as empty."""

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            value = data.get(name)
            if isinstance(field, forms.CharField) and field.required and isinstance(value, str) and not value.strip():
                self.add_error(name, field.error_messages["required"])
        return data


class ProposalForm(StrippedForm):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(
        label="Kind",
        choices=ProposalKind.choices,
        help_text="Minor: at least 5 days' notice. Significant or scope change: at least 10 days (D1).",
    )
    body = _required_text("Proposal (markdown)", rows=8, max_length=20000, message="Write the proposal.")
    deadline = forms.DateTimeField(
        label="Deadline for objections",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your time zone.",
        error_messages={"required": "Choose a deadline.", "invalid": "Enter a date and time, e.g. 2026-12-20 17:00."},
    )

    @staticmethod
    def initial_deadline(kind=ProposalKind.SIGNIFICANT):
        moment = timezone.localtime(deadlines.earliest_deadline(kind) + timedelta(hours=1))
        return moment.replace(minute=0, second=0, microsecond=0)


class BlockForm(StrippedForm):
    objection = _required_text("Your objection", message="A block needs a documented objection (D2).")
    alternative = _required_text(
        "Proposed alternative or criteria for resolution",
        message="A block needs a proposed alternative or criteria for resolution (D2).",
    )


class BallotForm(StrippedForm):
    choice = forms.ChoiceField(label="Your vote", choices=Ballot.Choice.choices, widget=forms.RadioSelect)
    rationale = _required_text("Rationale (public)", rows=3, message="Every vote carries a rationale (D4).")


class ContestForm(StrippedForm):
    options = _required_text("Documented options", message="List the options core maintainers choose between.")
    disagreement = _required_text("Points of disagreement", message="State the points of disagreement.")


class DesignateForm(forms.Form):
    designee = forms.ModelChoiceField(label="Core maintainer who resolves it", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["designee"].queryset = User.objects.core_maintainers().order_by("display_name", "username")
        self.fields["designee"].label_from_instance = lambda u: (
            f"{u.name} ({u.affiliation})" if u.affiliation else u.name
        )


class RespondForm(StrippedForm):
    kind = forms.ChoiceField(label="Response", choices=EscalationResponse.Kind.choices, widget=forms.RadioSelect)
    text = _required_text("Text (markdown)", rows=6, max_length=20000, message="Write the response.")


class ReportForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in ReportSection.choices:
            self.fields[key] = forms.CharField(
                label=f"{label} (markdown)", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
            )
