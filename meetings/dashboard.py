"""Dashboard panel: meetings a lead must publish, notes due."""


def panels(request):
    return [
        {"template": "meetings/_dashboard_panel.html", "title": "Meetings that need you", "order": 10},
        {"template": "meetings/_my_meetings_panel.html", "title": "Your groups' next meetings", "order": 15},
    ]
