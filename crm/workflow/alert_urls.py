"""Pages of alert rules, under /workflow/ (joined into crm.workflow.urls)."""

from django.urls import path

from crm.workflow import alert_views

urlpatterns: list = [
    path("alerts/", alert_views.alert_rule_list, name="alert_rule_list"),
    path("alerts/new/", alert_views.alert_rule_create, name="alert_rule_create"),
    path("alerts/<int:pk>/", alert_views.alert_rule_edit, name="alert_rule_edit"),
    path(
        "alerts/<int:pk>/deactivate/",
        alert_views.alert_rule_deactivate,
        name="alert_rule_deactivate",
    ),
    path("alerts/<int:pk>/hits/", alert_views.alert_hits, name="alert_hits"),
]
