from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.index, name="index"),
    path("queue/", views.queue, name="queue"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/membership/", views.membership, name="membership"),
    path("<slug:slug>/charter/", views.charter_history, name="charter_history"),
    path("<slug:slug>/charter/amend/", views.charter_amend, name="charter_amend"),
    path("<slug:slug>/charter/preview/", views.charter_preview, name="charter_preview"),
    path("<slug:slug>/charter/v<int:number>/", views.charter_version, name="charter_version"),
    path("<slug:slug>/charter/v<int:number>/edit/", views.charter_edit, name="charter_edit"),
    path("<slug:slug>/charter/v<int:number>/submit/", views.charter_submit, name="charter_submit"),
    path("<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("<slug:slug>/nominations/<int:pk>/", views.nomination, name="nomination"),
    path("<slug:slug>/nominations/<int:pk>/object/", views.nomination_object, name="nomination_object"),
    path("<slug:slug>/nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("<slug:slug>/members/<int:pk>/restore/", views.member_restore, name="member_restore"),
    path("<slug:slug>/retire/", views.retire_propose, name="retire_propose"),
    path("<slug:slug>/retire/<int:pk>/decide/", views.retire_decide, name="retire_decide"),
]
