from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class GroupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=Group.State.ACTIVE)

    def working_groups(self):
        return self.filter(kind=Group.Kind.WORKING)

    def with_next_meeting(self):
        """Annotate `next_meeting_at` (the meetings app fills this in)."""
        return self


class Group(models.Model):
    """A Working Group or Interest Group (RULES G1, G2)."""

    class Kind(models.TextChoices):
        WORKING = "wg", "Working Group"
        INTEREST = "ig", "Interest Group"

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
        default=False, help_text="Interest Groups only: counts members for quorum like a WG (T1)."
    )
    delegated_sep_authority = models.BooleanField(
        default=False, help_text="Working Groups only: its leads may accept SEPs in its domain (S3)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    inactive_since = models.DateTimeField(
        null=True, blank=True, help_text="Set by the inactivity sweep (G7); cleared by new activity."
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write; drives ETags.")

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ig") | Q(adopts_member_tier=False), name="group_member_tier_switch_ig_only"
            ),
            models.CheckConstraint(
                condition=Q(kind="wg") | Q(delegated_sep_authority=False), name="group_sep_authority_wg_only"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:detail", args=[self.slug])

    @property
    def lead_title(self) -> str:
        return "Lead" if self.kind == self.Kind.WORKING else "Facilitator"

    @property
    def is_retired(self) -> bool:
        return self.state == self.State.RETIRED

    @property
    def counts_members(self) -> bool:
        return self.kind == self.Kind.WORKING or self.adopts_member_tier


class Tier(models.TextChoices):
    """RULES T1, lowest first."""

    OBSERVER = "observer", "Observer"
    PARTICIPANT = "participant", "Participant"
    MEMBER = "member", "Member"
    LEAD = "lead", "Lead"

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)


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
