"""Pages of the workflow app: approval processes, approvals and alert rules."""

from django.urls import path

from crm.workflow import alert_urls, views

app_name = "workflow"

urlpatterns: list = [
    path("processes/", views.process_list, name="process_list"),
    path("processes/new/", views.process_create, name="process_create"),
    path("processes/<int:pk>/", views.process_edit, name="process_edit"),
    path("processes/<int:pk>/move/<str:direction>/", views.process_move, name="process_move"),
    path("processes/<int:pk>/delete/", views.process_delete, name="process_delete"),
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/approve/", views.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/reject/", views.approval_reject, name="approval_reject"),
    path("approvals/<int:pk>/transfer/", views.approval_transfer, name="approval_transfer"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    *alert_urls.urlpatterns,
]
