"""What the sync remembers between runs: the lock and rate-limit state, each run, every file's blob
SHA (the change detector), the open pull requests' head SHAs, ETags, and webhook deliveries seen."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SyncState(models.Model):
    """One row (pk=1). `locked_until` is the lock: one sync at a time, taken with a single
    conditional UPDATE (works the same on PostgreSQL and SQLite), released at the end, and a lease
    that expires, so a worker killed mid-sync does not block the next one forever."""

    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True)
    rerun_requested = models.BooleanField(default=False, help_text="A sync was asked for while one ran.")
    default_branch = models.CharField(max_length=255, blank=True)
    resume_after = models.DateTimeField(null=True, blank=True, help_text="Rate limited: no request before this.")
    rate_limit = models.PositiveIntegerField(null=True, blank=True)
    rate_remaining = models.PositiveIntegerField(null=True, blank=True)
    rate_reset_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    LEASE = timedelta(minutes=30)

    def __str__(self):
        return "GitHub sync state"

    @classmethod
    def load(cls) -> "SyncState":
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def acquire(cls, token: str, now=None) -> bool:
        now = now or timezone.now()
        cls.load()
        free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        return bool(cls.objects.filter(free, pk=1).update(locked_until=now + cls.LEASE, locked_by=token))

    @classmethod
    def extend(cls, token: str, now=None) -> None:
        now = now or timezone.now()
        cls.objects.filter(pk=1, locked_by=token).update(locked_until=now + cls.LEASE)

    @classmethod
    def release(cls, token: str) -> None:
        cls.objects.filter(pk=1, locked_by=token).update(locked_until=None, locked_by="")


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        BEAT = "beat", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        MANUAL = "manual", "Sync now"
        COMMAND = "command", "Command"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Done"
        FAILED = "failed", "Stopped by an error"
        RATE_LIMITED = "rate_limited", "Stopped: rate limit"
        WAITING = "waiting", "Waiting for the rate limit reset"
        SKIPPED = "skipped", "Skipped: another sync was running"

    trigger = models.CharField(max_length=10, choices=Trigger, default=Trigger.BEAT)
    status = models.CharField(max_length=15, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requests_made = models.PositiveIntegerField(default=0)
    blobs_fetched = models.PositiveIntegerField(default=0)
    files_changed = models.PositiveIntegerField(default=0)
    changes = models.JSONField(default=list, blank=True, help_text="What was applied, one line each.")
    errors = models.JSONField(default=list, blank=True)
    rate_remaining = models.PositiveIntegerField(null=True, blank=True)
    resume_after = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"sync {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class SyncedFile(models.Model):
    """A file of the default branch as last applied: its blob SHA is the change detector."""

    class Kind(models.TextChoices):
        SEP = "sep", "SEP"
        CHARTER = "charter", "Charter"
        MAINTAINERS = "maintainers", "Maintainers list"

    path = models.CharField(max_length=500, unique=True)
    kind = models.CharField(max_length=12, choices=Kind)
    blob_sha = models.CharField(max_length=40)
    commit_sha = models.CharField(max_length=40, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    sep_number = models.PositiveIntegerField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True, help_text="Why the file was not applied (until it changes).")

    def __str__(self):
        return f"{self.path} @ {self.blob_sha[:7]}"


class SyncedPull(models.Model):
    """An open (or once open) pull request: its head SHA decides whether its files are read again."""

    number = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=10, default="open")
    head_sha = models.CharField(max_length=40)
    updated_at = models.DateTimeField(null=True, blank=True)
    sep_files = models.JSONField(default=dict, blank=True, help_text="seps/*.md path -> blob SHA applied.")

    def __str__(self):
        return f"#{self.number} ({self.state})"


class CachedResponse(models.Model):
    """The last body GitHub sent for a URL with its ETag: a conditional request answered 304 costs
    no rate limit and reuses this body."""

    url = models.CharField(max_length=500, unique=True)
    etag = models.CharField(max_length=200)
    body = models.JSONField()
    link = models.TextField(blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """Each `X-GitHub-Delivery` once: a redelivered event queues nothing."""

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.event} {self.delivery_id}"
