"""Quarterly reports of Working Groups (RULES G8). Imported by `groups.models`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .deadlines import Quarter


class ReportSection(models.TextChoices):
    """G8: the five sections, in the order a report shows them."""

    PROGRESS = "progress", "Progress against deliverables"
    BLOCKED = "blocked", "Blocked items and escalations"
    MEMBERSHIP = "membership", "Membership changes"
    PRIORITIES = "priorities", "Upcoming priorities"
    RESOURCES = "resources", "Resource needs"


class QuarterlyReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=QuarterlyReport.Status.PUBLISHED)

    def unpublished(self):
        return self.exclude(status=QuarterlyReport.Status.PUBLISHED)

    def overdue(self):
        return self.unpublished().filter(overdue_at__isnull=False)


class QuarterlyReport(models.Model):
    """One WG's report for one quarter: a draft pre-filled from the portal's data, then published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="reports")
    quarter_end = models.DateField(help_text="The last day of the quarter (end of Jan, Apr, Jul or Oct).")
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, db_index=True)
    sections = models.JSONField(default=dict, blank=True, help_text="section key -> markdown")
    sections_html = models.JSONField(default=dict, blank=True, editable=False)
    figures = models.JSONField(default=list, blank=True, help_text="The portal's own figures for the quarter.")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="Leads were told it is due (G8).")
    overdue_at = models.DateTimeField(null=True, blank=True, help_text="Set by the sweep after the due date.")

    objects = QuarterlyReportQuerySet.as_manager()

    class Meta:
        ordering = ["group", "-quarter_end"]
        constraints = [
            models.UniqueConstraint(fields=["group", "quarter_end"], name="one_report_per_quarter"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="report_published_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="report_status_due")]

    def __str__(self):
        return f"{self.group} report, {self.quarter.label}"

    def get_absolute_url(self):
        return reverse("groups:report", args=[self.group.slug, self.quarter.slug])

    @property
    def quarter(self) -> Quarter:
        return Quarter(end=self.quarter_end)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_late(self) -> bool:
        return bool(self.published_at and self.published_at > self.due_at)

    def render(self):
        from portal.markdown import render_markdown

        self.sections_html = {k: render_markdown(v) for k, v in self.sections.items() if (v or "").strip()}

    def rendered_sections(self):
        return [(k, t, self.sections_html.get(k, "")) for k, t in ReportSection.choices]
