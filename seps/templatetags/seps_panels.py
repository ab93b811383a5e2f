"""`{% load seps_panels %}{% group_seps_panel group %}`: the group page's list of its SEPs."""

from django import template

from ..models import SEP

register = template.Library()

PANEL_LIMIT = 50


@register.inclusion_tag("seps/_group_panel.html")
def group_seps_panel(group):
    """One query whatever the number of SEPs (sponsor joined; authors not shown here)."""
    seps = list(
        SEP.objects.filter(group=group)
        .select_related("sponsor")
        .only("number", "title", "status", "type", "sponsor__display_name", "sponsor__username",
              "sponsor__first_name", "sponsor__last_name", "sponsor__github", "last_activity_at", "group_id")
        .in_lifecycle_order()[: PANEL_LIMIT + 1]
    )  # fmt: skip
    return {"group": group, "seps": seps[:PANEL_LIMIT], "more": len(seps) > PANEL_LIMIT}
