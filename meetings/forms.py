from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import URLValidator

from groups.models import Group, Membership
from portal.errors import DomainError
from portal.models import User, timezone_names, validate_timezone

from .models import MeetingSeries
from .services import clean_guests, resolve_github_handles

WEB_LINK = URLValidator(schemes=["http", "https"], message="Enter a web link starting with https:// or http://.")
MARKDOWN_MAX = 50_000  # characters of agenda or notes; the live preview renders the same amount


class TimezoneField(forms.CharField):
    default_validators = [validate_timezone]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "The zone the time above is in, e.g. Europe/Berlin. Viewers see it in theirs.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "meeting-tz-names", "autocomplete": "off"}))
        super().__init__(**kwargs)


def to_utc(local_naive: datetime, zone_name: str) -> datetime:
    """A local wall time in a zone -> aware UTC; refuses times a DST change skips."""
    zone = ZoneInfo(zone_name)
    aware = local_naive.replace(tzinfo=zone)
    utc = aware.astimezone(ZoneInfo("UTC"))
    if utc.astimezone(zone).replace(tzinfo=None) != local_naive:
        raise forms.ValidationError(
            f"{local_naive:%H:%M} does not exist on {local_naive:%-d %b %Y} in {zone_name} "
            "(clocks change that night); pick another time."
        )
    return utc


class MeetingForm(forms.Form):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    start = forms.DateTimeField(
        label="Start (local time in the zone below)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    timezone_name = TimezoneField(label="Meeting time zone")
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=5, max_value=12 * 60, initial=60)
    join_url = forms.URLField(
        label="Join link", max_length=500, assume_scheme="https", validators=[WEB_LINK]
    )  # http(s) only, as the services
    agenda_md = forms.CharField(
        label="Agenda (markdown)",
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Public. Accepted agenda items are listed below it.",
    )

    def __init__(self, *args, groups=None, fixed_group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_group is not None:
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups if groups is not None else Group.objects.none()

    def clean(self):
        data = super().clean()
        start, zone = data.get("start"), data.get("timezone_name")
        if start and zone:
            if start.tzinfo is not None:
                start = start.replace(tzinfo=None)
            try:
                data["starts_at"] = to_utc(start, zone)
            except forms.ValidationError as exc:
                self.add_error("start", exc)
        if data.get("duration_minutes"):
            data["duration"] = timedelta(minutes=data["duration_minutes"])
        return data

    def meeting_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "starts_at": d["starts_at"],
            "timezone_name": d["timezone_name"],
            "duration": d["duration"],
            "join_url": d["join_url"],
            "agenda_md": d["agenda_md"],
        }

    @classmethod
    def initial_for(cls, meeting) -> dict:
        return {
            "title": meeting.title,
            "start": meeting.local_start.replace(tzinfo=None),
            "timezone_name": meeting.timezone_name,
            "duration_minutes": int(meeting.duration.total_seconds() // 60),
            "join_url": meeting.join_url,
            "agenda_md": meeting.agenda_md,
        }


class SeriesForm(forms.Form):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    frequency = forms.ChoiceField(choices=MeetingSeries.Frequency.choices)
    first_date = forms.DateField(label="First meeting on", widget=forms.DateInput(attrs={"type": "date"}))
    local_time = forms.TimeField(label="Start time (local)", widget=forms.TimeInput(attrs={"type": "time"}))
    timezone_name = TimezoneField(label="Meeting time zone")
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=5, max_value=12 * 60, initial=60)
    join_url = forms.URLField(
        label="Join link", max_length=500, assume_scheme="https", validators=[WEB_LINK]
    )  # http(s) only, as the services
    agenda_md = forms.CharField(
        label="Standing agenda (markdown)",
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    until = forms.DateField(
        label="Last date (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    auto_publish = forms.BooleanField(
        label="Publish generated meetings that are at least 7 days ahead",
        required=False,
        initial=True,
        help_text="Others are created as drafts you publish yourself.",
    )
    keep_early_dates = forms.BooleanField(
        label="Keep dates that can no longer be published on time",
        required=False,
        initial=False,
        help_text="Without this, the series starts on its first date that can still be published on time. "
        "Earlier dates become drafts that only a core maintainer can publish late.",
    )

    def __init__(self, *args, groups=None, **kwargs):
        from .models import governance_labels

        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups if groups is not None else Group.objects.none()
        days = governance_labels()["ahead_days"]
        self.fields["auto_publish"].label = f"Publish generated meetings that are at least {days} days ahead"


class PublishForm(forms.Form):
    late_reason = forms.CharField(
        label="Reason for publishing late (core maintainers)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded and shown on the meeting.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class NotesForm(forms.Form):
    notes_md = forms.CharField(
        label="Notes (markdown)", max_length=MARKDOWN_MAX, widget=forms.Textarea(attrs={"rows": 14})
    )
    attendees = forms.ModelMultipleChoiceField(
        label="Who attended", queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    extra_handles = forms.CharField(
        label="Others who attended (GitHub handles)",
        required=False,
        max_length=5000,
        help_text="Separated by spaces or commas, e.g. @octocat, hubot. A handle nobody has verified yet is "
        "listed as a guest.",
    )
    guests = forms.CharField(
        label="Guests without an account",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One name per line. Guests are listed with the attendance; they do not count as participation.",
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(
            pk__in=Membership.objects.current().filter(group_id=meeting.group_id).values("user_id")
        ) | User.objects.filter(pk__in=meeting.attendances.values("user_id"))
        self.fields["attendees"].queryset = people.distinct().order_by("display_name", "username")
        self.fields["attendees"].label_from_instance = lambda u: f"{u.name} (@{u.github})" if u.github else u.name

    def clean_extra_handles(self):
        # a handle nobody has verified names nobody (M5): it does not block the notes, it is listed as a
        # guest, and grants nothing until its owner signs in with GitHub
        users, unknown = resolve_github_handles(self.cleaned_data["extra_handles"])
        self.extra_users = users
        self.unverified_handles = unknown
        return self.cleaned_data["extra_handles"]

    def clean_guests(self):
        lines = self.cleaned_data["guests"].splitlines()
        try:
            return clean_guests(lines)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def attendee_guests(self) -> list[str]:
        names = list(self.cleaned_data.get("guests") or [])
        names += [f"@{h} (handle not verified)" for h in getattr(self, "unverified_handles", [])]
        return names

    def attendee_users(self):
        users = {u.pk: u for u in self.cleaned_data.get("attendees", [])}
        for u in getattr(self, "extra_users", []):
            users.setdefault(u.pk, u)
        return list(users.values())


class AgendaItemForm(forms.Form):
    title = forms.CharField(label="Agenda item", max_length=200)
    details = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown: **bold**, links, lists and task lists (- [ ] to do).",
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    note = forms.CharField(required=False, max_length=300)


class FilterForm(forms.Form):
    group = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *Group.Kind.choices])
    when = forms.ChoiceField(required=False, choices=[("upcoming", "Upcoming"), ("past", "Past, with notes")])


def all_timezones():
    return timezone_names()


class SeriesEndForm(forms.Form):
    cancel_published = forms.BooleanField(
        label="Also cancel the meetings already published",
        required=False,
        help_text="Otherwise they take place as planned.",
    )
    reason = forms.CharField(
        label="Reason (shown on each cancelled published meeting)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("cancel_published") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the published meetings are cancelled; the reason is shown to everyone.")
        return data
