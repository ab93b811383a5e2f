import re
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.markdown import RenderedMarkdownMixin
from portal.models import RankedChoices


class GroupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=Group.State.ACTIVE)

    def working_groups(self):
        return self.filter(kind=Group.Kind.WORKING)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(mission_summary__icontains=text) | Q(slug__icontains=text))


class GroupKind(models.TextChoices):
    WORKING = "wg", "Working Group"
    INTEREST = "ig", "Interest Group"


class Group(models.Model):
    """A Working Group or Interest Group (RULES G1, G2)."""

    Kind = GroupKind

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    kind = models.CharField(max_length=2, choices=Kind)
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    state = models.CharField(max_length=10, choices=State, default=State.PROPOSED, db_index=True)
    mission_summary = models.CharField(max_length=300, blank=True)
    formed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="formed_groups",
        limit_choices_to={"kind": "ig"},
        help_text="The Interest Group this Working Group grew out of.",
    )
    discord_channel = models.CharField(max_length=100, blank=True)
    discussion_category = models.URLField(blank=True)
    adopts_member_tier = models.BooleanField(
        default=False, help_text="Interest Groups only: counts members for quorum like a WG."
    )
    delegated_sep_authority = models.BooleanField(
        default=False, help_text="Working Groups only: its leads may accept SEPs in its domain."
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    inactive_since = models.DateTimeField(
        null=True, blank=True, help_text="Set by the inactivity sweep; cleared by new activity."
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write; drives ETags.")

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=GroupKind.INTEREST) | Q(adopts_member_tier=False),
                name="group_member_tier_switch_ig_only",
            ),
            models.CheckConstraint(
                condition=Q(kind=GroupKind.WORKING) | Q(delegated_sep_authority=False),
                name="group_sep_authority_wg_only",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:detail", args=[self.slug])

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_interest_group(self) -> bool:
        return self.kind == self.Kind.INTEREST

    @property
    def lead_title(self) -> str:
        return "Lead" if self.kind == self.Kind.WORKING else "Facilitator"

    @property
    def is_retired(self) -> bool:
        return self.state == self.State.RETIRED

    @property
    def counts_members(self) -> bool:
        return self.kind == self.Kind.WORKING or self.adopts_member_tier


class Tier(RankedChoices):
    """RULES T1, lowest first."""

    OBSERVER = "observer", "Observer"
    PARTICIPANT = "participant", "Participant"
    MEMBER = "member", "Member"
    LEAD = "lead", "Lead"


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)

    def leads(self):
        return self.current().filter(tier=Tier.LEAD)

    def active(self):
        return self.current().filter(status=Membership.Status.ACTIVE)


class Membership(models.Model):
    """A person's tier in a group over a period. A change ends the row and starts a new one."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EMERITUS = "emeritus", "Emeritus"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tier = models.CharField(max_length=12, choices=Tier, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    term = models.CharField(max_length=80, blank=True, help_text="For leads: the term, as the charter states it.")
    note = models.CharField(max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(ended_at__isnull=True), name="one_current_membership"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["group", "tier"], condition=Q(ended_at__isnull=True), name="current_tier")]

    def __str__(self):
        return f"{self.user} — {self.get_tier_display()} of {self.group}"

    @property
    def is_lead(self) -> bool:
        return self.tier == Tier.LEAD

    @property
    def is_observer(self) -> bool:
        return self.tier == Tier.OBSERVER

    @property
    def is_participant(self) -> bool:
        return self.tier == Tier.PARTICIPANT

    @property
    def is_emeritus(self) -> bool:
        return self.status == self.Status.EMERITUS


class Participation(models.Model):
    """Recorded participation in a group (attendance, agenda items, votes): read by T3 and T4."""

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", "Attended a meeting"
        AGENDA_ITEM = "agenda_item", "Proposed an agenda item"
        VOTE = "vote", "Voted"
        NOTES = "notes", "Published notes"
        OTHER = "other", "Other"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations")
    kind = models.CharField(max_length=20, choices=Kind)
    occurred_at = models.DateTimeField(db_index=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user", "kind", "source_type", "source_id"], name="participation_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["group", "user", "occurred_at"], name="participation_recent")]

    def __str__(self):
        return f"{self.user} {self.get_kind_display().lower()} in {self.group} at {self.occurred_at:%Y-%m-%d}"


class CharterSection(models.TextChoices):
    """The template's sections (G5), in the order a charter shows them."""

    MISSION = "mission", "Mission Statement"
    SCOPE_IN = "scope_in", "In Scope"
    SCOPE_OUT = "scope_out", "Out of Scope"
    RELATED = "related", "Related Groups"
    LEADERSHIP = "leadership", "Leadership"
    AUTHORITY = "authority", "Authority & Decision Rights"
    MEMBERSHIP = "membership", "Membership"
    OPERATIONS = "operations", "Operations"
    DELIVERABLES = "deliverables", "Deliverables"
    SUCCESS = "success", "Success Criteria"
    OTHER = "other", "Other sections"
    CHANGELOG = "changelog", "Changelog"


WG_ONLY_SECTIONS = {CharterSection.AUTHORITY}


class CharterVersionQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=CharterVersion.Status.APPROVED)

    def open(self):
        return self.filter(status__in=[CharterVersion.Status.DRAFT, CharterVersion.Status.SUBMITTED])


# /groups/<slug>/ shares its URL space with the app's own pages.
RESERVED_SLUGS = frozenset({"queue"})

