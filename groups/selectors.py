"""Read helpers for groups; other apps use `is_lead` and `current_leads`."""

import rules
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.dataversion import memo

from .models import (
    CharterVersion,
    Group,
    Membership,
    Nomination,
    Participation,
    Proposal,
    QuarterlyReport,
    RetirementProposal,
    Tier,
)
from .registry import annotate_directory, annotate_page
from .rules import is_group_lead, is_group_member


def is_lead(user, group) -> bool:
    """True when `user` is a current, active lead/facilitator of `group`."""
    return bool(is_group_lead(user, group))


def is_member(user, group) -> bool:
    return bool(is_group_member(user, group))


def quorum_members(group):
    """T1/T4: who counts for quorum: active (not emeritus) members and leads of a WG, or of an IG
    that adopts the member tier; nobody otherwise."""
    if not group.counts_members:
        return Membership.objects.none()
    return Membership.objects.active().filter(group=group, tier__in=[Tier.MEMBER, Tier.LEAD]).select_related("user")


def current_leads(group) -> list:
    """The people who lead (or facilitate) `group` now, as User objects."""
    return [m.user for m in Membership.objects.leads().filter(group=group).select_related("user")]


leads_of = current_leads  # the old name, kept while branches written against it merge


def directory(*, kind: str = "", state: str = "", q: str = ""):
    """The groups directory: filtered, with leads prefetched and the member count annotated."""
    qs = Group.objects.all()
    if kind in Group.Kind.values:
        qs = qs.filter(kind=kind)
    if state in Group.State.values:
        qs = qs.filter(state=state)
    qs = annotate_directory(qs.search(q))  # e.g. next_meeting_at, added by meetings
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
                queryset=Membership.objects.leads()
                .select_related("user")
                .only(
                    "group_id", "user_id", "tier", "status", "started_at", *(f"user__{f}" for f in PERSON_NAME_FIELDS)
                )
                .order_by("started_at"),
                to_attr="lead_memberships",
            )
        )
    )


def _count(qs):
    """A correlated COUNT of `qs` (filtered on OuterRef("pk")) as an integer annotation."""
    counted = qs.order_by().values("group").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def decision_counts():
    """The group page's decisions panel facts, as annotations (each a subquery on one group)."""
    proposals = Proposal.objects.filter(group=OuterRef("pk"))
    latest = QuarterlyReport.objects.published().filter(group=OuterRef("pk")).order_by("-quarter_end")
    return {
        "n_open": _count(proposals.filter(status=Proposal.Status.OPEN)),
        "n_voting": _count(proposals.filter(status=Proposal.Status.VOTING)),
        "n_escalated": _count(proposals.filter(status=Proposal.Status.ESCALATED)),
        "latest_report": Subquery(latest.values("quarter_end")[:1]),
    }


def group_page(slug, now=None):
    """The group for its page, with the facts that let every panel skip its queries when it has
    nothing to show, in one query: member and lead totals, the current charter's id, open
    nominations, an open retirement, groups it led to, the decisions panel's counts, and what the
    apps above register (meetings, SEPs). Raises Group.DoesNotExist."""
    now = now or timezone.now()
    current = Membership.objects.current().filter(group=OuterRef("pk"))
    charter = CharterVersion.objects.approved().filter(group=OuterRef("pk")).order_by("-number")
    retirement = RetirementProposal.objects.filter(group=OuterRef("pk"), status=RetirementProposal.Status.OPEN)
    qs = Group.objects.select_related("formed_from").annotate(
        member_total=_count(current),
        lead_total=_count(current.filter(tier=Tier.LEAD)),
        charter_id=Subquery(charter.values("pk")[:1]),
        open_nomination_total=_count(Nomination.objects.open().filter(group=OuterRef("pk"))),
        open_retirement_id=Subquery(retirement.values("pk")[:1]),
        led_to_any=Exists(Group.objects.filter(formed_from=OuterRef("pk"))),
        **decision_counts(),
    )
    return annotate_page(qs, now).get(slug=slug)


