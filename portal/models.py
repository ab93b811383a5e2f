import secrets
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(_timezone_name_set()))


@cache
def _timezone_name_set() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def is_timezone_name(value: str) -> bool:
    """Whether `value` is a zone we know (a set lookup: it runs on every request, cache hits too)."""
    return value in _timezone_name_set()


def validate_timezone(value: str) -> None:
    if not is_timezone_name(value):
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Use a name such as Europe/Berlin or America/New_York.",
            params={"value": value},
            code="invalid_timezone",
        )


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


def normalize_github(value: str) -> str:
    """`@Octo`, `octo`, `https://github.com/octo/` all name the same person: `octo`."""
    value = (value or "").strip()
    for prefix in ("https://", "http://", "www."):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    if value.lower().startswith("github.com/"):
        value = value[len("github.com/") :]
    value = value.strip("/").split("/")[0].lstrip("@").strip()
    return value


class RankedChoices(models.TextChoices):
    """Choices listed lowest first; `rank(value)` compares them (ladder roles, tiers, SEP lifecycle)."""

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)


class LadderRole(RankedChoices):
    """RULES P1: the org-wide contributor ladder, lowest first."""

    CONTRIBUTOR = "contributor", "Contributor"
    MEMBER = "member", "Member"
    MAINTAINER = "maintainer", "Maintainer"
    CORE_MAINTAINER = "core_maintainer", "Core maintainer"
    LEAD_MAINTAINER = "lead_maintainer", "Lead maintainer"


class UserQuerySet(models.QuerySet):
    def with_role_at_least(self, role: str):
        ranked = LadderRole.values[LadderRole.rank(role) :]
        return self.filter(ladder_role__in=ranked, is_active=True)

    def steering_group(self):
        return self.with_role_at_least(LadderRole.MAINTAINER)

    def core_maintainers(self):
        return self.with_role_at_least(LadderRole.CORE_MAINTAINER)

    def by_github(self, handle: str):
        """Every account naming this handle, verified or not: for display and admin search only.
        Matching a person by handle goes through `portal.identity.person_for_handle`."""
        return self.filter(github__iexact=normalize_github(handle))

    def github_owners(self):
        """Accounts whose handle identifies them: verified ones and placeholders known from GitHub."""
        return self.exclude(github="").filter(
            models.Q(github_verified_at__isnull=False) | models.Q(is_placeholder=True)
        )


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    pass


class GithubVerification(models.TextChoices):
    """How a handle came to be trusted (DESIGN convention 12)."""

    SIGN_IN = "github", "GitHub sign-in"
    CONFIRMED = "confirmed", "Confirmed by a core maintainer"
    DEMO = "demo", "Demo data"


class User(AbstractUser):
    """A person (RULES P2, P3): membership is individual; affiliation is shown, never the member.

    `github` is a claim until `github_verified_at` is set (GitHub sign-in or a core maintainer's
    confirmation): only a verified handle, or a placeholder "known from GitHub" that importers created
    for a handle nobody verified, is matched to authorship, sponsorship, seats and attendance.
    """

    display_name = models.CharField(max_length=120, blank=True)
    github = models.CharField("GitHub handle", max_length=39, blank=True, help_text="Without the @.")
    discord = models.CharField("Discord name", max_length=64, blank=True)
    affiliation = models.CharField(max_length=120, blank=True, help_text="Organisation, if any.")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    ladder_role = models.CharField(max_length=20, choices=LadderRole, default=LadderRole.CONTRIBUTOR)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    github_verified_at = models.DateTimeField("GitHub handle verified at", null=True, blank=True, editable=False)
    github_verified_via = models.CharField(
        "verified through", max_length=12, choices=GithubVerification, blank=True, editable=False
    )
    github_id = models.BigIntegerField("GitHub account id", null=True, blank=True, editable=False)
    is_placeholder = models.BooleanField(
        "known from GitHub",
        default=False,
        editable=False,
        help_text="Created by an import or sync for a GitHub handle nobody has verified; merged into the real "
        "account when that person signs in with GitHub.",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Notice kinds (portal.notices.NOTICE_KINDS keys) this person does not want by mail; kinds that
    # cannot be turned off (deadline notices to leads) are sent whatever this says.
    notices_off = models.JSONField(default=list, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            # One owner per handle, any case: a verified account or a placeholder, never two (typed
            # claims are free text and may repeat; they grant nothing).
            models.UniqueConstraint(
                Lower("github"),
                condition=~models.Q(github="")
                & (models.Q(github_verified_at__isnull=False) | models.Q(is_placeholder=True)),
                name="user_github_owner_unique_ci",
            ),
            models.CheckConstraint(
                condition=models.Q(is_placeholder=False) | models.Q(github_verified_at__isnull=True),
                name="user_placeholder_never_verified",
            ),
            models.CheckConstraint(
                condition=models.Q(github_verified_at__isnull=True) | ~models.Q(github=""),
                name="user_verified_has_handle",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.github = normalize_github(self.github)

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.github or self.username

    @property
    def github_verified(self) -> bool:
        return bool(self.github and self.github_verified_at)

    @property
    def verified_github(self) -> str:
        """The handle this person may be matched by ("" when it is only a typed claim)."""
        return self.github if self.github_verified_at else ""

    def role_at_least(self, role: str) -> bool:
        return self.is_active and LadderRole.rank(self.ladder_role) >= LadderRole.rank(role)

    @property
    def is_member_or_above(self) -> bool:
        return self.role_at_least(LadderRole.MEMBER)

    @property
    def is_steering_group(self) -> bool:
        """RULES P1: maintainers, core maintainers and lead maintainers."""
        return self.role_at_least(LadderRole.MAINTAINER)

    @property
    def is_core_maintainer(self) -> bool:
        return self.role_at_least(LadderRole.CORE_MAINTAINER)

    @property
    def is_lead_maintainer(self) -> bool:
        return self.role_at_least(LadderRole.LEAD_MAINTAINER)

    def wants_notice(self, kind: str) -> bool:
        return kind not in (self.notices_off or [])

    def rotate_calendar_token(self) -> str:
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])
        return self.calendar_token


class RoleKind(RankedChoices):
    """A ladder role someone holds, org-wide or for one area (MAINTAINERS.md), lowest first."""

    MODERATOR = "moderator", "Community moderator"
    MAINTAINER = "maintainer", "Maintainer"
    CORE_MAINTAINER = "core_maintainer", "Core maintainer"
    LEAD_MAINTAINER = "lead_maintainer", "Lead maintainer"


class RoleArea(models.TextChoices):
    """What a role covers: the whole project, an SDK, a project, a group, or the community."""

    ORG = "org", "Project-wide"
    SDK = "sdk", "SDK"
    PROJECT = "project", "Project"
    GROUP = "group", "Working or Interest Group"
    COMMUNITY = "community", "Community"


class RoleQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)

    def at(self, moment):
        return self.filter(started_at__lte=moment).filter(
            models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=moment)
        )


