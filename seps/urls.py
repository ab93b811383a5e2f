from django.urls import path

from . import feeds, views

app_name = "seps"

urlpatterns = [
    path("", views.index, name="index"),
    path("review/", views.review_queue, name="review"),
    path("feed/", feeds.cached(feeds.StatusChangesFeed()), name="feed"),
    path("feed/group/<slug:slug>/", feeds.cached(feeds.GroupStatusChangesFeed()), name="group_feed"),
    path("<int:number>/", views.detail, name="detail"),
    path("<int:number>/edit/", views.edit, name="edit"),
    path("<int:number>/<slug:action>/", views.transition, name="transition"),
]