def group_by_slug(slug: str):
    """The group a page's URL names (None: no such group), read once per data version in a GET
    (portal.dataversion.memo; a POST reads it afresh)."""
    return memo(f"group-by-slug:{slug}", lambda: Group.objects.filter(slug=slug).first() or False) or None


# what `User.name` reads: lists of people load these columns, not every User column
PERSON_NAME_FIELDS = ("username", "display_name", "first_name", "last_name", "github")
TIER_ORDER = {Tier.LEAD: 0, Tier.MEMBER: 1, Tier.PARTICIPANT: 2, Tier.OBSERVER: 3}
# what member lists show of a person (T5) and what the page's rules read
MEMBER_USER_FIELDS = ("username", "display_name", "first_name", "last_name", "github", "discord", "affiliation")


def member_rows(group):
    """Current members for T5 (name, affiliation, Discord, tier, status), leads first."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        Membership.objects.current()
        .filter(group=group)
        .select_related("user")
        .only(
            "group_id",
            "user_id",
            "tier",
            "status",
            "started_at",
            "ended_at",
            "term",
            *(f"user__{f}" for f in MEMBER_USER_FIELDS),
        )  # fmt: skip
        .annotate(
            tier_order=Case(*[When(tier=t, then=Value(n)) for t, n in TIER_ORDER.items()], output_field=IntegerField())
        )
        .order_by("tier_order", "status", "user__display_name", "user__username")
    )


def organisation_key(affiliation: str) -> str:
    """P2: "Acme", "ACME" and " acme " are one organisation (counted once; shown as each person typed it)."""
    return " ".join((affiliation or "").split()).casefold()


def organisation_count(group) -> int:
    """P2: how many distinct organisations the group's current members come from."""
    names = Membership.objects.current().filter(group=group).exclude(user__affiliation="")
    return len({key for key in map(organisation_key, names.values_list("user__affiliation", flat=True)) if key})


