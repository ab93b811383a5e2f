"""SEPs, their authors and the queries the pages need (RULES S1, S2, S8)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from portal.identity import verified_handle
from portal.markdown import render_markdown_with_outline
from portal.models import RankedChoices

SEP_REPOSITORY = "https://github.com/modelcontextprotocol/modelcontextprotocol"


class Status(RankedChoices):
    """RULES S2, in lifecycle order (the index lists them in this order)."""

    PROPOSAL = "proposal", "Proposal"
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in-review", "In review"
    ACCEPTED = "accepted", "Accepted"
    FINAL = "final", "Final"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded"
    DORMANT = "dormant", "Dormant"


class SEPType(models.TextChoices):
    STANDARDS = "standards-track", "Standards Track"
    EXTENSIONS = "extensions-track", "Extensions Track"
    INFORMATIONAL = "informational", "Informational"
    PROCESS = "process", "Process"


class RoadmapArea(models.TextChoices):
    """The roadmap's priority areas (S8): SEPs aligned with one are reviewed first."""

    NONE = "", "Not aligned"
    TRANSPORT = "transport", "Transport evolution and scalability"
    AGENTS = "agents", "Agent communication"
    GOVERNANCE = "governance", "Governance maturation"
    ENTERPRISE = "enterprise", "Enterprise readiness"


def status_label(value) -> str:
    """ "in-review" -> "in review" for timelines and feeds; an unknown value is shown as it is."""
    try:
        return Status(value).label.lower()
    except ValueError:
        return str(value)


STATUS_BADGE = {
    Status.PROPOSAL: "muted",
    Status.DRAFT: "",
    Status.IN_REVIEW: "warn",
    Status.ACCEPTED: "ok",
    Status.FINAL: "ok",
    Status.REJECTED: "bad",
    Status.WITHDRAWN: "muted",
    Status.SUPERSEDED: "muted",
    Status.DORMANT: "muted",
}


