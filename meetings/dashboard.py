"""Dashboard panel: meetings a lead must publish, notes due."""


def panels(request):
    facts = getattr(request, "dashboard_facts", None)  # groups.dashboard.facts: g_led, g_active
    return [
        {"template": "meetings/_dashboard_panel.html", "title": "Meetings that need you", "order": 10, "facts": facts},
        {"template": "meetings/_my_meetings_panel.html", "title": "Your groups' next meetings", "order": 15,
         "facts": facts},
    ]  # fmt: skip