def open_nominations(group):
    rows = list(
        Nomination.objects.open()
        .filter(group=group)
        .select_related("nominee", "nominator")
        .only(
            "group_id",
            "status",
            "deadline",
            "opened_at",
            "nominee_id",
            "nominator_id",
            *(f"{who}__{f}" for who in ("nominee", "nominator") for f in PERSON_NAME_FIELDS),
        )  # fmt: skip
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


def for_dashboard(user, facts=None) -> dict:
    """What groups wants to show on a person's dashboard (a constant number of queries).

    my_memberships: current rows with their group; to_review: open nominations in groups the person
    leads (all open ones for core maintainers); my_drafts: open charter amendments in groups they lead;
    queue: counts for core maintainers (submitted charters, inactive WGs, proposed groups).
    """
    from django.db.models import Q

    from .models import RetirementProposal

    if not (user and user.is_authenticated):
        return {}
    facts = facts or {}
    memberships = []
    if facts.get("g_memberships", 1):
        memberships = list(
            Membership.objects.current().filter(user=user).select_related("group").order_by("group__name")
        )
    led = [m.group_id for m in memberships if m.tier == Tier.LEAD and m.status == Membership.Status.ACTIVE]
    to_review = []
    # g_to_review / g_drafts (groups.dashboard.facts) say whether there is any row; else nothing is built
    if facts.get("g_to_review", user.is_core_maintainer or led or facts.get("g_nominations", True)):
        nominations = Nomination.objects.open().select_related("group", "nominee").order_by("deadline")
        if not user.is_core_maintainer:
            nominations = nominations.filter(Q(group_id__in=led) | Q(nominee=user) | Q(nominator=user))
        to_review = list(nominations[:20])
    out = {
        "my_memberships": memberships,
        "to_review": to_review,
        "my_drafts": list(
            CharterVersion.objects.open().filter(group_id__in=led).select_related("group").order_by("group__name")
        )
        if led and facts.get("g_drafts", True)
        else [],
    }
    if user.is_core_maintainer and "g_queue_charters" in facts:
        out["queue"] = {k: facts[f"g_queue_{k}"] for k in ("charters", "inactive", "proposed", "retirements")}
    elif user.is_core_maintainer:
        out["queue"] = {
            "charters": CharterVersion.objects.filter(status=CharterVersion.Status.SUBMITTED).count(),
            "inactive": Group.objects.active().filter(inactive_since__isnull=False).count(),
            "proposed": Group.objects.filter(state=Group.State.PROPOSED).count(),
            "retirements": RetirementProposal.objects.filter(status=RetirementProposal.Status.OPEN).count(),
        }
    return out


# --- read helpers and rule checks used by the services (moved from groups/services.py) ---------------


def current_charter(group: Group) -> CharterVersion | None:
    return group.charter_versions.approved().order_by("-number").first()


def current_tier(group, user):
    return Membership.objects.active().filter(group=group, user=user).values_list("tier", flat=True).first()


def participation_check(*, group: Group, user, now=None) -> tuple[bool, str]:
    """T3: participant for >= 90 days and recorded participation within those 90 days."""
    now = now or timezone.now()
    need = settings.GOVERNANCE["NOMINATION_MIN_PARTICIPATION"]
    current = Membership.objects.active().filter(group=group, user=user).first()
    if current is None or current.tier != Tier.PARTICIPANT:
        return False, f"{user.name} is not a participant of {group.name}."
    # Contiguous participant rows count together (e.g. an emeritus restore in between does not reset).
    since = current.started_at
    if since > now - need:
        days = (now - since).days
        return False, f"{user.name} has been a participant for {days} days; {need.days} are needed."
    if not Participation.objects.filter(group=group, user=user, occurred_at__gte=now - need).exists():
        return (
            False,
            f"{user.name} has no recorded participation (attendance, agenda items, votes) in {need.days} days.",
        )
    return True, ""


def charter_decision_refusal(version: CharterVersion) -> str | None:
    """None when a core maintainer may approve or reject `version` now (G5), else why not."""
    if version.status != CharterVersion.Status.SUBMITTED:
        return (
            f"Version {version.number} of {version.group} is {version.get_status_display().lower()}, "
            "not submitted; only submitted versions are decided."
        )
    return None


def sponsorship_refusal(group: Group) -> str | None:
    """None when G3 sponsorship holds, else why not."""
    sponsors = [s.sponsor for s in group.sponsorships.select_related("sponsor")]
    leads = sum(1 for u in sponsors if u.is_lead_maintainer)
    cores = sum(1 for u in sponsors if u.is_core_maintainer)
    if (
        leads >= settings.GOVERNANCE["FORMATION_LEAD_SPONSORS"]
        or cores >= settings.GOVERNANCE["FORMATION_CORE_SPONSORS"]
    ):
        return None
    return (
        f"{group.name} needs sponsorship by {settings.GOVERNANCE['FORMATION_CORE_SPONSORS']} core maintainers or "
        f"{settings.GOVERNANCE['FORMATION_LEAD_SPONSORS']} lead maintainer; it has {cores} core maintainer sponsor(s)."
    )


def lead_refusal(group: Group) -> str | None:
    """None when the group has a lead who may lead (G4), else why not."""
    leads = [m.user for m in Membership.objects.leads().filter(group=group).select_related("user")]
    if not leads:
        return f"{group.name} has no {group.lead_title.lower()}; an active group needs at least one."
    if not any(rules.test_rule("groups.eligible_lead", u) for u in leads):
        return f"No {group.lead_title.lower()} of {group.name} holds org-wide member status or above: " + ", ".join(
            u.name for u in leads
        )
    return None


def activation_refusal(group: Group) -> str | None:
    """None when `group` may become active now (G2 proposed, G3 sponsorship, G4 leads), else why not."""
    if group.state != Group.State.PROPOSED:
        return f"{group.name} is {group.get_state_display().lower()}, not proposed."
    return sponsorship_refusal(group) or lead_refusal(group)
