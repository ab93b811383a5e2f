"""Dashboard panel: the person's open SEPs; review queue size for core maintainers."""


def panels(request):
    return [{"template": "seps/_dashboard_panel.html", "title": "Your SEPs", "order": 30}]
