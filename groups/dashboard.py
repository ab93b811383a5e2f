"""Dashboard panel: the person's groups, nominations to review, amendments, core maintainers' queue."""

from . import decision_dashboard
from .selectors import for_dashboard


def panels(request):
    return decision_dashboard.panels(request) + [
        {
            "template": "groups/_dashboard_panel_wrap.html",
            "title": "Your groups",
            "order": 20,
            "groups_dash": for_dashboard(request.user),
        }
    ]
