from django.urls import path
from django.views.decorators.http import condition, require_safe

from . import feeds, views

app_name = "seps"

urlpatterns = [
    path("", views.index, name="index"),
    path("review/", views.review_queue, name="review"),
    path("feed/", require_safe(condition(etag_func=feeds.feed_etag)(feeds.StatusChangesFeed())), name="feed"),
    path(
        "feed/group/<slug:slug>/",
        require_safe(condition(etag_func=feeds.feed_etag)(feeds.GroupStatusChangesFeed())),
        name="group_feed",
    ),
    path("<int:number>/", views.detail, name="detail"),
    path("<int:number>/edit/", views.edit, name="edit"),
    path("<int:number>/<slug:action>/", views.transition, name="transition"),
]
