from django import forms
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast

from groups.models import Group
from portal.dataversion import memo
from portal.identity import person_for_handle
from portal.models import User
from portal.widgets import FastSelect, MemoChoices

from .models import SEP, SEPType, Status

_SPONSOR_FIELDS = ("pk", "username", "first_name", "last_name", "display_name", "github", "verified")


def filter_choices() -> tuple[list, list]:
    """(group choices, sponsor choices) of the index filters, in one query (a UNION of every group,
    so a group page's "Browse" link to a group without SEPs shows its empty state, and every person
    who sponsors a SEP), memoized per data version by the form."""
    group_rows = (
        Group.objects.order_by()
        .annotate(row_kind=Value("g"), **{f"u_{f}": Value(None, output_field=CharField()) for f in _SPONSOR_FIELDS})
        .values_list("row_kind", "slug", "name", *(f"u_{f}" for f in _SPONSOR_FIELDS))
    )
    sponsor_rows = (
        User.objects.order_by()
        .filter(Exists(SEP.objects.filter(sponsor=OuterRef("pk"))))
        .annotate(
            row_kind=Value("u"),
            g_slug=Value(None, output_field=CharField()),
            g_name=Value(None, output_field=CharField()),
            u_pk=Cast("pk", CharField()),
            # portal.identity.verified_handle: a placeholder's or a verified handle names a person
            verified=Case(
                When(Q(is_placeholder=True) | Q(github_verified_at__isnull=False), then=Value("1")),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .values_list("row_kind", "g_slug", "g_name", "u_pk", *_SPONSOR_FIELDS[1:])
    )
    groups, sponsors = [], []
    for kind, slug, name, *person in group_rows.union(sponsor_rows, all=True):
        if kind == "g":
            groups.append((slug, name))
        else:
            fields = dict(zip(_SPONSOR_FIELDS, person, strict=True))
            verified = fields.pop("verified") == "1" and fields["github"]
            sponsors.append((User(**fields), verified))
    groups.sort(key=lambda g: g[1])
    sponsors.sort(key=lambda s: (s[0].display_name, s[0].username))
    # a typed (unverified) handle names nobody: such a sponsor is chosen by id
    return groups, [(u.github if verified else f"id-{u.pk}", u.name) for u, verified in sponsors]


class FilterForm(forms.Form):
    """The index filters; they live in the query string so a filtered list is a shareable URL."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *SEPType.choices])
    group = forms.ChoiceField(label="Group", required=False, widget=FastSelect)
    sponsor = forms.ChoiceField(label="Sponsor", required=False, widget=FastSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        both = lambda: memo("seps:filter-choices", filter_choices)  # noqa: E731 - one query for the two lists
        self.fields["group"].choices = MemoChoices("seps:filter-groups", lambda: both()[0], blank=("", "Any group"))
        self.fields["sponsor"].choices = MemoChoices("seps:filter-sponsors", lambda: both()[1], blank=("", "Anyone"))

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
