"""`{% load meetings_panels %}{% group_meetings_panel group %}`: next meetings and recent notes of a group.

Fixed number of queries (three) whatever the number of meetings.
"""

from django import template

from meetings.links import feed_group_url
from meetings.selectors import group_panel

register = template.Library()


@register.inclusion_tag("meetings/_group_panel.html", takes_context=True)
def group_meetings_panel(context, group, upcoming=3, recent=3):
    import rules

    ctx = group_panel(group, upcoming=upcoming, recent=recent)
    ctx["feed_url"] = feed_group_url(group.slug)
    user = context.get("user")
    # a lead (or core maintainer) finds "Schedule a meeting" where they look for the group's meetings;
    # the group page already knows the viewer's membership (`my_membership`): no extra query there
    if not (user and user.is_authenticated):
        can_schedule = False
    elif user.is_core_maintainer:
        can_schedule = True
    elif "my_membership" in context:
        mine = context.get("my_membership")
        can_schedule = bool(mine and mine.group_id == group.pk and mine.tier == "lead" and mine.ended_at is None)
    else:
        can_schedule = rules.test_rule("meetings.manage_meeting", user, group)
    ctx["can_schedule"] = can_schedule
    ctx["group"] = group
    return ctx


@register.inclusion_tag("meetings/_lead_due.html")
def lead_meetings_due(user, facts=None):
    """Dashboard panel: `{% lead_meetings_due request.user facts %}` (three queries; none when the
    dashboard's facts say nothing is due in a group the person leads)."""
    from django.utils import timezone

    from meetings.selectors import due_for_lead

    facts = facts or {}
    leads = facts.get("m_lead_due", facts.get("g_led", 1))  # meetings.dashboard.facts, else groups
    if user.is_authenticated and leads:
        ctx = due_for_lead(user)
    else:
        ctx = {"to_publish": [], "notes_due": [], "to_decide": []}
    return {**ctx, "now": timezone.now()}  # a draft past its cutoff waits for the sweep: no "publish by <past>"


@register.inclusion_tag("meetings/_my_meetings.html")
def my_next_meetings(user, facts=None):
    """Dashboard panel: `{% my_next_meetings request.user facts %}`, the next meetings of one's
    groups (one query; none when the dashboard's facts say the person is in no group)."""
    from meetings.selectors import next_for_member

    in_groups = (facts or {}).get("g_active", 1)
    return {"meetings": next_for_member(user) if user.is_authenticated and in_groups else []}
