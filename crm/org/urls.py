"""URLs of the organisation pages, under /org/."""

from django.urls import path
from django.views.generic import RedirectView

from crm.org import views
from crm.org.security import views as security

app_name = "org"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="org:unit_list"), name="index"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_create, name="employee_create"),
    path("employees/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/new/", views.handover_create, name="handover_create"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    # Account security and logs
    path("security/", security.account_security, name="security"),
    path("security/password/", security.password_change, name="password_change"),
    path("security/sessions/<int:pk>/end/", security.session_end, name="session_end"),
    path("security/sessions/end-others/", security.sessions_end_others, name="sessions_end_others"),
    path("logs/logins/", security.login_log, name="login_log"),
    path("logs/logins/export/", security.login_log_export, name="login_log_export"),
    path("logs/lockouts/<int:pk>/lift/", security.lockout_lift, name="lockout_lift"),
    path("logs/online/", security.online_users, name="online_users"),
    path("logs/online/<int:pk>/end/", security.online_session_end, name="online_session_end"),
    path("logs/changes/", security.change_log, name="change_log"),
    path("logs/changes/export/", security.change_log_export, name="change_log_export"),
]
