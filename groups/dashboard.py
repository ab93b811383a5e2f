"""Dashboard panel: the person's groups, nominations to review, amendments, core maintainers' queue."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from . import decision_dashboard
from .models import (
    CharterVersion,
    EligibleVoter,
    Escalation,
    Group,
    Membership,
    Nomination,
    Proposal,
    QuarterlyReport,
    RetirementProposal,
    Tier,
    Vote,
)
from .selectors import for_dashboard


def _mine(qs):
    """How many rows of `qs` (correlated on the person) there are, as an integer annotation."""
    counted = qs.order_by().values("user").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _total(qs):
    """How many rows of `qs` there are (not correlated), as an integer annotation."""
    counted = qs.order_by().values(k=Value(1)).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def facts(person) -> dict:
    """The dashboard's facts from groups (portal.views._dashboard_facts folds them into one query):
    the person's memberships (current, active, led), whether a nomination or an open vote concerns
    them, and for core maintainers the queue counts. `person` is a portal.views.FactsPerson: read
    only its fields (the query is compiled once per shape)."""
    current = Membership.objects.current().filter(user=OuterRef("pk"))
    out = {
        "g_memberships": _mine(current),
        "g_active": _mine(current.filter(status=Membership.Status.ACTIVE)),
        "g_led": _mine(current.filter(tier=Tier.LEAD)),
        "g_nominations": Exists(
            Nomination.objects.open().filter(Q(nominee=OuterRef("pk")) | Q(nominator=OuterRef("pk")))
        ),
        "g_votes": Exists(
            EligibleVoter.objects.filter(
                user=OuterRef("pk"), vote__status=Vote.Status.OPEN, vote__closes_at__gt=person.now
            )
        ),
    }
    # whether the Decisions panel has anything (superset of what it lists): open proposals in the
    # person's groups, votes in progress they are eligible for, reports owed in groups they lead
    in_my_groups = Membership.objects.active().filter(user=OuterRef(OuterRef("pk"))).values("group_id")
    led = Membership.objects.leads().filter(user=OuterRef(OuterRef("pk"))).values("group_id")
    out["g_decisions"] = Exists(
        Proposal.objects.filter(status=Proposal.Status.OPEN, deadline__gt=person.now, group__in=in_my_groups)
    ) | Exists(
        EligibleVoter.objects.filter(
            user=OuterRef("pk"), vote__proposal__status=Proposal.Status.VOTING, vote__closes_at__gt=person.now
        )
    )
    out["g_reports"] = Exists(QuarterlyReport.objects.unpublished().filter(group__in=led))
    # whether "Your groups" lists open nominations (all of them for core maintainers) and amendments
    nominations = Nomination.objects.open()
    if not person.is_core_maintainer:
        nominations = nominations.filter(Q(group__in=led) | Q(nominee=OuterRef("pk")) | Q(nominator=OuterRef("pk")))
    out["g_to_review"] = Exists(nominations)
    out["g_drafts"] = Exists(CharterVersion.objects.open().filter(group__in=led))
    if person.is_core_maintainer:
        out["g_escalations"] = Exists(Escalation.objects.unresolved())
        out.update(
            g_queue_charters=_total(CharterVersion.objects.filter(status=CharterVersion.Status.SUBMITTED)),
            g_queue_inactive=_total(Group.objects.active().filter(inactive_since__isnull=False)),
            g_queue_proposed=_total(Group.objects.filter(state=Group.State.PROPOSED)),
            g_queue_retirements=_total(RetirementProposal.objects.filter(status=RetirementProposal.Status.OPEN)),
        )
    return out


def panels(request):
    facts = getattr(request, "dashboard_facts", None)
    return decision_dashboard.panels(request) + [
        {
            "template": "groups/_dashboard_panel_wrap.html",
            "title": "Your groups",
            "order": 20,
            "groups_dash": for_dashboard(request.user, facts),
        }
    ]
