from django.contrib import admin
from django.urls import include, path

from meetings.urls import root_urlpatterns as meetings_root_urlpatterns

from . import health, notice_views, people, token_views, views
from .api import api

app_name = "portal"

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("dashboard/", views.dashboard, name="dashboard"),
        path("profile/", views.profile, name="profile"),
        path("profile/calendar-token/", views.rotate_calendar_token, name="rotate_calendar_token"),
        path("profile/tokens/", token_views.create_token, name="create_token"),
        path("profile/tokens/<int:pk>/revoke/", token_views.revoke_token, name="revoke_token"),
        path("profile/notices/", notice_views.notice_preferences, name="notice_preferences"),
        path("notices/unsubscribe/<str:token>/", notice_views.notice_unsubscribe, name="notice_unsubscribe"),
        path("timezone/", views.set_timezone, name="set_timezone"),
        path("health/", health.health, name="health"),
    ],
    "portal",
)

people_patterns = (
    [
        path("maintainers/", people.maintainers, name="maintainers"),
        path("<str:username>/", people.person, name="person"),
    ],
    "people",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    path("", include(portal_patterns)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("groups/", include("groups.urls")),
    path("meetings/", include("meetings.urls")),
    path("seps/", include("seps.urls")),
    path("people/", include(people_patterns)),
    path("", include("portal.github.urls")),  # /sync/ and /github/webhook/
    # Calendar feeds at their public addresses: /meetings.ics, /groups/<slug>/meetings.ics,
    # /calendar/<token>.ics (RULES M6).
    *meetings_root_urlpatterns,
]