SECTION_TOP_HEADING = 4  # pages title each charter section with an h3 (under an h2), so its own headings start at h4
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def render_section(source: str) -> str:
    """A charter section's markdown as sanitized HTML whose headings nest under the section's title."""
    from portal.markdown import render_markdown

    html = render_markdown(source)
    levels = [int(level) for _, level in _HEADING_TAG.findall(html)]
    if not levels or min(levels) >= SECTION_TOP_HEADING:
        return html
    shift = SECTION_TOP_HEADING - min(levels)
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html)


class CharterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CharterVersion(RenderedMarkdownMixin, models.Model):
    """One version of a group's charter (G5, G6): draft -> submitted -> approved | rejected.

    Sections are stored as markdown with their sanitized HTML beside them (DESIGN 8). The group's
    current charter is its latest approved version.
    """

    Status = CharterStatus

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="charter_versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, db_index=True)
    sections = models.JSONField(default=dict, blank=True, help_text="section key -> markdown")
    sections_html = models.JSONField(default=dict, blank=True, editable=False)
    summary = models.CharField(max_length=200, blank=True, help_text="What this version changes.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    rationale_html = models.TextField(blank=True, editable=False)
    source = models.CharField(max_length=300, blank=True, help_text="Imported from this file, if any.")
    MARKDOWN_FIELDS = {"rationale": "rationale_html"}
    source_digest = models.CharField(max_length=64, blank=True)

    objects = CharterVersionQuerySet.as_manager()

    class Meta:
        ordering = ["group", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="charter_version_number_unique"),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(status__in=[CharterStatus.DRAFT, CharterStatus.SUBMITTED]),
                name="one_open_charter_amendment",
            ),
        ]

    def __str__(self):
        return f"{self.group} charter v{self.number} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("groups:charter_version", args=[self.group.slug, self.number])

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    def render(self):
        self.sections_html = {key: render_section(src) for key, src in self.sections.items() if src.strip()}

    def rendered_sections(self):
        """[(key, title, html)] in template order, skipping empty ones."""
        out = []
        for key, title in CharterSection.choices:
            html = self.sections_html.get(key)
            if html:
                out.append((key, title, html))
        return out

    def as_text(self) -> str:
        parts = []
        for key, title in CharterSection.choices:
            src = (self.sections.get(key) or "").strip()
            if src:
                parts.append(f"## {title}\n\n{src}\n")
        return "\n".join(parts)


class Sponsorship(models.Model):
    """G3/G4: a core or lead maintainer sponsors a group's formation (recorded in the admin)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sponsorships")
    sponsor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sponsorships")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["group", "sponsor"], name="one_sponsorship_per_person")]

    def __str__(self):
        return f"{self.sponsor} sponsors {self.group}"


class NominationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Nomination.Status.OPEN)

    def due(self, now):
        """Open nominations whose objection window has closed (not yet handled)."""
        return self.open().filter(deadline__lte=now)


class NominationStatus(models.TextChoices):
    OPEN = "open", "Open for objections"
    CONFIRMED = "confirmed", "Confirmed"
    OBJECTED = "objected", "Objected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Nomination(RenderedMarkdownMixin, models.Model):
    """T3: a nomination of a participant to member, with a 7-day objection window."""

    Status = NominationStatus

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="nominations")
    nominee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rationale = models.TextField()
    rationale_html = models.TextField(blank=True, editable=False)
    MARKDOWN_FIELDS = {"rationale": "rationale_html"}
    override_reason = models.TextField(
        blank=True, help_text="A lead's written reason to waive the 90-day participation check."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(default=timezone.now)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "nominee"],
                condition=Q(status=NominationStatus.OPEN),
                name="one_open_nomination_per_person",
            )
        ]

    def __str__(self):
        return f"Nomination of {self.nominee} to member of {self.group}"

    def get_absolute_url(self):
        return reverse("groups:nomination", args=[self.group.slug, self.pk])

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def accepts_objections(self) -> bool:
        """Still in the OPEN status (the sweep closes it at the deadline); see `is_open` for the clock too."""
        return self.status == self.Status.OPEN

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline > timezone.now()

    @property
    def remaining(self):
        return max(self.deadline - timezone.now(), timedelta(0))


class Objection(RenderedMarkdownMixin, models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="objections")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    reason_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    MARKDOWN_FIELDS = {"reason": "reason_html"}

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Objection by {self.by} to {self.nomination}"


class RetirementStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class RetirementProposal(RenderedMarkdownMixin, models.Model):
    """G7: proposed by a lead or core maintainer with a rationale; a core or lead maintainer decides."""

    Status = RetirementStatus

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="retirement_proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rationale = models.TextField()
    rationale_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_rationale = models.TextField(blank=True)
    decision_rationale_html = models.TextField(blank=True, editable=False)

    MARKDOWN_FIELDS = {"rationale": "rationale_html", "decision_rationale": "decision_rationale_html"}

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group"], condition=Q(status=RetirementStatus.OPEN), name="one_open_retirement_proposal"
            )
        ]

    def __str__(self):
        return f"Retirement of {self.group} ({self.get_status_display().lower()})"


# Decisions (D1-D5) and quarterly reports (G8) live in their own modules; imported here so Django sees them.
from .decision_models import (  # noqa: E402
    Ballot,
    Block,
    EligibleVoter,
    Escalation,
    EscalationResponse,
    Proposal,
    ProposalKind,
    Vote,
    VoteRequest,
)
from .report_models import QuarterlyReport, ReportSection  # noqa: E402

__all__ = [
    "Ballot",
    "Block",
    "EligibleVoter",
    "Escalation",
    "EscalationResponse",
    "Proposal",
    "ProposalKind",
    "QuarterlyReport",
    "ReportSection",
    "Vote",
    "VoteRequest",
]
