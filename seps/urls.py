from django.urls import path

from . import views

app_name = "seps"

urlpatterns = [
    path("", views.index, name="index"),
]
