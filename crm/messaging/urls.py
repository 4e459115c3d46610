"""Pages of the messaging app, under /messages/."""

from django.urls import path

from crm.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("<int:pk>/", views.open_item, name="open"),
    path("<int:pk>/read/", views.read_item, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.email_settings, name="settings"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/new/", views.announcement_create, name="announcement_create"),
    path(
        "announcements/<int:pk>/withdraw/",
        views.announcement_withdraw,
        name="announcement_withdraw",
    ),
    path("emails/", views.email_log, name="email_log"),
    path("emails/<int:pk>/retry/", views.email_retry, name="email_retry"),
]
