"""URL map of the CRM: the shell, each module, and the API."""

from django.urls import include, path

from crm.api import api
from crm.core.urls import type_patterns
from crm.org.security.views import SignOutView

urlpatterns = [
    path("", include("crm.core.urls")),
    # Signing out and account security belong to the organisation app.
    path("logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include("crm.org.security.urls")),
    path("org/", include("crm.org.urls")),
    path("settings/", include("crm.customization.urls")),
    path("messages/", include("crm.messaging.urls")),
    path("workflow/", include("crm.workflow.urls")),
    # Every registered type's pages, from the registry, with their apps' other pages.
    *type_patterns(sales=[path("sales/", include("crm.sales.urls"))]),
    path("api/v1/", api.urls),
]

handler400 = "crm.core.views.shell.bad_request"
handler404 = "crm.core.views.shell.page_not_found"
handler500 = "crm.core.views.shell.server_error"