class Role(models.Model):
    """A role held over a period (DESIGN convention 4): a change ends the row and opens another; rows are
    never rewritten, so the page can say who was a core maintainer when. `emeritus` marks the honorary
    form ("Core Maintainer Emeritus", "Registry Emeritus")."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=20, choices=RoleKind)
    area = models.CharField(max_length=12, choices=RoleArea, default=RoleArea.ORG)
    scope = models.CharField(max_length=120, blank=True, help_text="What is maintained: “Java SDK”, “Registry”.")
    emeritus = models.BooleanField(default=False)
    product = models.CharField(max_length=120, blank=True, help_text="For client representatives: the product.")
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="Where the role came from: MAINTAINERS.md, admin.")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "person",
                "kind",
                "area",
                Lower("scope"),
                condition=models.Q(ended_at__isnull=True),
                name="one_open_role",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="role_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "area", "scope"], condition=models.Q(ended_at__isnull=True), name="role_open"),
        ]

    def __str__(self):
        what = self.get_kind_display()
        if self.scope:
            what = f"{what}, {self.scope}"
        if self.emeritus:
            what = f"{what} (emeritus)"
        return f"{self.person}: {what}"

    @property
    def title(self) -> str:
        base = {RoleKind.MAINTAINER: "Maintainer"}.get(self.kind, self.get_kind_display())
        if self.scope:
            base = f"{self.scope} maintainer" if self.kind == RoleKind.MAINTAINER else f"{base}, {self.scope}"
        return f"{base} emeritus" if self.emeritus else base


class EventQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))

    def for_group(self, group):
        return self.filter(group=group)


class Event(models.Model):
    """The site-wide event log: who did what, when, to which object (DESIGN convention 3)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=200, blank=True)
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"], name="event_target_time"),
            models.Index(fields=["group", "created_at"], name="event_group_time"),
            # "Your recent activity" on the dashboard: one person's latest events
            models.Index(fields=["actor", "-created_at", "-id"], name="event_actor_time"),
        ]

    def __str__(self):
        who = self.actor.name if self.actor_id else "system"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.verb} {self.target_repr}"


class Notice(models.Model):
    """An outbox row: one per (kind, object, due moment), so a notice goes out once.

    Sweeps create the row in the same transaction as the state change; `deliver_notices`
    sends rows not yet sent and stamps them. A worker killed between the two leaves an
    unsent row that the next delivery run sends.
    """

    kind = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    due_at = models.DateTimeField()
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # One mail per recipient, rendered in their time zone with their unsubscribe link:
    # [{"to", "subject", "text", "html", "unsubscribe", "sent"}]; `sent` marks progress so a
    # delivery interrupted half-way resends only to those not reached yet.
    messages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id", "due_at"], name="notice_once_per_due_moment"
            )
        ]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="notice_pending"),
        ]

    def __str__(self):
        return f"{self.kind} for {self.target_type_id}:{self.target_id} due {self.due_at:%Y-%m-%d %H:%M}"


class DataVersion(models.Model):
    """One row (id 1) whose `value` changes whenever any portal data changes, by any path.

    Database triggers bump it (PostgreSQL: one AFTER ... FOR EACH STATEMENT trigger per table;
    SQLite: row triggers), installed by migration 0003 and re-installed idempotently after every
    `migrate` for tables later migrations add (`portal.dataversion`). Caches key on it: a write by a
    view, service, admin, importer, sweep, migration or raw SQL changes the key, so nothing stale is
    served and nothing needs to be invalidated by hand.
    """

    value = models.BigIntegerField()

    class Meta:
        db_table = "portal_dataversion"

    def __str__(self):
        return f"data version {self.value}"


class PersonalTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class PersonalToken(models.Model):
    """A personal token for programs acting as someone (the MCP server's "my groups", "my deadlines").

    Only a SHA-256 hash of the token is stored: the token itself is shown once, when it is created.
    `prefix` (the first characters) lets the profile page tell tokens apart. Revoking keeps the row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens")
    name = models.CharField(max_length=80, help_text="What it is for, e.g. “Claude Desktop on my laptop”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
