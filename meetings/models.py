"""Meetings, series, agenda items, notes and attendance (RULES M1-M7).

Every deadline is computed here, from `settings.GOVERNANCE`, and nowhere else:
`publication_cutoff`, `publication_reminder_at`, `notes_reminder_at`, `notes_due_at`.
"""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.markdown import RenderedMarkdownMixin
from portal.models import validate_timezone


def governance(key: str) -> timedelta:
    return settings.GOVERNANCE[key]


def publish_ahead() -> timedelta:
    return governance("MEETING_PUBLISH_AHEAD")


MAX_DURATION = timedelta(hours=12)  # lets "upcoming" use the start index (a meeting ends within this of its start)


def earliest_publishable_start(now=None):
    """M2: the earliest start a meeting may have if it is published at `now`."""
    return (now or timezone.now()) + publish_ahead()


def render_section(source: str) -> str:
    """Markdown for a section of the meeting page (under an h2): headings shift two levels down
    (`#` becomes h3) so the page outline stays in order. Sanitized by portal.markdown first."""
    import re

    from portal.markdown import render_markdown

    html = render_markdown(source)
    return re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", html)


def governance_labels() -> dict:
    """The M2/M4 durations for texts (templates, messages), from settings like every deadline."""
    return {
        "ahead_days": publish_ahead().days,
        "due_hours": int(governance("NOTES_DUE_AFTER_END").total_seconds() // 3600),
    }


class MeetingSeries(models.Model):
    """A recurring series (M7); `generate_series` creates its meetings over a rolling window."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        BIWEEKLY = "biweekly", "Every two weeks"
        MONTHLY = "monthly", "Monthly, on the same n-th weekday"

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="meeting_series")
    title = models.CharField(max_length=200)
    frequency = models.CharField(max_length=10, choices=Frequency)
    first_date = models.DateField(help_text="Date of the first meeting, in the series' time zone.")
    local_time = models.TimeField(help_text="Start time in the series' time zone; kept across DST changes.")
    timezone_name = models.CharField(max_length=64, validators=[validate_timezone])
    duration = models.DurationField(default=timedelta(hours=1))
    join_url = models.URLField(max_length=500)
    agenda_md = models.TextField(blank=True, help_text="Agenda each generated meeting starts with.")
    until = models.DateField(null=True, blank=True, help_text="Last date a meeting may fall on (optional).")
    auto_publish = models.BooleanField(
        default=True,
        help_text="Publish generated meetings that are at least the publication lead time ahead; "
        "others are created as drafts.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    generated_until = models.DateTimeField(null=True, blank=True)
    next_start_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Start of the first occurrence not generated yet."
    )

    class Meta:
        ordering = ["group", "title"]
        verbose_name_plural = "meeting series"
        indexes = [models.Index(fields=["next_start_at"], condition=Q(ended_at__isnull=True), name="series_next_start")]

    def __str__(self):
        return f"{self.title} ({self.get_frequency_display().lower()})"

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone_name)


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"
    MISSED_PUBLICATION = "missed_publication", "Missed publication"


# Published meetings always carry published_at; cancelled ones only if they had been published.
VALID = Q(status__in=[MeetingStatus.PUBLISHED, MeetingStatus.CANCELLED], published_at__isnull=False)


class MeetingQuerySet(models.QuerySet):
    def valid(self):
        """Meetings people may rely on: published, or published then cancelled (never drafts or missed)."""
        return self.filter(VALID)

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.valid().filter(ends_at__gt=now, starts_at__gt=now - MAX_DURATION).order_by("starts_at", "pk")

    def past(self, now=None):
        return self.valid().filter(starts_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")

    def held(self):
        return self.filter(status=Meeting.Status.PUBLISHED)

    def notes_overdue(self):
        return self.filter(status=Meeting.Status.PUBLISHED, notes_overdue_at__isnull=False, notes_published_at=None)

    def missed_publication(self):
        return self.filter(status=Meeting.Status.MISSED_PUBLICATION)

    def for_groups_of(self, user):
        from groups.models import Membership

        return self.filter(group__in=Membership.objects.current().filter(user=user).values("group"))


class Meeting(models.Model):
    Status = MeetingStatus

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="meetings")
    series = models.ForeignKey(MeetingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings")
    occurrence_date = models.DateField(null=True, blank=True, help_text="Series only: the local date it falls on.")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField(db_index=True, help_text="Stored in UTC.")
    timezone_name = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="The zone the lead scheduled it in."
    )
    duration = models.DurationField(default=timedelta(hours=1))
    ends_at = models.DateTimeField(db_index=True, editable=False)
    join_url = models.URLField("Join link", max_length=500)
    agenda_md = models.TextField("Agenda", blank=True)
    agenda_html = models.TextField(blank=True, editable=False)

    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Bumped by every write; drives ETags.")
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE; bumped on every change.")

    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    late_publication_reason = models.TextField(blank=True)
    late_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    publication_reminded_at = models.DateTimeField(null=True, blank=True)
    missed_publication_at = models.DateTimeField(null=True, blank=True)

    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_reason = models.TextField(blank=True)

    # M5: people at the meeting without a (verified) account: names as written, shown with the
    # attendance; they gain no participation (only a verified person can).
    attendance_guests = models.JSONField(default=list, blank=True)
    notes_md = models.TextField("Notes", blank=True)
    notes_html = models.TextField(blank=True, editable=False)
    notes_published_at = models.DateTimeField(null=True, blank=True)
    notes_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes_reminded_at = models.DateTimeField(null=True, blank=True)
    notes_overdue_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by the notes sweep at the deadline; cleared when notes are published."
    )
    notes_late = models.BooleanField(default=False, help_text="Notes were published after the deadline.")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_date"],
                condition=Q(series__isnull=False),
                name="meeting_once_per_series_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="meeting_status_start"),
            models.Index(fields=["group", "status", "starts_at"], name="meeting_group_status_start"),
            models.Index(fields=["status", "ends_at"], name="meeting_status_end"),
            # lists and counts of valid meetings by time (and group) are index-only scans
            models.Index(fields=["starts_at", "ends_at", "group"], condition=VALID, name="meeting_valid_start"),
            models.Index(fields=["updated_at"], name="meeting_updated"),
            models.Index(fields=["group", "updated_at"], name="meeting_group_updated"),
            # a lead's dashboard: held meetings still without notes (few rows among many)
            models.Index(
                fields=["group", "starts_at"],
                condition=Q(status=MeetingStatus.PUBLISHED, notes_published_at__isnull=True),
                name="meeting_notes_due",
            ),
            # the group page's recent notes (and its "any notes?" fact): few rows per group, newest first
            models.Index(
                fields=["group", "starts_at"],
                condition=Q(status=MeetingStatus.PUBLISHED, notes_published_at__isnull=False),
                name="meeting_notes_published",
            ),
            # the notes sweep (M4): meetings ended without notes and not yet flagged, oldest first;
            # tiny however long the history (the ends_at index read 75,000 rows to find none)
            models.Index(
                fields=["ends_at"],
                condition=Q(status="published", notes_published_at__isnull=True, notes_overdue_at__isnull=True),
                name="meeting_notes_pending",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.starts_at is not None and self.duration is not None:
            self.ends_at = self.starts_at + self.duration
            if kwargs.get("update_fields") is not None and "starts_at" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "ends_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_missed_publication(self) -> bool:
        return self.status == self.Status.MISSED_PUBLICATION

    # --- deadlines (M2, M4): the one place they are computed --------------------------------
    @property
    def publication_cutoff(self):
        return self.starts_at - publish_ahead()

    @property
    def publication_reminder_at(self):
        return self.publication_cutoff - governance("MEETING_PUBLISH_REMINDER_BEFORE_CUTOFF")

    @property
    def notes_reminder_at(self):
        return self.ends_at + governance("NOTES_REMINDER_AFTER_END")

    @property
    def notes_due_at(self):
        return self.ends_at + governance("NOTES_DUE_AFTER_END")

    # --- presentation helpers -----------------------------------------------------------------
    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone_name)

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_start_label(self) -> str:
        """The start as scheduled, in the meeting's own zone (templates would convert a datetime
        to the viewer's zone)."""
        return f"{self.local_start:%a %-d %b %Y, %H:%M} {self.timezone_name}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.PUBLISHED or (
            self.status == self.Status.CANCELLED and self.published_at is not None
        )

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def published_ahead(self):
        return self.starts_at - self.published_at if self.published_at else None

    @property
    def published_ahead_label(self) -> str:
        """`9 days` (rounded to whole days from two days on), else hours."""
        ahead = self.published_ahead
        if ahead is None:
            return ""
        hours = ahead.total_seconds() / 3600
        if hours >= 48:
            return f"{round(hours / 24)} days"
        return f"{max(int(hours), 0)} hour{'s' if int(hours) != 1 else ''}"

    @property
    def published_late(self) -> bool:
        return bool(self.published_at and self.published_at > self.publication_cutoff)

    @property
    def notes_after(self):
        return self.notes_published_at - self.ends_at if self.notes_published_at else None

    @property
    def notes_after_label(self) -> str:
        """`30 hours` (M4 is counted in hours), `less than an hour`, or days beyond a week."""
        after = self.notes_after
        if after is None:
            return ""
        hours = int(after.total_seconds() // 3600)
        if hours < 1:
            return "less than an hour"
        if hours >= 24 * 7:
            return f"{hours // 24} days"
        return f"{hours} hour{'s' if hours != 1 else ''}"

    @property
    def is_notes_overdue(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED and self.notes_overdue_at is not None and not self.notes_published_at
        )


class AgendaItem(RenderedMarkdownMixin, models.Model):
    """M3: proposed by participants or above, accepted or declined by the leads."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    details_html = models.TextField(blank=True, editable=False)
    MARKDOWN_FIELDS = {"details": "details_html"}
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status, default=Status.PROPOSED, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def group_id(self):  # lets the event log find the group
        return self.meeting.group_id


class Attendance(models.Model):
    """M5: who attended; each row has a matching groups.Participation (kind attendance)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendances")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "user__display_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once")]

    def __str__(self):
        return f"{self.user} at {self.meeting}"
