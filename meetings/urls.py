from django.urls import path

from . import feeds, views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("schedule/", views.schedule, name="schedule"),
    path("series/new/", views.series_new, name="series_new"),
    path("series/<int:pk>/end/", views.series_end, name="series_end"),
    path("preview/", views.preview, name="preview"),
    path("compliance/", views.compliance, name="compliance"),
    path("feed.ics", feeds.feed_all, name="feed_all"),
    path("group/<slug:slug>.ics", feeds.feed_group, name="feed_group"),
    path("calendar/<str:token>.ics", feeds.feed_private, name="feed_private"),
    path("<int:pk>.ics", feeds.meeting_ics, name="ics"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/notes/", views.notes, name="notes"),
    path("<int:pk>/agenda/", views.propose_item, name="propose_item"),
    path("<int:pk>/agenda/<int:item_pk>/decide/", views.decide_item, name="decide_item"),
]

# The canonical calendar addresses live at the site root. portal/urls.py adds them with
#     from meetings.urls import root_urlpatterns as meetings_root
#     urlpatterns += meetings_root
# (un-namespaced names, so `meetings.links` prefers them once mounted).
root_urlpatterns = [
    path("meetings.ics", feeds.feed_all, name="meetings_feed_all"),
    path("groups/<slug:slug>/meetings.ics", feeds.feed_group, name="meetings_feed_group"),
    path("calendar/<str:token>.ics", feeds.feed_private, name="meetings_feed_private"),
]
