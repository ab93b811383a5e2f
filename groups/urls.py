from django.urls import path

from . import decision_views as dv
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
    # Decisions (D1-D5) and quarterly reports (G8)
    path("<slug:slug>/decisions/", dv.decisions_page, name="decisions"),
    path("<slug:slug>/decisions/new/", dv.proposal_new, name="proposal_new"),
    path("<slug:slug>/decisions/<int:pk>/", dv.proposal_page, name="proposal"),
    path("<slug:slug>/decisions/<int:pk>/block/", dv.proposal_block, name="proposal_block"),
    path("<slug:slug>/decisions/<int:pk>/request-vote/", dv.proposal_request_vote, name="proposal_request_vote"),
    path("<slug:slug>/decisions/<int:pk>/withdraw/", dv.proposal_withdraw, name="proposal_withdraw"),
    path("<slug:slug>/decisions/<int:pk>/ballot/", dv.ballot_cast, name="ballot_cast"),
    path("<slug:slug>/decisions/<int:pk>/contest/", dv.proposal_contest, name="proposal_contest"),
    path("<slug:slug>/escalations/<int:pk>/", dv.escalation_page, name="escalation"),
    path("<slug:slug>/escalations/<int:pk>/designate/", dv.escalation_designate, name="escalation_designate"),
    path("<slug:slug>/escalations/<int:pk>/respond/", dv.escalation_respond, name="escalation_respond"),
    path("<slug:slug>/reports/open/", dv.report_open, name="report_open"),
    path("<slug:slug>/reports/<str:quarter>/", dv.report_page, name="report"),
    path("<slug:slug>/reports/<str:quarter>/edit/", dv.report_edit, name="report_edit"),
]
