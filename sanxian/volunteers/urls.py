from django.urls import path

from sanxian.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("volunteers/", views.teams, name="teams"),
    path("volunteers/export.xlsx", views.teams_xlsx, name="teams_xlsx"),
    path("volunteers/teams/<int:pk>/", views.team_detail, name="team"),
    path("volunteers/teams/<int:pk>/members.xlsx", views.team_members_xlsx, name="members_xlsx"),
    path("volunteers/teams/<int:pk>/join/", views.team_join, name="team_join"),
    path("volunteers/teams/<int:pk>/leave/", views.team_leave, name="team_leave"),
    path("volunteers/teams/<int:pk>/rosters/", views.roster_create, name="roster_create"),
    path("volunteers/rosters/<int:pk>/", views.roster_detail, name="roster"),
    path("volunteers/rosters/<int:pk>/edit/", views.roster_edit, name="roster_edit"),
    path("volunteers/shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("volunteers/shifts/<int:pk>/qr.svg", views.shift_qr, name="shift_qr"),
    path("volunteers/shifts/<int:pk>/sign-up/", views.shift_sign_up, name="sign_up"),
    path("volunteers/sign-ups/<int:pk>/cancel/", views.signup_cancel, name="cancel"),
    path("volunteers/sign-ups/<int:pk>/swap/", views.signup_swap, name="swap"),
    path("volunteers/sign-ups/<int:pk>/mark/", views.signup_mark, name="mark"),
    path("volunteers/check-in/<str:token>/", views.checkin, name="checkin"),
    path("volunteers/mine/", views.mine, name="mine"),
    path("volunteers/approvals/", views.approvals, name="approvals"),
    path("volunteers/approvals/hours/", views.approvals_hours, name="approvals_hours"),
    path("volunteers/approvals/hours.xlsx", views.pending_hours_xlsx, name="pending_xlsx"),
    path("volunteers/approvals/swaps/<int:pk>/", views.approvals_swap, name="approvals_swap"),
    path("volunteers/honour-roll/", views.honour_roll, name="honour_roll"),
    path("volunteers/honour-roll.xlsx", views.honour_roll_xlsx, name="honour_roll_xlsx"),
    path("volunteers/people/<int:pk>/", views.ledger, name="ledger"),
    path("volunteers/people/<int:pk>/record/", views.record, name="record"),
    path("volunteers/people/<int:pk>/record.xlsx", views.record_xlsx, name="record_xlsx"),
]
