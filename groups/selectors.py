"""Read helpers for groups; other apps use `is_lead` and `leads_of`."""

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from .models import CharterVersion, Group, Membership, Nomination, Tier
from .rules import is_group_lead, is_group_member


def is_lead(user, group) -> bool:
    """True when `user` is a current, active lead/facilitator of `group`."""
    return bool(is_group_lead(user, group))


def is_member(user, group) -> bool:
    return bool(is_group_member(user, group))


def leads_of(group):
    return [m.user for m in Membership.objects.leads().filter(group=group).select_related("user")]


def directory(*, kind: str = "", state: str = "", q: str = ""):
    """The groups directory: filtered, with leads prefetched and the member count annotated."""
    qs = Group.objects.all()
    if kind in Group.Kind.values:
        qs = qs.filter(kind=kind)
    if state in Group.State.values:
        qs = qs.filter(state=state)
    qs = qs.search(q).with_next_meeting()
    # A correlated subquery, not JOIN + GROUP BY: the paginator's COUNT drops it and only the
    # page's rows compute it.
    members = (
        Membership.objects.current()
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.annotate(member_count=Coalesce(Subquery(members), 0))
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.leads().select_related("user").order_by("started_at"),
                to_attr="lead_memberships",
            )
        )
    )


TIER_ORDER = {Tier.LEAD: 0, Tier.MEMBER: 1, Tier.PARTICIPANT: 2, Tier.OBSERVER: 3}


def member_rows(group):
    """Current members for T5 (name, affiliation, Discord, tier, status), leads first."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        Membership.objects.current()
        .filter(group=group)
        .select_related("user")
        .annotate(
            tier_order=Case(*[When(tier=t, then=Value(n)) for t, n in TIER_ORDER.items()], output_field=IntegerField())
        )
        .order_by("tier_order", "status", "user__display_name", "user__username")
    )


def organisation_count(group) -> int:
    """P2: how many distinct organisations the group's current members come from."""
    return (
        Membership.objects.current()
        .filter(group=group)
        .exclude(user__affiliation="")
        .aggregate(n=Count("user__affiliation", distinct=True))["n"]
    )


def open_nominations(group):
    rows = list(
        Nomination.objects.open()
        .filter(group=group)
        .select_related("nominee", "nominator")
        .annotate(objection_count=Count("objections"))
        .order_by("deadline")
    )
    for n in rows:
        n.group = group  # URLs need the slug; no query per row
    return rows


def charter_versions_visible(group, user):
    """Approved and rejected versions for everyone; drafts and submissions for who may amend."""
    import rules

    qs = group.charter_versions.select_related("author", "decided_by").order_by("-number")
    if not rules.test_rule("groups.amend_charter", user, group) and not rules.test_rule(
        "groups.decide_charter", user, group
    ):
        qs = qs.filter(status__in=[CharterVersion.Status.APPROVED, CharterVersion.Status.REJECTED])
    return qs
