"""Dashboard panel: meetings a lead must publish, notes due."""


def panels(request):
    return [{"template": "meetings/_dashboard_panel.html", "title": "Meetings that need you", "order": 10}]
