"""Pages of the workflow app: approval processes, approvals and alert rules."""

from crm.workflow import alert_urls

app_name = "workflow"

urlpatterns: list = [*alert_urls.urlpatterns]
