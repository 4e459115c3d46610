"""Pages of the sales process settings, under /sales/ (joined into the `sales` namespace)."""

from django.urls import path

from crm.sales import process_views

urlpatterns: list = [
    path("processes/", process_views.process_list, name="process_list"),
    path("processes/new/", process_views.process_create, name="process_create"),
    path("processes/<int:pk>/", process_views.process_edit, name="process_edit"),
    path(
        "processes/<int:pk>/move/<str:direction>/",
        process_views.process_move,
        name="process_move",
    ),
    path("processes/<int:pk>/delete/", process_views.process_delete, name="process_delete"),
]
