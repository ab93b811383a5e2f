from django import forms

from groups.models import Group
from portal.identity import person_for_handle, verified_handle
from portal.models import User
from portal.widgets import FastSelect

from .models import SEP, SEPType, Status


class FilterForm(forms.Form):
    """The index filters; they live in the query string so a filtered list is a shareable URL."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *SEPType.choices])
    group = forms.ChoiceField(label="Group", required=False, widget=FastSelect)
    sponsor = forms.ChoiceField(label="Sponsor", required=False, widget=FastSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every group, so a group page's "Browse" link to a group without SEPs shows its empty state.
        groups = Group.objects.order_by("name").values_list("slug", "name")
        self.fields["group"].choices = [("", "Any group"), *groups]
        sponsors = (
            User.objects.filter(sponsored_seps__isnull=False)
            .distinct()
            .order_by("display_name", "username")
            .only("pk", "username", "display_name", "github", "github_verified_at", "is_placeholder", "first_name",
                  "last_name")
        )  # fmt: skip
        self.fields["sponsor"].choices = [
            ("", "Anyone"),
            *[(u.github if verified_handle(u) else f"id-{u.pk}", u.name) for u in sponsors],
        ]

    def apply(self, qs):
        """Apply every valid filter; an invalid one (a stale or hand-edited URL) is ignored and
        named in `ignored`, never a reason to drop the others."""
        self.is_valid()
        d = self.cleaned_data  # holds only the fields that passed
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        if d.get("type"):
            qs = qs.filter(type=d["type"])
        if d.get("group"):
            qs = qs.filter(group__slug=d["group"])
        if d.get("sponsor"):
            key = d["sponsor"]
            if key.startswith("id-") and key[3:].isdigit():
                qs = qs.filter(sponsor__pk=int(key[3:]))
            else:  # a verified handle names one person (portal.identity); a typed one names nobody
                person = person_for_handle(key)
                qs = qs.filter(sponsor=person) if person else qs.none()
        return qs.search(d.get("q", ""))

    @property
    def ignored(self) -> list[str]:
        return [self.fields[name].label for name in self.errors if name in self.fields]


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label="Rationale", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, strip=True,
        error_messages={"required": "Give a rationale: every status change records why."},
    )  # fmt: skip
    successor = forms.CharField(label="Superseded by SEP number", required=False, max_length=20)
    reference_implementation = forms.URLField(label="Reference implementation link", required=False)


class EditForm(forms.ModelForm):
    class Meta:
        model = SEP
        fields = ["title", "type", "group", "pr_url", "discussion_url", "reference_implementation"]
