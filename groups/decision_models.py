"""Decisions in Working Groups (RULES D1-D5): lazy-consensus proposals, blocks, formal votes, escalations.

Imported by `groups.models`; statuses change only through `groups.decisions` / `groups.escalations`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ProposalKind(models.TextChoices):
    MINOR = "minor", "Minor"
    SIGNIFICANT = "significant", "Significant"
    SCOPE = "scope", "Scope change"


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Proposal.Status.OPEN)

    def due(self, now):
        """Open proposals whose lazy-consensus deadline has passed (not yet handled) (D2)."""
        return self.open().filter(deadline__lte=now)

    def decided_between(self, start, end):
        return self.filter(decided_at__gte=start, decided_at__lt=end)


class Proposal(models.Model):
    """D1: announced with a deadline; silence is consent (D2); a block or request opens a vote (D3)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for objections"
        VOTING = "voting", "In a formal vote"
        ACCEPTED = "accepted", "Accepted"
        NOT_ACCEPTED = "not_accepted", "Not accepted"
        ESCALATED = "escalated", "Escalated to core maintainers"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class DecidedBy(models.TextChoices):
        LAZY_CONSENSUS = "lazy_consensus", "Lazy consensus (no block by the deadline)"
        VOTE = "vote", "Formal vote"
        ESCALATION = "escalation", "Core maintainers' guidance"

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    kind = models.CharField(max_length=12, choices=ProposalKind)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=14, choices=Status, default=Status.OPEN, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=16, choices=DecidedBy, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["group", "status", "-opened_at"], name="proposal_group_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opened_at")), name="proposal_deadline_after_open"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("groups:proposal", args=[self.group.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline > timezone.now()

    @property
    def remaining(self):
        return max(self.deadline - timezone.now(), timezone.timedelta(0))

    @property
    def is_scope_change(self) -> bool:
        return self.kind == ProposalKind.SCOPE


class Block(models.Model):
    """D2: a member's documented objection with an alternative or criteria for resolution."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="blocks")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    objection = models.TextField()
    alternative = models.TextField(help_text="A proposed alternative or criteria for resolution.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "by"], name="one_block_per_member"),
            models.CheckConstraint(
                condition=~Q(objection="") & ~Q(alternative=""), name="block_needs_objection_and_alternative"
            ),
        ]

    def __str__(self):
        return f"Block by {self.by} on {self.proposal}"


class VoteRequest(models.Model):
    """D3: a lead's request opens a vote at once; three members' requests do too."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="vote_requests")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    as_lead = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "by"], name="one_vote_request_per_person")]

    def __str__(self):
        return f"Vote requested by {self.by} on {self.proposal}"


class VoteQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Vote.Status.OPEN)

    def due(self, now):
        return self.open().filter(closes_at__lte=now)


class Vote(models.Model):
    """D4: a formal vote on a proposal. Eligible voters are frozen when it opens (see EligibleVoter)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Trigger(models.TextChoices):
        BLOCK = "block", "A member blocked the proposal"
        LEAD = "lead", "A lead requested a vote"
        MEMBERS = "members", "Three or more members requested a vote"

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        NOT_PASSED = "not_passed", "Not passed"
        NO_QUORUM = "no_quorum", "No quorum"

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="vote")
    trigger = models.CharField(max_length=10, choices=Trigger)
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN, db_index=True)
    scope_change = models.BooleanField(help_text="Needs two thirds instead of a simple majority (D4).")
    eligible_count = models.PositiveIntegerField()
    quorum = models.PositiveIntegerField(help_text="Ballots needed: 50% of the eligible voters, rounded up.")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", outcome="") | Q(status="closed") & ~Q(outcome=""),
                name="vote_outcome_iff_closed",
            ),
        ]

    def __str__(self):
        return f"Vote on {self.proposal}"

    @property
    def group_id(self):  # lets the event log find the group
        return self.proposal.group_id

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.closes_at > timezone.now()


class EligibleVoter(models.Model):
    """The active members (not emeritus) of the group at the moment the vote opened (D4)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="eligible")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="eligible_once_per_vote")]
        indexes = [models.Index(fields=["user", "vote"], name="eligible_by_user")]

    def __str__(self):
        return f"{self.user_id} may vote in {self.vote_id}"


class Ballot(models.Model):
    """One ballot per voter per vote, with a rationale; public (votes are public in this community)."""

    class Choice(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        ABSTAIN = "abstain", "Abstain"

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice)
    rationale = models.TextField()
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="one_ballot_per_voter"),
            models.CheckConstraint(condition=~Q(rationale=""), name="ballot_needs_rationale"),
        ]

    def __str__(self):
        return f"{self.voter}: {self.choice}"


class EscalationQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(status__in=[Escalation.Status.OPEN, Escalation.Status.ASSIGNED])

    def awaiting_first_response(self):
        return self.unresolved().filter(first_response_at=None)

    def overdue_due(self, now):
        """Past the first-response deadline, not yet answered nor flagged (D5)."""
        return self.awaiting_first_response().filter(first_response_due__lte=now, overdue_at=None)


class Escalation(models.Model):
    """D5: a vote that did not resolve, handed to core maintainers with the documented options."""

    class Reason(models.TextChoices):
        NO_QUORUM = "no_quorum", "The vote had no quorum"
        NOT_PASSED = "not_passed", "The vote did not pass"
        CONTESTED = "contested", "A lead contested the result"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a designated core maintainer"
        ASSIGNED = "assigned", "With the designated core maintainer"
        RESOLVED = "resolved", "Resolved with binding guidance"
        REFERRED = "referred", "Referred to the full core maintainer group"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="escalations")
    reason = models.CharField(max_length=12, choices=Reason)
    options = models.TextField(help_text="The documented options.")
    disagreement = models.TextField(help_text="The points of disagreement.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    first_response_due = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True, help_text="Set by the sweep when no first response came.")
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN, db_index=True)
    designee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_at = models.DateTimeField(null=True, blank=True)
    affiliation_warning = models.CharField(max_length=300, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(status__in=["open", "assigned"]), name="one_open_escalation"
            ),
        ]

    def __str__(self):
        return f"Escalation: {self.proposal}"

    def get_absolute_url(self):
        return reverse("groups:escalation", args=[self.proposal.group.slug, self.pk])

    @property
    def group_id(self):
        return self.proposal.group_id

    @property
    def is_overdue(self) -> bool:
        return self.first_response_at is None and self.first_response_due <= timezone.now()


class EscalationResponse(models.Model):
    class Kind(models.TextChoices):
        GUIDANCE = "guidance", "Binding guidance"
        MORE_INFO = "more_info", "Request for more information"
        REFERRAL = "referral", "Referral to the full core maintainer group"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="responses")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    text = models.TextField()
    text_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="escalation_response_needs_text")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.escalation}"
