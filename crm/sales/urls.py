"""The sales app's settings pages (lead assignment rules, sales processes), under /sales/,
joined into the `sales` namespace where the registry puts the types' own pages."""

from django.urls import path

from crm.sales import process_urls, rule_views

urlpatterns: list = [
    path("assignment-rules/", rule_views.rule_list, name="assignment_rule_list"),
    path("assignment-rules/new/", rule_views.rule_create, name="assignment_rule_create"),
    path("assignment-rules/<int:pk>/", rule_views.rule_edit, name="assignment_rule_edit"),
    path(
        "assignment-rules/<int:pk>/move/<str:direction>/",
        rule_views.rule_move,
        name="assignment_rule_move",
    ),
    path(
        "assignment-rules/<int:pk>/delete/",
        rule_views.rule_delete,
        name="assignment_rule_delete",
    ),
    *process_urls.urlpatterns,
]
