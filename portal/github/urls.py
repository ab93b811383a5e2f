from django.urls import path

from . import views, webhook

app_name = "github"

urlpatterns = [
    path("sync/", views.sync_page, name="sync"),
    path("sync/run/", views.sync_now, name="sync_now"),
    path("github/webhook/", webhook.webhook, name="webhook"),
]
