"""`{% load seps_panels %}{% group_seps_panel group %}`: the group page's list of its SEPs."""

from django import template

from ..models import SEP

register = template.Library()

PANEL_LIMIT = 50


def annotate_group_page(group_queryset, now):
    """The group page's fact for this panel (registered in SepsConfig.ready): whether any SEP
    belongs to the group (an EXISTS on the group index), so a group without SEPs costs nothing."""
    from django.db.models import Exists, OuterRef

    return group_queryset.annotate(seps_any=Exists(SEP.objects.filter(group=OuterRef("pk"))))


@register.inclusion_tag("seps/_group_panel.html")
def group_seps_panel(group):
    """One query whatever the number of SEPs (sponsor joined; authors not shown here); none when
    the group page's facts say the group has no SEP."""
    if not getattr(group, "seps_any", True):
        return {"group": group, "seps": [], "more": False}
    seps = list(
        SEP.objects.filter(group=group)
        .select_related("sponsor")
        .only("number", "title", "status", "type", "sponsor__display_name", "sponsor__username",
              "sponsor__first_name", "sponsor__last_name", "sponsor__github", "last_activity_at", "group_id")
        .in_lifecycle_order()[: PANEL_LIMIT + 1]
    )  # fmt: skip
    return {"group": group, "seps": seps[:PANEL_LIMIT], "more": len(seps) > PANEL_LIMIT}


@register.inclusion_tag("seps/_user_panel.html")
def user_seps_panel(user, facts=None):
    """Dashboard: open SEPs the person sponsors or authors; the review queue size for core
    maintainers. With the dashboard's facts (seps.dashboard.facts) no query when there is none and
    the queue counts come with them."""
    facts = facts or {}
    from django.db.models import Count, Q

    from portal.identity import verified_handle

    from ..models import SEPAuthor, Status

    open_statuses = [Status.PROPOSAL, Status.DRAFT, Status.IN_REVIEW, Status.ACCEPTED]
    # A union of three index lookups (sponsor, author account, author handle) instead of an OR
    # across a join + DISTINCT, which filtered every open SEP.
    mine = SEP.objects.filter(sponsor=user).values("pk").union(SEPAuthor.objects.filter(user=user).values("sep_id"))
    handle = verified_handle(user)  # a typed handle claims no SEP (portal.identity)
    if handle:
        mine = mine.union(SEPAuthor.objects.filter(github__iexact=handle).values("sep_id"))
    seps = []
    if facts.get("s_mine", True):
        seps = list(
            SEP.objects.filter(pk__in=mine, status__in=open_statuses)
            .only("number", "title", "status", "sponsor_id", "last_activity_at")
            .order_by("-last_activity_at")[:PANEL_LIMIT]
        )
    queue = None
    if user.is_core_maintainer and "s_in_review" in facts:
        queue = {"in_review": facts["s_in_review"], "draft": facts["s_draft"]}
    elif user.is_core_maintainer:
        queue = SEP.objects.filter(status__in=[Status.IN_REVIEW, Status.DRAFT]).aggregate(  # status index
            in_review=Count("pk", filter=Q(status=Status.IN_REVIEW)), draft=Count("pk", filter=Q(status=Status.DRAFT))
        )
    return {"seps": seps, "queue": queue, "viewer": user}