def _plain(text: str) -> str:
    """Heading text for the outline without inline markdown (`code`, **bold**, _em_, [links](…))."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[`*]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", "", text).strip()


# A link from one SEP file to another in the same folder (`./2260-some-title.md#part`).
SIBLING_LINK_RE = re.compile(r'href="(?:\./|(?:\.\./)?seps/)?0*([1-9][0-9]{0,8})-[^"/#?]*\.md(#[^"]*)?"')


def link_sibling_seps(html: str) -> str:
    """Point links to sibling SEP files at their pages here (they would 404 as relative links)."""
    return SIBLING_LINK_RE.sub(
        lambda m: f'href="{reverse("seps:detail", args=[int(m[1])])}{m[2] or ""}"',
        html,
    )


def lifecycle_order():
    return Case(
        *[When(status=value, then=Value(i)) for i, value in enumerate(Status.values)],
        default=Value(99),
        output_field=IntegerField(),
    )


LIST_DEFERRED = ("body", "body_html", "outline")


class SEPQuerySet(models.QuerySet):
    def for_lists(self):
        """Rows for lists: sponsor and group joined, authors as a plain list in `author_list`; the
        (large) body columns are left in the database."""
        return (
            self.defer(*LIST_DEFERRED)
            .select_related("sponsor", "group")
            .prefetch_related(
                models.Prefetch("authors", queryset=SEPAuthor.objects.order_by("position", "id"), to_attr="author_list")
            )
        )

    def in_lifecycle_order(self):
        return self.annotate(lifecycle=lifecycle_order()).order_by("lifecycle", "-number")

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        q = Q(title__icontains=text) | Q(body__icontains=text)
        number = re.fullmatch(r"(?:SEP[-\s]?)?#?(\d{1,9})", text, re.I)
        if number:  # "2133", "#2133" or "SEP-2133" also finds that SEP itself
            q |= Q(number=int(number[1]))
        return self.filter(q)

    def authored_by(self, user):
        """SEPs listing this person as an author: by account, or by their verified handle (a typed
        handle matches nothing, portal.identity)."""
        q = Q(authors__user=user)
        handle = verified_handle(user)
        if handle:
            q |= Q(authors__github__iexact=handle)
        return self.filter(q).distinct()

    def review_queue(self):
        """S9: in review first, then drafts; S8: roadmap-aligned first within each band; longest wait first."""
        return (
            self.filter(status__in=[Status.IN_REVIEW, Status.DRAFT])
            .annotate(
                band=Case(When(status=Status.IN_REVIEW, then=Value(0)), default=Value(1), output_field=IntegerField()),
                unaligned=Case(When(roadmap_area="", then=Value(1)), default=Value(0), output_field=IntegerField()),
            )
            .order_by("band", "unaligned", "status_changed_at", "number")
        )


class SEP(models.Model):
    """A Specification Enhancement Proposal (RULES S1). `number` is its pull request number."""

    number = models.PositiveIntegerField(unique=True, help_text="The pull request number.")
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, blank=True)
    type = models.CharField(max_length=20, choices=SEPType, default=SEPType.STANDARDS, db_index=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.PROPOSAL, db_index=True)
    created = models.DateField(default=timezone.localdate)
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="seps")
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sponsored_seps"
    )
    sponsor_named = models.CharField(
        max_length=200,
        blank=True,
        help_text="The sponsor as the imported file names them, when they have no portal account (shown, not a sponsor).",
    )
    pr_url = models.URLField("pull request", blank=True)
    discussion_url = models.URLField("discussion", blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    outline = models.JSONField(default=list, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    reference_implementation = models.URLField(blank=True)
    roadmap_area = models.CharField(max_length=20, choices=RoadmapArea, blank=True, default="")
    source_file = models.CharField(max_length=200, blank=True, help_text="The file it was imported from.")
    status_changed_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write.")

    objects = SEPQuerySet.as_manager()

    class Meta:
        verbose_name = "SEP"
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["status", "last_activity_at"], name="sep_status_activity"),
            # The index lists SEPs in lifecycle order, the home page the latest status changes:
            # both read the first rows of an index instead of sorting the whole table.
            models.Index(lifecycle_order(), models.F("number").desc(), name="sep_lifecycle_number"),
            models.Index(models.F("status_changed_at").desc(), models.F("number").desc(), name="sep_recent_change"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.SUPERSEDED) | Q(superseded_by__isnull=False),
                name="sep_superseded_names_successor",
            ),
        ]

    def __str__(self):
        return f"SEP-{self.number}: {self.title}"

    def get_absolute_url(self):
        return reverse("seps:detail", args=[self.number])

    def render_body(self):
        """DESIGN 8: render once on write; call before saving `body`."""
        html, headings = render_markdown_with_outline(self.body)
        self.body_html = link_sibling_seps(html)
        self.outline = [{"level": h.level, "text": _plain(h.text), "anchor": h.anchor} for h in headings]

    @property
    def status_badge(self) -> str:
        return STATUS_BADGE.get(self.status, "")

    @property
    def sponsor_label(self) -> str:
        """The sponsor's name, else the sponsor the imported file names (no portal account), else ""."""
        return self.sponsor.name if self.sponsor_id else self.sponsor_named

    @property
    def pr_display(self) -> str:
        m = re.search(r"/pull/(\d+)", self.pr_url or "")
        return f"#{m[1]}" if m else f"#{self.number}"

    @property
    def discussion_display(self) -> str:
        m = re.search(r"/(issues|discussions|pull)/(\d+)", self.discussion_url or "")
        return f"{'Issue' if m[1] == 'issues' else m[1].rstrip('s').capitalize()} #{m[2]}" if m else "Discussion"

    def is_author(self, user) -> bool:
        """An author is matched by account or by verified GitHub handle (uses prefetched authors); a
        handle typed into a profile makes nobody an author (portal.identity)."""
        if not (user and user.is_authenticated):
            return False
        handle = verified_handle(user)
        return any(a.user_id == user.pk or (handle and a.github.lower() == handle) for a in self.authors.all())


class SEPAuthor(models.Model):
    """One author, in order; may or may not be a portal account (or may be a group's name)."""

    sep = models.ForeignKey(SEP, on_delete=models.CASCADE, related_name="authors")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    github = models.CharField(max_length=39, blank=True)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sep_authorships"
    )

    class Meta:
        ordering = ["sep", "position", "id"]
        indexes = [
            models.Index(fields=["github"], name="sepauthor_github"),
            # handles are matched case-insensitively (`github__iexact`: UPPER(github) = UPPER(%s))
            models.Index(Upper("github"), name="sepauthor_github_upper"),
        ]

    def __str__(self):
        return self.display

    @property
    def display(self) -> str:
        if self.name and self.github and self.name.lower() != self.github.lower():
            return f"{self.name} (@{self.github})"
        if self.github:
            return f"@{self.github}"
        return self.name or self.email

    def as_tuple(self):
        return (self.name, self.github.lower(), self.email.lower())
